"""The q8h schedule of a course and its limits, clinical-rules.md §4 [S1], [S2].

At most ``max_doses_per_cycle`` doses given per cycle (14) and 28 per course; a held dose is a
skipped slot and is not made up; discontinuing a course cancels its remaining doses.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from therapy.rules.errors import ErrorCollector, RuleInputError
from therapy.rules.inputs import DoseRecord, DoseStatus
from therapy.rules.profile import DosingSettings

DOSE_INTERVAL_HOURS: Final = 8  # every 8 hours [S1], [S2]
MAX_DOSES_PER_CYCLE: Final = 14  # [S1], [S2]
MAX_DOSES_PER_COURSE: Final = 28  # two cycles [S1], [S2]
MAX_INTERVAL_HOURS: Final = 24  # decision: a longer "interval" is no q8h regimen


class ScheduleInputError(RuleInputError):
    """Course parameters that cannot make a schedule."""


@dataclass(frozen=True)
class ScheduledDose:
    cycle: int
    number: int
    scheduled_at: datetime


def course_schedule(
    *,
    cycle_1_start: datetime,
    cycle_2_start: datetime | None = None,
    interval_hours: int = DOSE_INTERVAL_HOURS,
    max_doses_per_cycle: int = MAX_DOSES_PER_CYCLE,
) -> tuple[ScheduledDose, ...]:
    """Every dose slot of the course: ``max_doses_per_cycle`` per cycle, ``interval_hours``
    apart, numbered from 1 in each cycle."""
    errors = ErrorCollector()
    starts = {"cycle_1_start": cycle_1_start, "cycle_2_start": cycle_2_start}
    for name, start in starts.items():
        if start is not None and (not isinstance(start, datetime) or start.utcoffset() is None):
            errors.add(name, "must be a timezone-aware datetime")
    if (
        type(interval_hours) is not int
        or not DOSE_INTERVAL_HOURS <= interval_hours <= MAX_INTERVAL_HOURS
    ):
        errors.add(
            "interval_hours",
            f"must be a whole number of hours from {DOSE_INTERVAL_HOURS} to {MAX_INTERVAL_HOURS}",
        )
    if type(max_doses_per_cycle) is not int or not 1 <= max_doses_per_cycle <= MAX_DOSES_PER_CYCLE:
        errors.add("max_doses_per_cycle", f"must be from 1 to {MAX_DOSES_PER_CYCLE}")
    errors.raise_if_any(ScheduleInputError)

    step = timedelta(hours=interval_hours)
    try:
        cycle_1 = [cycle_1_start + step * i for i in range(max_doses_per_cycle)]
    except OverflowError:
        errors.add("cycle_1_start", "is too far in the future to schedule")
        errors.raise_if_any(ScheduleInputError)
    if cycle_2_start is not None and cycle_2_start <= cycle_1[-1]:
        errors.add("cycle_2_start", "must be after the last dose of cycle 1")
        errors.raise_if_any(ScheduleInputError)
    doses = [ScheduledDose(1, n, at) for n, at in enumerate(cycle_1, start=1)]
    if cycle_2_start is not None:
        try:
            doses += [
                ScheduledDose(2, n, cycle_2_start + step * (n - 1))
                for n in range(1, max_doses_per_cycle + 1)
            ]
        except OverflowError:
            errors.add("cycle_2_start", "is too far in the future to schedule")
            errors.raise_if_any(ScheduleInputError)
    return tuple(doses)


def course_start_errors(
    *,
    cycle_1_start: datetime,
    cycle_2_start: datetime | None,
    now: datetime,
    settings: DosingSettings,
) -> dict[str, list[str]]:
    """Why a course may not start when ordered, by field; empty when it may. Cycle 1 starts
    no more than ``course_start_max_past_hours`` before ``now`` and no more than
    ``course_start_max_ahead_days`` after it (§4 (v2)); cycle 2 no later than
    ``cycle_2_max_days_after_cycle_1`` after cycle 1 (its start after cycle 1's last dose is
    checked by :func:`course_schedule`). Only comparisons: any datetime gives an answer."""
    errors = ErrorCollector()
    past = timedelta(hours=settings.course_start_max_past_hours)
    ahead = timedelta(days=settings.course_start_max_ahead_days)
    if not now - past <= cycle_1_start <= now + ahead:
        errors.add(
            "cycle_1_start",
            f"must be no more than {_hours(past)} in the past and no more than "
            f"{settings.course_start_max_ahead_days} days ahead",
        )
    elif cycle_2_start is not None:
        gap = timedelta(days=settings.cycle_2_max_days_after_cycle_1)
        if cycle_2_start > cycle_1_start + gap:
            errors.add(
                "cycle_2_start",
                f"must be no more than {settings.cycle_2_max_days_after_cycle_1} days after "
                "the first dose of cycle 1",
            )
    return errors.errors


def _hours(span: timedelta) -> str:
    hours = int(span.total_seconds() // 3600)
    return f"{hours} hour{'s' if hours != 1 else ''}"


def earliest_next_dose(
    *, previous_given_at: datetime | None, given_at: datetime, settings: DosingSettings
) -> datetime | None:
    """When a dose given at ``given_at`` comes too soon after the previous given dose of the
    course, the earliest time it may be given; None when it may be given then. No dose less
    than ``min_hours_between_doses`` after the last, whatever its schedule says (§4 (v2))."""
    if previous_given_at is None:
        return None
    earliest = previous_given_at + timedelta(hours=settings.min_hours_between_doses)
    return earliest if given_at < earliest else None


def doses_given(doses: Iterable[DoseRecord], *, cycle: int | None = None) -> int:
    """Given doses of one cycle, or of the whole course when ``cycle`` is None."""
    return sum(
        1 for d in doses if d.status is DoseStatus.GIVEN and (cycle is None or d.cycle == cycle)
    )


def administration_refusals(
    doses: Iterable[DoseRecord],
    *,
    cycle: int,
    number: int,
    max_doses_per_cycle: int = MAX_DOSES_PER_CYCLE,
) -> tuple[str, ...]:
    """Why this dose may not be given now, in plain words; empty when it may. The clinical
    pre-check is separate (:func:`therapy.rules.precheck.precheck_dose`)."""
    doses = tuple(doses)
    target = next((d for d in doses if d.cycle == cycle and d.number == number), None)
    if target is None:
        return (f"cycle {cycle} has no dose {number}",)
    reasons: list[str] = []
    if target.status is not DoseStatus.SCHEDULED:
        reasons.append(f"the dose is {target.status}, not scheduled")
    pending = [
        d
        for d in doses
        if d.status is DoseStatus.SCHEDULED and (d.cycle, d.number) < (cycle, number)
    ]
    if pending:
        first = min(pending, key=lambda d: (d.cycle, d.number))
        reasons.append(
            f"not the next due dose: cycle {first.cycle} dose {first.number} is still scheduled"
        )
    if doses_given(doses, cycle=cycle) >= min(max_doses_per_cycle, MAX_DOSES_PER_CYCLE):
        reasons.append(f"cycle {cycle} is full: {max_doses_per_cycle} doses given")
    if doses_given(doses) >= MAX_DOSES_PER_COURSE:
        reasons.append(f"the course is full: {MAX_DOSES_PER_COURSE} doses given")
    return tuple(reasons)


def doses_to_cancel(doses: Iterable[DoseRecord]) -> tuple[DoseRecord, ...]:
    """The doses a discontinued course cancels: every one still scheduled."""
    return tuple(d for d in doses if d.status is DoseStatus.SCHEDULED)
