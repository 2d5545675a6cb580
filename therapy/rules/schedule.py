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
    cycle_1 = [cycle_1_start + step * i for i in range(max_doses_per_cycle)]
    if cycle_2_start is not None and cycle_2_start <= cycle_1[-1]:
        errors.add("cycle_2_start", "must be after the last dose of cycle 1")
        errors.raise_if_any(ScheduleInputError)
    doses = [ScheduledDose(1, n, at) for n, at in enumerate(cycle_1, start=1)]
    if cycle_2_start is not None:
        doses += [
            ScheduledDose(2, n, cycle_2_start + step * (n - 1))
            for n in range(1, max_doses_per_cycle + 1)
        ]
    return tuple(doses)


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
