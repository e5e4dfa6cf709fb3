"""Time the bounce parser on adversarial messages (issue 12): per shape and size, and the worst per MB.

    python -m bench.bounce_adversarial [--sizes 64000,1000000,5000000]

Each shape (tests/domain/bounces/adversarial.py) is built at each size and parsed three times; the
best time is reported with its time per megabyte. The reader bounds what it scans (1 MB of a
message, 64 KB of a part or a header block), so beyond those caps the time stays flat.
"""

from __future__ import annotations

import argparse
import sys
import time

from domain.bounces import parse_bounce
from tests.domain.bounces.adversarial import SHAPES


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="64000,1000000,5000000")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    worst = (0.0, "", 0)
    print(f"{'shape':<24}" + "".join(f"{size // 1000:>10}k" for size in sizes) + "   (ms; worst s/MB)")
    for name, make in SHAPES.items():
        cells = []
        for size in sizes:
            raw = make(size)
            best = float("inf")
            for _ in range(3):
                started = time.process_time()
                parse_bounce(raw)
                best = min(best, time.process_time() - started)
            per_mb = best / (len(raw) / 1e6)
            worst = max(worst, (per_mb, name, size))
            cells.append(f"{best * 1000:>11.1f}")
        print(f"{name:<24}" + "".join(cells))
    print(f"\nworst time per MB: {worst[0]:.3f} s/MB ({worst[1]} at {worst[2] // 1000} kB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
