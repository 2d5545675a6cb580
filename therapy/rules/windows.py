"""Picking the data a rule reads out of a patient record: latest values, time windows,
active events and urine output over a window. Nothing after the evaluation time is read.

Durations are exact (to the microsecond) and nothing here divides by a length that can be
zero: a urine entry whose period is shorter than :data:`MIN_FLUID_PERIOD` is not counted and
is named in the window's ``skipped`` instead (one such row once stopped every evaluation of a
patient)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from therapy.rules.inputs import (
    ClinicalEvent,
    FluidEntry,
    LabResult,
    LabTest,
    SkippedRecord,
    VitalsSet,
)

MICROSECONDS_PER_HOUR = Decimal(3_600_000_000)
# The shortest fluid period that means anything: api-contract.md (v2) refuses a period of
# less than 1 minute. Older rows (and other writers) may hold one: it is skipped and named.
MIN_FLUID_PERIOD = timedelta(minutes=1)


def vitals_between(vitals: Iterable[VitalsSet], start: datetime, end: datetime) -> list[VitalsSet]:
    """Sets taken in ``start``..``end`` (both inclusive), oldest first."""
    return sorted((v for v in vitals if start <= v.taken_at <= end), key=lambda v: v.taken_at)


def latest_vitals(
    vitals: Iterable[VitalsSet], *, at: datetime, since: datetime | None = None
) -> VitalsSet | None:
    """The latest set taken at or before ``at`` (and not before ``since``, if given)."""
    usable = [v for v in vitals if v.taken_at <= at and (since is None or v.taken_at >= since)]
    return max(usable, key=lambda v: v.taken_at, default=None)


def latest_measurement(
    vitals: Iterable[VitalsSet], name: str, *, since: datetime, at: datetime
) -> tuple[Any, datetime] | None:
    """The latest recorded value of one vitals field in ``since``..``at`` and when it was
    taken; for fields charted less often than full sets (weight, edema)."""
    recorded = [v for v in vitals_between(vitals, since, at) if getattr(v, name) is not None]
    if not recorded:
        return None
    return getattr(recorded[-1], name), recorded[-1].taken_at


def latest_lab(
    labs: Iterable[LabResult], test: LabTest, *, at: datetime, since: datetime | None
) -> LabResult | None:
    usable = [
        lab
        for lab in labs
        if lab.test == test
        and lab.collected_at <= at
        and (since is None or lab.collected_at >= since)
    ]
    return max(usable, key=lambda lab: lab.collected_at, default=None)


def active_events(events: Iterable[ClinicalEvent], at: datetime) -> list[ClinicalEvent]:
    return sorted((e for e in events if e.active_at(at)), key=lambda e: e.observed_at)


def hours(delta: timedelta) -> Decimal:
    """The exact length of ``delta`` in hours (no rounding to whole seconds)."""
    return Decimal(delta // timedelta(microseconds=1)) / MICROSECONDS_PER_HOUR


@dataclass(frozen=True)
class UrineOutput:
    """Urine output recorded over a window. An entry that straddles the window edge counts in
    proportion to its overlap (output is taken as even over the entry's period);
    ``recorded_hours`` is how much of the window the entries cover. ``skipped`` names the
    urine entries in the window that were not counted (a period under a minute)."""

    start: datetime
    end: datetime
    volume_ml: Decimal
    recorded_hours: Decimal
    last_recorded_at: datetime | None
    skipped: tuple[SkippedRecord, ...] = ()

    @property
    def window_hours(self) -> Decimal:
        return hours(self.end - self.start)

    def assessable(self, min_recorded_hours: int) -> bool:
        """Enough of the window recorded to judge it (never with nothing recorded: the rates
        below divide by the recorded time)."""
        return self.recorded_hours > 0 and self.recorded_hours >= min_recorded_hours

    def ml_per_window(self) -> Decimal:
        """Volume scaled to the whole window (the volume itself when fully recorded); 0 when
        nothing is recorded (ask :meth:`assessable` first)."""
        if self.recorded_hours <= 0:
            return Decimal(0)
        return self.volume_ml * self.window_hours / self.recorded_hours

    def ml_per_kg_per_hour(self, weight_kg: Decimal) -> Decimal:
        if self.recorded_hours <= 0 or weight_kg <= 0:
            return Decimal(0)
        return self.volume_ml / self.recorded_hours / weight_kg


def _covered(intervals: list[tuple[datetime, datetime]]) -> timedelta:
    """Length of the union of the intervals (time charted twice counts once)."""
    total = timedelta(0)
    reach: datetime | None = None
    for start, end in sorted(intervals):
        begin = start if reach is None else max(start, reach)
        total += max(end - begin, timedelta(0))
        reach = end if reach is None else max(reach, end)
    return total


def _too_short(entry: FluidEntry) -> SkippedRecord:
    seconds = entry.period.total_seconds()
    return SkippedRecord(
        "fluids",
        entry.record_id or f"urine {entry.volume_ml} mL ending {entry.period_end.isoformat()}",
        f"urine output period of {seconds:g} s (ending {entry.period_end.isoformat()}) is "
        f"shorter than {int(MIN_FLUID_PERIOD.total_seconds() // 60)} min: not counted",
    )


def urine_output(fluids: Iterable[FluidEntry], *, start: datetime, end: datetime) -> UrineOutput:
    """Urine in ``start``..``end`` (an entry counts from the first instant after ``start``)."""
    volume = Decimal(0)
    spans: list[tuple[datetime, datetime]] = []
    last: datetime | None = None
    skipped: list[SkippedRecord] = []
    for entry in fluids:
        if not entry.is_urine_output:
            continue
        overlap_start, overlap_end = max(start, entry.period_start), min(end, entry.period_end)
        if entry.period < MIN_FLUID_PERIOD:
            # Not a measured period (a typo in the times): its volume cannot be placed in time.
            if start < entry.period_end and entry.period_start <= end:
                skipped.append(_too_short(entry))
            continue
        if overlap_end <= overlap_start:
            continue
        share = hours(overlap_end - overlap_start) / hours(entry.period)
        volume += entry.volume_ml * share
        spans.append((overlap_start, overlap_end))
        last = max(last or overlap_end, overlap_end)
    return UrineOutput(start, end, volume, hours(_covered(spans)), last, tuple(skipped))
