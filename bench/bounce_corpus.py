"""Score `parse_bounce` on a corpus of real bounces with known answers.

    python -m bench.bounce_corpus [CORPUS_DIR] [--verbose]

CORPUS_DIR defaults to ../shared/corpora/bounces beside the repository (samples/*.eml plus
expected.json). Prints detection accuracy, recipient recall and precision, status agreement,
reason and hard-bounce agreement with sisimai, and messages per second. Skips cleanly (exit 0)
when the corpus is absent: it is a measurement, not a test fixture.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from domain.bounces import parse_bounce

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "bounces"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("corpus", nargs="?", default=str(DEFAULT))
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    root = Path(args.corpus)
    if not (root / "expected.json").exists():
        print(f"bounce corpus not found at {root}; skipping")
        return 0
    expected = json.loads((root / "expected.json").read_text())
    raws = {item["file"]: (root / item["file"]).read_bytes() for item in expected}

    started = time.perf_counter()
    results = {name: parse_bounce(raw) for name, raw in raws.items()}
    elapsed = time.perf_counter() - started

    detect_ok = 0
    tp = fn = fp = 0
    status_total = status_ok = 0
    reason_total = reason_ok = 0
    hard_total = hard_ok = 0
    misses: list[str] = []
    for item in expected:
        got = results[item["file"]]
        if (got is not None) == item["is_bounce"]:
            detect_ok += 1
        else:
            misses.append(f"DETECT {item['file']}: expected is_bounce={item['is_bounce']} ({item['category']})")
        if not item["is_bounce"] or item.get("recipients") is None:
            continue
        wanted = {r["email"].lower(): r for r in item["recipients"]}
        found = {r.email: r for r in (got.recipients if got else ())}
        for address, want in wanted.items():
            if address in found:
                tp += 1
                rec = found[address]
                if want.get("status") or want.get("dsn_status"):
                    status_total += 1
                    if rec.status_code in {want.get("status"), want.get("dsn_status")}:
                        status_ok += 1
                    else:
                        misses.append(
                            f"STATUS {item['file']}: {address} want {want.get('status')}/"
                            f"{want.get('dsn_status')} got {rec.status_code}"
                        )
                if want.get("sisimai_reason"):
                    reason_total += 1
                    if rec.reason == want["sisimai_reason"]:
                        reason_ok += 1
                    elif args.verbose:
                        misses.append(f"REASON {item['file']}: want {want['sisimai_reason']} got {rec.reason}")
                if want.get("sisimai_hardbounce") is not None:
                    hard_total += 1
                    hard_ok += rec.hard == bool(want["sisimai_hardbounce"])
            else:
                fn += 1
                misses.append(f"MISSED {item['file']}: {address} (got {sorted(found)})")
        for address in found:
            if address not in wanted:
                fp += 1
                misses.append(f"EXTRA {item['file']}: {address}")

    def pct(a: int, b: int) -> str:
        return f"{100 * a / b:.1f}% ({a}/{b})" if b else "n/a"

    print(f"messages:            {len(expected)}")
    print(f"detection accuracy:  {pct(detect_ok, len(expected))}")
    print(f"recipient recall:    {pct(tp, tp + fn)}")
    print(f"recipient precision: {pct(tp, tp + fp)}")
    print(f"status agreement:    {pct(status_ok, status_total)}")
    print(f"reason (sisimai):    {pct(reason_ok, reason_total)}")
    print(f"hard bounce (sisimai): {pct(hard_ok, hard_total)}")
    print(f"speed:               {len(expected) / elapsed:.0f} messages/s")
    if args.verbose:
        print("\n".join(misses))
    return 0


if __name__ == "__main__":
    sys.exit(main())
