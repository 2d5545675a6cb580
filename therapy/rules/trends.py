"""Trend warnings — projected crossings, clinical-rules.md §7 (v2, project defaults).

For each series (systolic BP, NEWS2, weight % over baseline, creatinine, urine per 8 h shift)
a least-squares line is fitted over the series' window and projected to the next scheduled
dose at least ``min_lead_minutes`` away (``horizon_without_dose_hours`` ahead when none is
scheduled). A series crosses when the line moves towards its threshold (a flat or improving
series never does), the current value — the newest charted one, not the fitted line — is not
yet beyond it, and the projected value is: a crossing that has already happened is the other
rules' business. Each series is reported with its status; a crossing carries the current
value, the slope per hour, the projected value and time, and the threshold.

Everything here reads the profile's ``trends`` table (:class:`therapy.rules.profile.TrendLine`);
the series are built by one function each, in a table keyed by the series code.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta, tzinfo
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final

from patients.news2 import news2_score
from therapy.rules.inputs import (
    DoseStatus,
    LabTest,
    PatientRecord,
    SkippedRecord,
    contract_value,
    skipped_dicts,
)
from therapy.rules.profile import (
    DEFAULT_PROFILE,
    Direction,
    RuleProfile,
    TrendLine,
    TrendSeries,
    TrendSettings,
)
from therapy.rules.windows import hours, urine_output

# The kinds of record the series read: a skipped one of these is named in the evidence.
READS: Final = ("vitals", "fluids", "labs", "baseline", "doses")
_PLACES: Final = Decimal("0.01")


class TrendStatus(StrEnum):
    CROSSING = "crossing"
    NO_CROSSING = "no_crossing"
    NOT_ASSESSABLE = "not_assessable"


@dataclass(frozen=True)
class Point:
    at: datetime
    value: Decimal


@dataclass(frozen=True)
class Line:
    """A least-squares line: ``value = intercept + slope_per_hour * (hours since origin)``."""

    origin: datetime
    slope_per_hour: float
    intercept: float

    def at(self, moment: datetime) -> float:
        return self.intercept + self.slope_per_hour * float(hours(moment - self.origin))


def fit(points: Sequence[Point]) -> Line:
    """Ordinary least squares over the points (``statistics.linear_regression``); the times
    must not all be equal (the minimum span sees to that)."""
    origin = points[0].at
    xs = [float(hours(p.at - origin)) for p in points]
    ys = [float(p.value) for p in points]
    slope, intercept = statistics.linear_regression(xs, ys)
    return Line(origin, slope, intercept)


@dataclass(frozen=True)
class SeriesTrend:
    """One series: its status, the points it was fitted on, and for a fitted line the current
    value, slope, projection and (when it crosses) the threshold crossed."""

    series: TrendSeries
    status: TrendStatus
    note: str
    points: tuple[Point, ...] = ()
    current: Point | None = None
    slope_per_hour: Decimal | None = None
    projected_value: Decimal | None = None
    projected_at: datetime | None = None
    threshold: str = ""
    threshold_value: Decimal | None = None

    def to_dict(self) -> dict[str, Any]:
        current = self.current
        return {
            "series": self.series.value,
            "status": self.status.value,
            "note": self.note,
            "points": len(self.points),
            "first_at": contract_value(self.points[0].at) if self.points else None,
            "current_value": contract_value(current.value) if current else None,
            "current_at": contract_value(current.at) if current else None,
            "slope_per_hour": contract_value(self.slope_per_hour),
            "projected_value": contract_value(self.projected_value),
            "projected_at": contract_value(self.projected_at),
            "threshold": self.threshold,
            "threshold_value": contract_value(self.threshold_value),
        }


@dataclass(frozen=True)
class TrendResult:
    series: tuple[SeriesTrend, ...]
    horizon_at: datetime
    horizon: str  # "next_dose" or "no_dose"
    at: datetime
    profile_name: str
    profile_version: str
    skipped: tuple[SkippedRecord, ...] = ()

    @property
    def crossings(self) -> tuple[SeriesTrend, ...]:
        return tuple(s for s in self.series if s.status is TrendStatus.CROSSING)

    @property
    def assessable(self) -> bool:
        """Whether any series could be fitted: with none, the absence of a crossing is not
        shown by the data (a trend alert stays as it was, §6 (v2))."""
        return any(s.status is not TrendStatus.NOT_ASSESSABLE for s in self.series)

    def to_dict(self) -> dict[str, Any]:
        return {
            "crossings": [s.to_dict() for s in self.crossings],
            "series": [s.to_dict() for s in self.series],
            "horizon_at": contract_value(self.horizon_at),
            "horizon": self.horizon,
            "checked_at": contract_value(self.at),
            "profile_name": self.profile_name,
            "profile_version": self.profile_version,
            "skipped": skipped_dicts(self.skipped),
        }


@dataclass(frozen=True)
class _Context:
    record: PatientRecord
    at: datetime
    since: datetime
    settings: TrendSettings
    zone: tzinfo


def _in_window(ctx: _Context, moment: datetime) -> bool:
    return ctx.since <= moment <= ctx.at  # the window's first instant belongs to it (§7)


def _vitals_points(ctx: _Context, value: Callable[[Any], Decimal | None]) -> list[Point]:
    points = []
    for vitals in ctx.record.vitals:
        if _in_window(ctx, vitals.taken_at):
            found = value(vitals)
            if found is not None:
                points.append(Point(vitals.taken_at, found))
    return points


def _systolic_bp(ctx: _Context) -> list[Point]:
    return _vitals_points(ctx, lambda v: None if v.systolic_bp is None else Decimal(v.systolic_bp))


def _news2(ctx: _Context) -> list[Point]:
    scale = ctx.record.baseline.spo2_scale

    def total(vitals: Any) -> Decimal | None:
        result = news2_score(vitals.news2_inputs(), spo2_scale=scale)
        return None if result.total is None else Decimal(result.total)

    return _vitals_points(ctx, total)


def _weight_gain_pct(ctx: _Context) -> list[Point]:
    baseline = ctx.record.baseline.weight_kg
    return _vitals_points(
        ctx,
        lambda v: None if v.weight_kg is None else (v.weight_kg - baseline) / baseline * 100,
    )


def _creatinine(ctx: _Context) -> list[Point]:
    return [
        Point(lab.collected_at, lab.value)
        for lab in ctx.record.labs
        if lab.test == LabTest.CREATININE
        and isinstance(lab.value, Decimal)
        and _in_window(ctx, lab.collected_at)
    ]


def shift_ends(at: datetime, settings: TrendSettings, zone: tzinfo, count: int) -> list[datetime]:
    """The ends of the last ``count`` complete shifts before ``at``, oldest first: shifts
    start at ``shift_first_start_hour`` site time and every ``shift_hours`` after."""
    local = at.astimezone(zone)
    day = local.date()
    starts = [
        (settings.shift_first_start_hour + k * settings.shift_hours) % 24
        for k in range(24 // settings.shift_hours)
    ]
    ends: list[datetime] = []
    for back in range(count // len(starts) + 3):
        moment_day = day - timedelta(days=back)
        for hour in starts:
            end = datetime.combine(moment_day, time(hour), tzinfo=zone)
            if end <= local:
                ends.append(end)
    ends = sorted(set(ends), reverse=True)[:count]
    return sorted(end.astimezone(at.tzinfo) for end in ends)


def _urine_per_shift(ctx: _Context) -> list[Point]:
    """Each complete shift's urine total, a point at the shift's end; a shift counts only
    when charted output covers all of it (output pro-rated by overlap)."""
    settings = ctx.settings
    line = settings.line(TrendSeries.URINE_PER_SHIFT)
    count = max(line.window_hours // settings.shift_hours, 1)
    length = timedelta(hours=settings.shift_hours)
    points = []
    for end in shift_ends(ctx.at, settings, ctx.zone, count):
        output = urine_output(ctx.record.fluids, start=end - length, end=end)
        if output.recorded_hours >= hours(length):
            points.append(Point(end, output.volume_ml))
    return points


SERIES: Final[dict[TrendSeries, Callable[[_Context], list[Point]]]] = {
    TrendSeries.SYSTOLIC_BP: _systolic_bp,
    TrendSeries.NEWS2: _news2,
    TrendSeries.WEIGHT_GAIN_PCT: _weight_gain_pct,
    TrendSeries.CREATININE: _creatinine,
    TrendSeries.URINE_PER_SHIFT: _urine_per_shift,
}
# Threshold words by direction and inclusiveness.
COMPARISON: Final = {
    (Direction.FALLING, True): "≤",
    (Direction.FALLING, False): "<",
    (Direction.RISING, True): "≥",
    (Direction.RISING, False): ">",
}


def _towards(line: TrendLine, slope: float) -> bool:
    """Only a line moving towards the threshold may cross it: flat or improving never."""
    return slope < 0 if line.direction is Direction.FALLING else slope > 0


def _thresholds(
    line: TrendLine, record: PatientRecord, current: Decimal
) -> list[tuple[str, Decimal, TrendLine]]:
    """The thresholds of a line, each as (words, value, the line to compare with): its own,
    the rise over the current value, and the multiple of the baseline (each when set)."""
    found = [
        (f"{COMPARISON[line.direction, line.inclusive]} {line.threshold}", line.threshold, line)
    ]
    if line.rise_by is not None:
        rise = current + line.rise_by
        found.append(
            (f"a rise of ≥ {line.rise_by} over {current} (≥ {rise})", rise, _with(line, rise, True))
        )
    baseline = record.baseline.creatinine_mg_dl
    if line.baseline_ratio is not None and baseline is not None:
        value = (baseline * line.baseline_ratio).quantize(_PLACES)
        found.append(
            (
                f"≥ {line.baseline_ratio} × baseline {baseline} (≥ {value})",
                value,
                _with(line, value, True),
            )
        )
    return found


def _with(line: TrendLine, threshold: Decimal, inclusive: bool) -> TrendLine:
    """The line to compare a derived threshold with (``beyond`` reads only the direction, the
    threshold and whether reaching it counts)."""
    return replace(line, threshold=threshold, inclusive=inclusive)


def _series(ctx: _Context, line: TrendLine, horizon_at: datetime) -> SeriesTrend:
    points = sorted(SERIES[line.series](ctx), key=lambda p: p.at)
    if not line.enabled:
        return SeriesTrend(line.series, TrendStatus.NOT_ASSESSABLE, "turned off", tuple(points))
    span = points[-1].at - points[0].at if points else timedelta(0)
    if len(points) < line.min_points or span < timedelta(hours=line.min_span_hours):
        note = (
            f"{len(points)} point(s) over {hours(span):.1f} h; needs {line.min_points} "
            f"over at least {line.min_span_hours} h in the last {line.window_hours} h"
        )
        return SeriesTrend(line.series, TrendStatus.NOT_ASSESSABLE, note, tuple(points))
    fitted = fit(points)
    current = points[-1]
    projected = Decimal(repr(fitted.at(horizon_at))).quantize(_PLACES)
    slope = Decimal(repr(fitted.slope_per_hour)).quantize(Decimal("0.001"))
    crossed = next(
        (
            (words, value)
            for words, value, compare in _thresholds(line, ctx.record, current.value)
            if _towards(line, fitted.slope_per_hour)
            and not compare.beyond(current.value)
            and compare.beyond(projected)
        ),
        None,
    )
    status = TrendStatus.NO_CROSSING if crossed is None else TrendStatus.CROSSING
    return SeriesTrend(
        series=line.series,
        status=status,
        note="" if crossed is None else f"projected to cross {crossed[0]}",
        points=tuple(points),
        current=current,
        slope_per_hour=slope,
        projected_value=projected,
        projected_at=horizon_at,
        threshold=crossed[0] if crossed else "",
        threshold_value=crossed[1] if crossed else None,
    )


def trend_horizon(
    record: PatientRecord, *, at: datetime, settings: TrendSettings
) -> tuple[datetime, str]:
    """The next scheduled dose at least ``min_lead_minutes`` away, else
    ``horizon_without_dose_hours`` ahead."""
    earliest = at + timedelta(minutes=settings.min_lead_minutes)
    doses = sorted(
        d.scheduled_at
        for d in record.doses
        if d.status is DoseStatus.SCHEDULED and d.scheduled_at >= earliest
    )
    if doses:
        return doses[0], "next_dose"
    return at + timedelta(hours=settings.horizon_without_dose_hours), "no_dose"


def trends_assess(
    record: PatientRecord,
    *,
    at: datetime,
    zone: tzinfo,
    profile: RuleProfile = DEFAULT_PROFILE,
) -> TrendResult:
    """Every series of §7 at ``at``; ``zone`` is the site's time zone (urine shifts)."""
    settings = profile.trends
    horizon_at, horizon = trend_horizon(record, at=at, settings=settings)
    results = []
    for line in settings.lines:
        ctx = _Context(record, at, at - timedelta(hours=line.window_hours), settings, zone)
        results.append(_series(ctx, line, horizon_at))
    return TrendResult(
        series=tuple(results),
        horizon_at=horizon_at,
        horizon=horizon,
        at=at,
        profile_name=profile.name,
        profile_version=profile.version,
        skipped=record.skipped_of(*READS),
    )
