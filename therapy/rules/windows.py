"""Picking the data a rule reads out of a patient record: latest values, time windows,
active events and urine output over a window. Nothing after the evaluation time is read."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from therapy.rules.inputs import ClinicalEvent, FluidEntry, LabResult, LabTest, VitalsSet

SECONDS_PER_HOUR = Decimal(3600)


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
    return Decimal(int(delta.total_seconds())) / SECONDS_PER_HOUR


@dataclass(frozen=True)
class UrineOutput:
    """Urine output recorded over a window. An entry that straddles the window edge counts in
    proportion to its overlap (output is taken as even over the entry's period);
    ``recorded_hours`` is how much of the window the entries cover."""

    start: datetime
    end: datetime
    volume_ml: Decimal
    recorded_hours: Decimal
    last_recorded_at: datetime | None

    @property
    def window_hours(self) -> Decimal:
        return hours(self.end - self.start)

    def assessable(self, min_recorded_hours: int) -> bool:
        return self.recorded_hours >= min_recorded_hours

    def ml_per_window(self) -> Decimal:
        """Volume scaled to the whole window (the volume itself when fully recorded)."""
        return self.volume_ml * self.window_hours / self.recorded_hours

    def ml_per_kg_per_hour(self, weight_kg: Decimal) -> Decimal:
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


def urine_output(fluids: Iterable[FluidEntry], *, start: datetime, end: datetime) -> UrineOutput:
    volume = Decimal(0)
    spans: list[tuple[datetime, datetime]] = []
    last: datetime | None = None
    for entry in fluids:
        if not entry.is_urine_output:
            continue
        if entry.period_end == entry.period_start:
            if start < entry.period_end <= end:  # a single measurement, no period
                volume += entry.volume_ml
                last = max(last or entry.period_end, entry.period_end)
            continue
        overlap_start, overlap_end = max(start, entry.period_start), min(end, entry.period_end)
        if overlap_end <= overlap_start:
            continue
        share = hours(overlap_end - overlap_start) / hours(entry.period_end - entry.period_start)
        volume += entry.volume_ml * share
        spans.append((overlap_start, overlap_end))
        last = max(last or overlap_end, overlap_end)
    return UrineOutput(start, end, volume, hours(_covered(spans)), last)
