"""The restart backoff of ``pantau demo``'s children (pure)."""

from __future__ import annotations

from dashboard.processes.runner import FIRST_DELAY, HEALTHY_AFTER, MAX_DELAY, restart_delay


def test_quick_exits_double_the_wait_up_to_the_cap():
    delays, delay = [], 0.0
    for _ in range(8):
        delay = restart_delay(delay, uptime=0.5)
        delays.append(delay)
    assert delays == [1, 2, 4, 8, 16, 30, 30, 30]
    assert (FIRST_DELAY, MAX_DELAY) == (1, 30)


def test_a_child_that_stayed_up_starts_over():
    assert restart_delay(30, uptime=HEALTHY_AFTER) == FIRST_DELAY
    assert restart_delay(30, uptime=HEALTHY_AFTER - 1) == MAX_DELAY
    assert restart_delay(0, uptime=0) == FIRST_DELAY  # the first restart
