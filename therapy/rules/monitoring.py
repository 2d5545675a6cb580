"""When things are due: the monitoring schedule of clinical-rules.md §6 and the window of a
dose's pre-check (§4). One definition, read by the monitor (which raises the alerts) and by the
read model of a patient's state (which the pages and the API show), so "due" and "overdue"
mean the same thing everywhere."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from patients.shifts import SHIFT_START_HOURS, shift_bounds
from therapy.rules.profile import MonitoringSettings

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


def vitals_interval(
    *,
    in_cycle: bool,
    news2_interval: timedelta | None,
    vasopressor_running: bool,
    crs_grade: int | None,
    settings: MonitoringSettings,
) -> timedelta:
    """How often vitals are due (§6): every 2 h in an active cycle [S9] (12 h outside one),
    or sooner as NEWS2 asks [S15]; (v2) at least every ``close_watch_vitals_minutes`` while a
    vasopressor runs or the CRS grade is ``close_watch_crs_grade_from`` or more [S10]. The
    shortest interval that applies wins."""
    close_watch = vasopressor_running or (
        crs_grade is not None and crs_grade >= settings.close_watch_crs_grade_from
    )
    candidates = (
        (True, IN_CYCLE_VITALS_INTERVAL if in_cycle else NOT_IN_CYCLE_VITALS_INTERVAL),
        (news2_interval is not None, news2_interval),
        (close_watch, timedelta(minutes=settings.close_watch_vitals_minutes)),
    )
    return min(interval for applies, interval in candidates if applies and interval is not None)


def close_watch_reason(
    *, vasopressor_running: bool, crs_grade: int | None, settings: MonitoringSettings
) -> str | None:
    """Why vitals are on the close watch (§6 (v2)), in the code the pages word; None when not."""
    if vasopressor_running:
        return "vasopressor_running"
    if crs_grade is not None and crs_grade >= settings.close_watch_crs_grade_from:
        return "crs_grade"
    return None


@dataclass(frozen=True)
class PredoseVitals:
    """§6 (v2) ``predose_vitals_due``: within ``predose_vitals_window_minutes`` of a dose no
    vitals set has been taken inside the pre-check window yet; ``routine``, ``urgent`` from
    ``predose_vitals_urgent_minutes`` before the dose. None of it is a hold: missing vitals
    are a task, not a finding about the patient."""

    scheduled_at: datetime
    window_opens_at: datetime
    urgent_from: datetime
    last_vitals_at: datetime | None

    @property
    def taken(self) -> bool:
        return self.last_vitals_at is not None and self.last_vitals_at >= self.window_opens_at

    def severity(self, now: datetime) -> str | None:
        """``routine``, ``urgent`` or None (not yet in the window, or vitals taken)."""
        if self.taken or now < self.window_opens_at:
            return None
        return "urgent" if now >= self.urgent_from else "routine"


def predose_vitals(
    *, scheduled_at: datetime, last_vitals_at: datetime | None, settings: MonitoringSettings
) -> PredoseVitals:
    return PredoseVitals(
        scheduled_at=scheduled_at,
        window_opens_at=scheduled_at - timedelta(minutes=settings.predose_vitals_window_minutes),
        urgent_from=scheduled_at - timedelta(minutes=settings.predose_vitals_urgent_minutes),
        last_vitals_at=last_vitals_at,
    )


# The rest of the nurse's work list (§6): weight daily, creatinine twice a day [S8], the fluid
# balance every 8 h ward shift.
WEIGHT_INTERVAL: Final = timedelta(hours=24)
CREATININE_INTERVAL: Final = timedelta(hours=12)


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
    *,
    window: DoseWindow | None,
    last_vitals_at: datetime | None,
    now: datetime,
    settings: MonitoringSettings,
) -> str:
    """Vitals inside the next dose's window (§6 (v2)): ``none`` without a dose, ``upcoming``
    before the window, ``done`` once a set is taken inside it, else ``due`` (``overdue`` from
    the profile's ``predose_vitals_urgent_minutes`` before the dose, when
    ``predose_vitals_due`` turns urgent: the same setting as the alert's)."""
    if window is None:
        return "none"
    if now < window.opens_at:
        return "upcoming"
    if last_vitals_at is not None and last_vitals_at >= window.opens_at:
        return "done"
    urgent_before = timedelta(minutes=settings.predose_vitals_urgent_minutes)
    return "overdue" if now >= window.due_at - urgent_before else "due"
