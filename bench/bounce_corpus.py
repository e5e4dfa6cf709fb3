"""Score and time `parse_bounce` on real bounces and on generated ones, against its peers.

    python -m bench.bounce_corpus [CORPUS_DIR] [--rounds N] [--verbose] [--no-speed]
    make bounce-bench BENCH_ARGS="--rounds 7"   (installs p5-sisimai first: apt-get install -y libsisimai-perl)

Accuracy: detection, recipient recall and precision, status agreement, reason agreement (with
sisimai's answers on the real corpus, with the generator's on the generated one) and hard-bounce
agreement. The real corpus is ../shared/corpora/bounces (samples/*.eml and expected.json) beside
the repository, skipped with a message when absent; the generated one is every family x reason x
shape of tests/domain/bounces/generator.py.

Speed: one interleaved run, round by round (Mailtrail, flufl.bounce, p5-sisimai on the real
corpus, then the same on the generated one), CPU time in-process, start-up and reading excluded;
the median round of each is reported with the ratios. A peer that is not installed is named with
the command that installs it. On the generated corpus sisimai's own answers are scored too, as
an oracle where it and the RFCs agree.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.bounce_peers import INSTALL_FLUFL, INSTALL_SISIMAI, Round, Sisimai, flufl_parser, timed
from domain.bounces import Bounce, parse_bounce

ROOT = Path(__file__).resolve().parents[1]
CANDIDATES = (ROOT.parent / "shared" / "corpora" / "bounces", ROOT.parents[1] / "shared" / "corpora" / "bounces")


@dataclass
class Corpus:
    """Messages with the answers expected for each."""

    name: str
    messages: list[bytes]
    expected: list[dict[str, Any]]  # is_bounce, recipients: [{email, status, dsn_status, reason, hard}]
    labels: list[str]


@dataclass
class Score:
    """Agreement counters."""

    detected: int = 0
    total: int = 0
    found: int = 0
    wanted: int = 0
    extra: int = 0
    status: list[int] = field(default_factory=lambda: [0, 0])
    reason: list[int] = field(default_factory=lambda: [0, 0])
    hard: list[int] = field(default_factory=lambda: [0, 0])
    misses: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The score as printed lines."""
        return [
            f"detection accuracy:    {_pct(self.detected, self.total)}",
            f"recipient recall:      {_pct(self.found, self.wanted)}",
            f"recipient precision:   {_pct(self.found, self.found + self.extra)}",
            f"status agreement:      {_pct(*self.status)}",
            f"reason agreement:      {_pct(*self.reason)}",
            f"hard-bounce agreement: {_pct(*self.hard)}",
        ]


def _pct(good: int, total: int) -> str:
    return f"{100 * good / total:.1f}% ({good}/{total})" if total else "n/a"


def shared_corpus(path: Path | None) -> Corpus | None:
    """The shared corpus of real bounces, or None when it is not there."""
    roots = [path] if path else list(CANDIDATES)
    root = next((r for r in roots if (r / "expected.json").exists()), None)
    if root is None:
        print(f"real bounce corpus not found (looked in {', '.join(str(r) for r in roots)}); skipping it")
        return None
    items = json.loads((root / "expected.json").read_text())
    expected = []
    for item in items:
        recipients = [
            {
                "email": r["email"].lower(),
                "status": {r.get("status"), r.get("dsn_status")} - {None},
                "reason": r.get("sisimai_reason"),
                "hard": r.get("sisimai_hardbounce"),
            }
            for r in item.get("recipients") or []
        ]
        expected.append({"is_bounce": item["is_bounce"], "recipients": recipients if item.get("recipients") else None})
    messages = [(root / item["file"]).read_bytes() for item in items]
    return Corpus("real (shared corpus)", messages, expected, [item["file"] for item in items])


def generated_corpus() -> Corpus:
    """Every family x reason x shape the generator writes, with its answers."""
    from tests.domain.bounces.generator import corpus, expected_reason

    cases = corpus()
    expected = []
    for case in cases:
        recipients = [
            {
                "email": p.address.lower(),
                "status": {p.status},
                "reason": expected_reason(case.family, p),
                "hard": expected_reason(case.family, p) in {"userunknown", "hostunknown", "hasmoved", "notaccept"}
                and p.status.startswith("5."),
            }
            for p in case.recipients
        ]
        expected.append({"is_bounce": True, "recipients": recipients})
    labels = [f"{c.family}/{c.reason}/{c.shape}" for c in cases]
    return Corpus("generated (family x reason x shape)", [c.raw for c in cases], expected, labels)


Answer = list[tuple[str, str | None, str, bool | None]]  # (email, status, reason, hard) per recipient


def ours(bounce: Bounce | None) -> Answer | None:
    """Mailtrail's answer in the scoring shape."""
    if bounce is None:
        return None
    return [(r.email, r.status_code, r.reason, r.hard) for r in bounce.recipients]


def score(corpus: Corpus, answers: Sequence[Answer | None]) -> Score:
    """How far the answers agree with the expected ones."""
    result = Score(total=len(corpus.expected))
    for label, want, got in zip(corpus.labels, corpus.expected, answers, strict=True):
        if (got is not None) == want["is_bounce"]:
            result.detected += 1
        else:
            result.misses.append(f"DETECT {label}: expected is_bounce={want['is_bounce']}")
        if not want["is_bounce"] or want["recipients"] is None:
            continue
        found = {email: rest for email, *rest in (got or [])}
        wanted = {r["email"]: r for r in want["recipients"]}
        for email, expected in wanted.items():
            result.wanted += 1
            if email not in found:
                result.misses.append(f"MISSED {label}: {email} (got {sorted(found)})")
                continue
            result.found += 1
            status, reason, hard = found[email]
            if expected["status"]:
                result.status[1] += 1
                result.status[0] += status in expected["status"]
                if status not in expected["status"]:
                    result.misses.append(f"STATUS {label}: {email} want {sorted(expected['status'])} got {status}")
            if expected["reason"]:
                result.reason[1] += 1
                result.reason[0] += reason == expected["reason"]
                if reason != expected["reason"]:
                    result.misses.append(f"REASON {label}: {email} want {expected['reason']} got {reason}")
            if expected["hard"] is not None and hard is not None:
                result.hard[1] += 1
                result.hard[0] += bool(hard) == bool(expected["hard"])
        for email in found:
            if email not in wanted:
                result.extra += 1
                result.misses.append(f"EXTRA {label}: {email}")
    return result


def sisimai_answers(peer: Sisimai, count: int) -> list[Answer | None]:
    """sisimai's own reading of each message, in the scoring shape."""
    dumped = peer.answers()
    answers: list[Answer | None] = []
    for index in range(count):
        facts = [f for f in dumped.get(index, []) if f[1] not in ("delivered", "feedback", "vacation")]
        answers.append(
            [(r, s or None, reason, reason in ("userunknown", "hostunknown", "hasmoved")) for r, reason, s, _ in facts]
            or None
        )
    return answers


def speed(corpora: list[Corpus], rounds: int) -> None:
    """Interleaved rounds of Mailtrail and its peers on every corpus; medians and ratios."""
    flufl = flufl_parser()
    if flufl is None:
        print(f"flufl.bounce is not installed; to compare with it: {INSTALL_FLUFL}")
    sisimai_ok = Sisimai.available()
    if not sisimai_ok:
        print(f"p5-sisimai is not installed; to compare with it: {INSTALL_SISIMAI}")
    peers = {c.name: Sisimai(c.messages) for c in corpora} if sisimai_ok else {}
    parsers: dict[str, Callable[[bytes], object]] = {"mailtrail": parse_bounce}
    if flufl is not None:
        parsers["flufl.bounce"] = flufl
    times: dict[tuple[str, str], list[Round]] = {}
    try:
        for corpus in corpora:  # warm-up: compile patterns, load modules
            for parse in parsers.values():
                timed(parse, corpus.messages[:50])
        for _ in range(rounds):
            for corpus in corpora:
                for name, parse in parsers.items():
                    times.setdefault((corpus.name, name), []).append(timed(parse, corpus.messages))
                if corpus.name in peers:
                    times.setdefault((corpus.name, "p5-sisimai"), []).append(peers[corpus.name].run())
        for corpus in corpora:
            print(f"\nspeed on {corpus.name}: {len(corpus.messages)} messages, median of {rounds} interleaved rounds")
            rates = {}
            for (name_of_corpus, name), runs in times.items():
                if name_of_corpus != corpus.name:
                    continue
                cpu = statistics.median(r.cpu for r in runs)
                wall = statistics.median(r.wall for r in runs)
                rates[name] = len(corpus.messages) / cpu
                per, walled = 1e6 * cpu / len(corpus.messages), len(corpus.messages) / wall
                print(f"  {name:<13} {rates[name]:>8.0f} messages/s CPU  ({per:.0f} us/message, wall {walled:.0f}/s)")
            for peer in ("p5-sisimai", "flufl.bounce"):
                if peer in rates:
                    print(f"  mailtrail / {peer}: {rates['mailtrail'] / rates[peer]:.2f}x")
        if sisimai_ok:
            for corpus in corpora:
                if corpus.name.startswith("generated"):
                    print(f"\np5-sisimai's own answers on the {corpus.name} corpus (an oracle, not a target):")
                    for line in score(corpus, sisimai_answers(peers[corpus.name], len(corpus.messages))).lines():
                        print(f"  {line}")
    finally:
        for peer in peers.values():
            peer.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", nargs="?", type=Path, default=None)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--no-speed", action="store_true")
    args = parser.parse_args(argv)
    corpora = [c for c in (shared_corpus(args.corpus), generated_corpus()) if c is not None]
    for corpus in corpora:
        result = score(corpus, [ours(parse_bounce(raw)) for raw in corpus.messages])
        print(f"\naccuracy on {corpus.name}: {len(corpus.messages)} messages")
        for line in result.lines():
            print(f"  {line}")
        if args.verbose:
            print("\n".join(f"    {miss}" for miss in result.misses))
    if not args.no_speed:
        speed(corpora, args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
