"""When things are due: the monitoring schedule of clinical-rules.md §6 and the window of a
dose's pre-check (§4). One definition, read by the monitor (which raises the alerts) and by the
read model of a patient's state (which the pages and the API show), so "due" and "overdue"
mean the same thing everywhere."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

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
