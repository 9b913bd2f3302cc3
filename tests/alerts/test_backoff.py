from __future__ import annotations

import random

from alerts.backoff import Backoff


def test_delays_double_up_to_the_cap_with_jitter_in_the_upper_half() -> None:
    backoff = Backoff(base_s=0.1, cap_s=1.0, rng=random.Random(7))
    delays = [backoff.next_delay() for _ in range(8)]
    ceilings = [0.1, 0.2, 0.4, 0.8, 1.0, 1.0, 1.0, 1.0]
    assert all(c / 2 <= d <= c for d, c in zip(delays, ceilings, strict=True))
    assert len(set(delays)) == len(delays)  # jittered


def test_reset_starts_over() -> None:
    backoff = Backoff(base_s=0.1, cap_s=10.0)
    for _ in range(5):
        backoff.next_delay()
    backoff.reset()
    assert backoff.next_delay() <= 0.1


def test_many_attempts_do_not_overflow() -> None:
    backoff = Backoff(base_s=0.1, cap_s=3.0)
    for _ in range(5000):
        assert backoff.next_delay() <= 3.0
