"""When things are due: the monitoring schedule of clinical-rules.md §6 and the window of a
dose's pre-check (§4). One definition, read by the monitor (which raises the alerts) and by the
read model of a patient's state (which the pages and the API show), so "due" and "overdue"
mean the same thing everywhere."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from patients.shifts import SHIFT_START_HOURS, shift_bounds

__all__ = ["SHIFT_START_HOURS", "shift_bounds"]

IN_CYCLE_VITALS_INTERVAL: Final = timedelta(hours=2)  # vitals every 2 h in an active cycle [S9]
NOT_IN_CYCLE_VITALS_INTERVAL: Final = timedelta(hours=12)  # NEWS2 total 0 [S15]
CYCLE_MARGIN: Final = timedelta(hours=24)  # a dose within a day either side: cycle active
# A dose's check is final in the 2 h before it, and it may be given or held from then; a
# check made earlier is provisional (§4 (v2)) [S8].
PRECHECK_WINDOW: Final = timedelta(hours=2)
# Vitals turn "due" (amber) once this share of their interval has passed; "overdue" after the
# whole interval, when the monitor raises ``vitals_overdue`` (§6).
DUE_SOON_FRACTION: Final = 0.75


@dataclass(frozen=True)
class DoseWindow:
    """When the next dose's check becomes final (the window opens: give or hold from then),
    when the dose is due, and when it is overdue (``dose_overdue`` is raised)."""

    opens_at: datetime
    due_at: datetime
    overdue_at: datetime

    @classmethod
    def of(cls, scheduled_at: datetime, *, overdue_after: timedelta) -> DoseWindow:
        return cls(
            opens_at=scheduled_at - PRECHECK_WINDOW,
            due_at=scheduled_at,
            overdue_at=scheduled_at + overdue_after,
        )

    def status(self, now: datetime) -> str:
        """``scheduled`` (before the window), ``due`` (window open, until overdue) or
        ``overdue``."""
        if now >= self.overdue_at:
            return "overdue"
        return "due" if now >= self.opens_at else "scheduled"

    def provisional(self, checked_at: datetime) -> bool:
        """A check made before the window opened is provisional (§4 (v2))."""
        return checked_at < self.opens_at


def vitals_status(*, last_at: datetime, interval: timedelta, now: datetime) -> str:
    """``ok``, ``due`` (most of the interval gone) or ``overdue`` (the whole interval)."""
    age = now - last_at
    if age > interval:
        return "overdue"
    return "due" if age >= interval * DUE_SOON_FRACTION else "ok"


# The rest of the nurse's work list (§6): weight daily, creatinine twice a day [S8], the fluid
# balance every 8 h ward shift.
WEIGHT_INTERVAL: Final = timedelta(hours=24)
CREATININE_INTERVAL: Final = timedelta(hours=12)
# Pre-dose vitals (§6 (v2) ``predose_vitals_due``): routine inside the window, urgent from
# this long before the dose.
PREDOSE_URGENT_BEFORE: Final = timedelta(minutes=30)


def interval_status(*, last_at: datetime | None, interval: timedelta, now: datetime) -> str:
    """A task repeated every ``interval``: ``ok``, ``due`` (most of it gone) or ``overdue``;
    never done is ``overdue``."""
    if last_at is None:
        return "overdue"
    return vitals_status(last_at=last_at, interval=interval, now=now)


def fluid_balance_status(*, last_charted_end: datetime | None, local_now: datetime) -> str:
    """The shift's fluid balance: ``overdue`` when the previous shift's end has no charted
    period reaching it, ``due`` in the last hour of the shift, else ``ok``."""
    start, end = shift_bounds(local_now)
    if last_charted_end is None or last_charted_end < start:
        return "overdue"
    return "due" if end - local_now <= timedelta(hours=1) else "ok"


def predose_vitals_status(
    *, window: DoseWindow | None, last_vitals_at: datetime | None, now: datetime
) -> str:
    """Vitals inside the next dose's window (§6 (v2)): ``none`` without a dose, ``upcoming``
    before the window, ``done`` once a set is taken inside it, else ``due`` (``overdue`` from
    30 min before the dose, when ``predose_vitals_due`` turns urgent)."""
    if window is None:
        return "none"
    if now < window.opens_at:
        return "upcoming"
    if last_vitals_at is not None and last_vitals_at >= window.opens_at:
        return "done"
    return "overdue" if now >= window.due_at - PREDOSE_URGENT_BEFORE else "due"
