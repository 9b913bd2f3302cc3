"""Capped exponential backoff with jitter, reset on success (for reconnects and polling)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass(slots=True)
class Backoff:
    """Delays ``base_s * 2**n`` capped at ``cap_s``, each drawn in its upper half.

    Half fixed and half random ("equal jitter"): never a hot loop, and clients that lost
    the same server at the same moment do not come back in lockstep.
    """

    base_s: float = 0.05
    cap_s: float = 5.0
    rng: random.Random = field(default_factory=random.Random)
    attempts: int = 0

    def next_delay(self) -> float:
        """The delay before the next attempt; each call doubles the ceiling up to the cap."""
        ceiling = min(self.cap_s, self.base_s * 2 ** min(self.attempts, 32))
        self.attempts += 1
        return float(ceiling / 2 + self.rng.uniform(0, ceiling / 2))

    def reset(self) -> None:
        """Start again from `base_s` (after a success)."""
        self.attempts = 0
