"""The one clock that time limits read, and working-day arithmetic.

Everything that decides whether something is late asks ``clock.now()`` rather than the
wall clock, so tests and the demo can set the time (``clock.frozen(...)``) instead of
sleeping. Working days follow the official Chinese holiday calendar (国务院办公厅's yearly
notice, as packaged by ``chinesecalendar``): weekends that are make-up working days
(调休) count, public holidays do not. For a year the package does not know yet, Monday to
Friday count.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading

import chinese_calendar
from django.utils import timezone

_state = threading.local()

# The years a time may be written in (before any offset): 0001-01-01T00:00+20:00 is a
# valid ISO time that no database can hold once moved to UTC. The API's Moment type,
# the actions that take times and the pages' date filters all read this bound.
FIRST_YEAR, LAST_YEAR = 1900, 2999


def now() -> dt.datetime:
    """The current time (aware), or the time a test or the demo set."""
    fixed = getattr(_state, "fixed", None)
    return fixed if fixed is not None else timezone.now()


def set_now(moment: dt.datetime | None) -> None:
    """Fix the clock at ``moment`` (aware); ``None`` returns to the wall clock."""
    if moment is not None and timezone.is_naive(moment):
        raise ValueError("set_now() needs an aware datetime")
    _state.fixed = moment


@contextlib.contextmanager
def frozen(moment: dt.datetime):
    """Run a block with the clock fixed at ``moment``."""
    before = getattr(_state, "fixed", None)
    set_now(moment)
    try:
        yield
    finally:
        _state.fixed = before


def advance(delta: dt.timedelta) -> dt.datetime:
    """Move a fixed clock forward (fixing it at now first); returns the new time."""
    set_now(now() + delta)
    return now()


def is_workday(day: dt.date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


def add_working_days(start: dt.datetime, days: int) -> dt.datetime:
    """The same local time of day on the ``days``-th working day after ``start``'s day."""
    local = timezone.localtime(start)
    day = local.date()
    remaining = days
    while remaining > 0:
        day += dt.timedelta(days=1)
        if is_workday(day):
            remaining -= 1
    return local.replace(year=day.year, month=day.month, day=day.day)


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when end <= start)."""
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        count += is_workday(day)
    return count
