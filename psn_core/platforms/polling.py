"""Polling a status until it settles, through tenacity (one library for every retry and poll in psn).

A poll reads a status, stops when it is no longer pending (a failed status raises from ``read`` and is
never retried), waits as the status or the caller's backoff says, and gives up when ``timed_out`` says
so after a pending read. ``sleep`` and the clock behind ``timed_out`` are the caller's: tests pass a
manual clock and nothing really waits.

tenacity is imported when a poll starts, not when psn starts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, NoReturn, TypeVar

if TYPE_CHECKING:
    from tenacity import RetryCallState

T = TypeVar("T")


def poll_until(
    read: Callable[[], T],
    *,
    pending: Callable[[T], bool],
    wait: Callable[[T, int], float],
    timed_out: Callable[[], bool],
    give_up: Callable[[T], NoReturn],
    sleep: Callable[[float], None],
) -> T:
    """Call ``read`` until ``pending`` is false for its result, and return that result.

    ``wait(status, n)`` is the pause after the ``n``-th pending read (0-based); ``timed_out()`` is
    checked after every pending read, and ``give_up(status)`` raises with the last status when it is
    true. Exceptions from ``read`` propagate at once.
    """
    from tenacity import Retrying, retry_if_result

    def last(state: RetryCallState) -> T:
        assert state.outcome is not None
        result: T = state.outcome.result()
        return result

    def stop(_state: RetryCallState) -> bool:
        return timed_out()

    def pause(state: RetryCallState) -> float:
        return wait(last(state), state.attempt_number - 1)

    def fail(state: RetryCallState) -> NoReturn:
        give_up(last(state))

    retrying: Retrying = Retrying(
        retry=retry_if_result(pending), stop=stop, wait=pause, sleep=sleep, retry_error_callback=fail
    )
    result: T = retrying(read)
    return result
