"""Which parts of one batch Gmail serves: a per-user concurrency cap (`Limits.batch_concurrency`).

Gmail runs a batch's parts concurrently and refuses those over the user's concurrency with an
inner 429 "Too many concurrent requests for user" (gmail-api.md §1.4). Which parts lose is
arbitrary, so the admitted ones are a uniform random sample, not the first N: a client that
only copes with failures at the end of a batch fails here as it would on Gmail.
"""

from __future__ import annotations

import random
import threading
from collections import Counter


class BatchAdmission:
    """Admits at most `cap` parts per user out of a batch of `total`, chosen at random."""

    def __init__(self, total: int, cap: int | None, rng: random.Random) -> None:
        self.remaining = total
        self.cap = cap
        self.rng = rng
        self.admitted: Counter[str] = Counter()
        self.refused = 0
        self.lock = threading.Lock()

    def admit(self, user: str) -> bool:
        """Whether the next part (of `user`) runs; call once per part, in order."""
        with self.lock:
            left = self.remaining  # this part and those after it
            self.remaining -= 1
            if self.cap is None:
                return True
            # Selection sampling (Knuth's algorithm S): with every part the same user's, exactly
            # `cap` of the batch are admitted, each subset equally likely; with several users, a
            # user gets at most `cap`.
            room = self.cap - self.admitted[user]
            if room > 0 and self.rng.random() * left < room:
                self.admitted[user] += 1
                return True
            self.refused += 1
            return False
