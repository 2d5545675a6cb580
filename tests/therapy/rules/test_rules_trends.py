"""§7 (v2): trend warnings — least-squares projections to the next dose. Both edges of every
threshold, window, minimum and horizon; properties: the projection of points on a line is that
line, and a flat or improving series never raises a crossing."""

from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from patients.news2 import news2_score
from tests.support.rules_factories import NOW, baseline, record, urine, vitals
from therapy.rules.inputs import DoseRecord, LabResult
from therapy.rules.profile import DEFAULT_PROFILE, TrendSeries
from therapy.rules.trends import Point, TrendStatus, fit, shift_ends, trends_assess

D = Decimal
H = timedelta(hours=1)
M = timedelta(minutes=1)
LONDON = ZoneInfo("Europe/London")  # UTC in November: shifts end 06:00, 14:00, 22:00 UTC


def dose_at(moment: datetime) -> DoseRecord:
    return DoseRecord(cycle=1, number=1, scheduled_at=moment)


def trend(series: TrendSeries, *, doses=(), profile=DEFAULT_PROFILE, **parts):  # type: ignore[no-untyped-def]
    rec = record(doses=tuple(doses), **parts)
    result = trends_assess(rec, at=NOW, zone=LONDON, profile=profile)
    return next(s for s in result.series if s.series is series), result


def sbp_sets(*pairs: tuple[float, int]) -> tuple:  # (hours ago, SBP)
    return tuple(vitals(NOW - hours_ago * H, systolic_bp=sbp) for hours_ago, sbp in pairs)


FALLING_SBP = sbp_sets((8, 110), (4, 106), (0, 102))  # -1 mmHg/h


@pytest.mark.parametrize(
    ("dose_in", "projected", "status"),
    [
        (12 * H, D("90.00"), TrendStatus.NO_CROSSING),  # 90 is not < 90
        (13 * H, D("89.00"), TrendStatus.CROSSING),
    ],
)
def test_systolic_bp_crosses_below_90_by_the_next_dose(dose_in, projected, status):
    found, result = trend(
        TrendSeries.SYSTOLIC_BP, vitals=FALLING_SBP, doses=[dose_at(NOW + dose_in)]
    )
    assert found.status is status
    assert found.projected_value == projected and found.projected_at == NOW + dose_in
    assert found.slope_per_hour == D("-1.000")
    assert found.current is not None and found.current.value == 102
    if status is TrendStatus.CROSSING:
        item = result.to_dict()["crossings"][0]
        assert item["threshold"] == "< 90" and item["current_value"] == "102"
        assert item["projected_value"] == "89.00" and item["slope_per_hour"] == "-1.000"


def test_a_crossing_that_has_happened_is_not_a_trend():
    sets = sbp_sets((8, 100), (4, 95), (0, 89))
    found, _ = trend(TrendSeries.SYSTOLIC_BP, vitals=sets, doses=[dose_at(NOW + 8 * H)])
    assert found.status is TrendStatus.NO_CROSSING


@pytest.mark.parametrize(
    ("points", "status"), [(2, TrendStatus.NOT_ASSESSABLE), (3, TrendStatus.CROSSING)]
)
def test_minimum_points(points, status):
    sets = FALLING_SBP if points == 3 else sbp_sets((8, 110), (0, 102))
    found, _ = trend(TrendSeries.SYSTOLIC_BP, vitals=sets, doses=[dose_at(NOW + 20 * H)])
    assert found.status is status


@pytest.mark.parametrize(
    ("first_ago", "status"),
    [(4 * H - timedelta(seconds=1), TrendStatus.NOT_ASSESSABLE), (4 * H, TrendStatus.CROSSING)],
)
def test_minimum_span_of_4_hours(first_ago, status):
    sets = (
        vitals(NOW - first_ago, systolic_bp=110),
        vitals(NOW - 2 * H, systolic_bp=105),
        vitals(NOW, systolic_bp=100),
    )
    found, _ = trend(TrendSeries.SYSTOLIC_BP, vitals=sets, doses=[dose_at(NOW + 10 * H)])
    assert found.status is status


@pytest.mark.parametrize(("extra", "points"), [(12 * H, 4), (12 * H + timedelta(seconds=1), 3)])
def test_the_first_instant_of_the_12_hour_window_belongs_to_it(extra, points):
    sets = (vitals(NOW - extra, systolic_bp=130), *FALLING_SBP)
    found, _ = trend(TrendSeries.SYSTOLIC_BP, vitals=sets, doses=[dose_at(NOW + 10 * H)])
    assert len(found.points) == points


@pytest.mark.parametrize(
    ("doses", "horizon_at", "horizon"),
    [
        ([NOW + 29 * M, NOW + 8 * H + 29 * M], NOW + 8 * H + 29 * M, "next_dose"),  # too near
        ([NOW + 30 * M], NOW + 30 * M, "next_dose"),  # 30 min away: the horizon
        ([], NOW + 8 * H, "no_dose"),
    ],
)
def test_the_horizon_is_the_next_dose_at_least_30_minutes_away(doses, horizon_at, horizon):
    _, result = trend(
        TrendSeries.SYSTOLIC_BP, vitals=FALLING_SBP, doses=[dose_at(d) for d in doses]
    )
    assert (result.horizon_at, result.horizon) == (horizon_at, horizon)


def test_a_given_dose_is_not_a_horizon():
    given_dose = replace(dose_at(NOW + 2 * H), status="given")
    _, result = trend(TrendSeries.SYSTOLIC_BP, vitals=FALLING_SBP, doses=[given_dose])
    assert result.horizon == "no_dose"


# NEWS2 ---------------------------------------------------------------------------------------
NEWS2_0 = {}
NEWS2_1 = {"heart_rate": 95}
NEWS2_2 = {"heart_rate": 95, "temperature_c": D("38.5")}
NEWS2_5 = {"respiratory_rate": 21, "heart_rate": 115, "temperature_c": D("38.5")}
NEWS2_6 = {**NEWS2_5, "systolic_bp": 105}
NEWS2_7 = {**NEWS2_6, "spo2": 95}


def news2_sets(*levels: dict) -> tuple:
    sets = tuple(vitals(NOW - (8 - 4 * i) * H, **level) for i, level in enumerate(levels))
    totals = [news2_score(s.news2_inputs()).total for s in sets]
    return sets, totals


@pytest.mark.parametrize(
    ("dose_in", "status", "threshold"),
    [
        (11 * H, TrendStatus.NO_CROSSING, ""),  # projected 4.75
        (12 * H, TrendStatus.CROSSING, "≥ 5"),  # projected 5.00: reaching 5 counts
    ],
)
def test_news2_reaching_5(dose_in, status, threshold):
    sets, totals = news2_sets(NEWS2_0, NEWS2_1, NEWS2_2)
    assert totals == [0, 1, 2]
    found, _ = trend(TrendSeries.NEWS2, vitals=sets, doses=[dose_at(NOW + dose_in)])
    assert found.status is status and found.threshold == threshold


@pytest.mark.parametrize(
    ("dose_in", "status"),
    [(11 * H + 30 * M, TrendStatus.NO_CROSSING), (12 * H, TrendStatus.CROSSING)],
)
def test_news2_rising_3_points_at_any_level(dose_in, status):
    sets, totals = news2_sets(NEWS2_5, NEWS2_6, NEWS2_7)
    assert totals == [5, 6, 7]  # already >= 5: only the rise of 3 can cross
    found, _ = trend(TrendSeries.NEWS2, vitals=sets, doses=[dose_at(NOW + dose_in)])
    assert found.status is status
    if status is TrendStatus.CROSSING:
        assert found.threshold.startswith("a rise of ≥ 3 over 7")


# Weight % over baseline ------------------------------------------------------------------------
WEIGHTS = tuple(
    vitals(NOW - hours_ago * H, weight_kg=D(kg))
    for hours_ago, kg in ((48, "74.9"), (24, "76.3"), (0, "77.7"))  # 7, 9, 11 % over 70 kg
)


@pytest.mark.parametrize(
    ("dose_in", "status"),
    [(48 * H, TrendStatus.NO_CROSSING), (49 * H, TrendStatus.CROSSING)],  # 15.00 is not > 15
)
def test_weight_gain_over_15_percent(dose_in, status):
    found, _ = trend(TrendSeries.WEIGHT_GAIN_PCT, vitals=WEIGHTS, doses=[dose_at(NOW + dose_in)])
    assert found.status is status
    assert found.projected_value == (D("15.00") if dose_in == 48 * H else D("15.08"))


def test_weight_needs_a_24_hour_span():
    sets = (*WEIGHTS[1:], vitals(NOW - 12 * H, weight_kg=D("77.0")))
    found, _ = trend(TrendSeries.WEIGHT_GAIN_PCT, vitals=sets, doses=[dose_at(NOW + 49 * H)])
    assert found.status is TrendStatus.CROSSING  # 24 h exactly: enough
    sets = (
        vitals(NOW - 24 * H + M, weight_kg=D("76.3")),
        *WEIGHTS[2:],
        vitals(NOW - H, weight_kg=D("77.0")),
    )
    found, _ = trend(TrendSeries.WEIGHT_GAIN_PCT, vitals=sets, doses=[dose_at(NOW + 48 * H)])
    assert found.status is TrendStatus.NOT_ASSESSABLE


# Creatinine -----------------------------------------------------------------------------------
def creatinine(*pairs: tuple[float, str]) -> tuple:
    return tuple(LabResult("creatinine", D(v), NOW - hours_ago * H) for hours_ago, v in pairs)


@pytest.mark.parametrize(
    ("dose_in", "status"),
    [(1 * H, TrendStatus.NO_CROSSING), (2 * H, TrendStatus.CROSSING)],  # 2.49, then 2.50
)
def test_creatinine_reaching_2_5(dose_in, status):
    labs = creatinine((48, "2.00"), (24, "2.24"), (0, "2.48"))
    found, _ = trend(TrendSeries.CREATININE, labs=labs, doses=[dose_at(NOW + dose_in)])
    assert found.status is status
    if status is TrendStatus.CROSSING:
        assert found.threshold == "≥ 2.5"


@pytest.mark.parametrize(
    ("dose_in", "status"),
    [(10 * H, TrendStatus.NO_CROSSING), (11 * H, TrendStatus.CROSSING)],  # 1.34, then 1.35
)
def test_creatinine_reaching_1_5_times_baseline(dose_in, status):
    labs = creatinine((24, "1.00"), (12, "1.12"), (0, "1.24"))  # baseline 0.9: 1.35
    found, _ = trend(TrendSeries.CREATININE, labs=labs, doses=[dose_at(NOW + dose_in)])
    assert found.status is status
    if status is TrendStatus.CROSSING:
        assert "× baseline 0.9" in found.threshold and found.threshold_value == D("1.35")


def test_creatinine_without_a_baseline_uses_the_absolute_threshold_only():
    labs = creatinine((24, "1.00"), (12, "1.12"), (0, "1.24"))
    found, _ = trend(
        TrendSeries.CREATININE,
        labs=labs,
        baseline=baseline(creatinine_mg_dl=None),
        doses=[dose_at(NOW + 11 * H)],
    )
    assert found.status is TrendStatus.NO_CROSSING


# Urine per 8 h shift ----------------------------------------------------------------------------
def shifts(*totals: int, uncharted: int | None = None) -> tuple:
    ends = shift_ends(NOW, DEFAULT_PROFILE.trends, LONDON, 3)
    return tuple(
        urine(total, end - 8 * H + (H if i == uncharted else timedelta(0)), end)
        for i, (end, total) in enumerate(zip(ends, totals, strict=True))
    )


def test_shift_ends_are_site_time():
    ends = shift_ends(NOW, DEFAULT_PROFILE.trends, LONDON, 3)  # NOW is 12:00
    assert [e.astimezone(LONDON).hour for e in ends] == [14, 22, 6]
    assert ends[-1] == NOW - 6 * H


@pytest.mark.parametrize(
    ("dose_at_", "status"),
    [
        (NOW + 10 * H - 6 * M, TrendStatus.NO_CROSSING),  # 161 mL
        (NOW + 10 * H, TrendStatus.CROSSING),  # 160 mL: reaching 160 counts
    ],
)
def test_urine_per_shift_falling_to_160(dose_at_, status):
    fluids = shifts(480, 400, 320)  # -10 mL/h, 320 at 06:00
    found, _ = trend(TrendSeries.URINE_PER_SHIFT, fluids=fluids, doses=[dose_at(dose_at_)])
    assert found.status is status
    assert [p.value for p in found.points] == [480, 400, 320]


def test_a_shift_not_charted_all_through_does_not_count():
    fluids = shifts(480, 400, 320, uncharted=1)
    found, _ = trend(TrendSeries.URINE_PER_SHIFT, fluids=fluids, doses=[dose_at(NOW + 10 * H)])
    assert found.status is TrendStatus.NOT_ASSESSABLE and len(found.points) == 2


def test_a_series_turned_off_never_crosses():
    lines = tuple(
        replace(line, enabled=False) if line.series is TrendSeries.SYSTOLIC_BP else line
        for line in DEFAULT_PROFILE.trends.lines
    )
    profile = replace(DEFAULT_PROFILE, trends=replace(DEFAULT_PROFILE.trends, lines=lines))
    found, _ = trend(
        TrendSeries.SYSTOLIC_BP, vitals=FALLING_SBP, doses=[dose_at(NOW + 13 * H)], profile=profile
    )
    assert found.status is TrendStatus.NOT_ASSESSABLE


def test_an_uneventful_record_raises_no_crossing():
    sets = tuple(vitals(NOW - h * H, weight_kg=D("71.0")) for h in range(0, 72, 4))
    _, result = trends_assess_default(sets)
    assert result.crossings == ()


def trends_assess_default(sets: tuple):  # type: ignore[no-untyped-def]
    rec = record(vitals=sets, doses=(dose_at(NOW + 4 * H),))
    result = trends_assess(rec, at=NOW, zone=LONDON)
    return rec, result


# Properties ---------------------------------------------------------------------------------------
@given(
    slope=st.integers(min_value=-50, max_value=50),
    intercept=st.integers(min_value=-200, max_value=200),
    offsets=st.lists(
        st.integers(min_value=0, max_value=72 * 60), min_size=2, max_size=20, unique=True
    ),
)
def test_the_projection_of_points_on_a_line_is_that_line(slope, intercept, offsets):
    start = NOW - 72 * H
    points = [Point(start + m * M, D(intercept) + D(slope) * D(m) / 60) for m in sorted(offsets)]
    line = fit(points)
    assert line.slope_per_hour == pytest.approx(slope, abs=1e-6)
    for moment in (start, NOW, NOW + 8 * H):
        expected = (
            intercept + slope * (moment - points[0].at) / H + slope * (points[0].at - start) / H
        )
        assert line.at(moment) == pytest.approx(expected, abs=1e-6)


HOURS_AGO = st.lists(
    st.integers(min_value=0, max_value=11 * 60), min_size=3, max_size=10, unique=True
)


@given(
    minutes=HOURS_AGO,
    start=st.integers(min_value=90, max_value=200),
    steps=st.lists(st.integers(min_value=0, max_value=15), min_size=10, max_size=10),
    dose_in=st.integers(min_value=30, max_value=24 * 60),
)
def test_a_flat_or_rising_sbp_never_crosses(minutes, start, steps, dose_in):
    times = sorted(minutes, reverse=True)  # oldest first
    values, sbp = [], start
    for step in steps[: len(times)]:
        sbp = min(sbp + step, 300)
        values.append(sbp)
    sets = tuple(vitals(NOW - m * M, systolic_bp=v) for m, v in zip(times, values, strict=False))
    found, _ = trend(TrendSeries.SYSTOLIC_BP, vitals=sets, doses=[dose_at(NOW + dose_in * M)])
    assert found.status is not TrendStatus.CROSSING


@given(
    minutes=st.lists(
        st.integers(min_value=0, max_value=72 * 60), min_size=3, max_size=10, unique=True
    ),
    start=st.integers(min_value=0, max_value=30),
    steps=st.lists(st.integers(min_value=0, max_value=3), min_size=10, max_size=10),
    dose_in=st.integers(min_value=30, max_value=48 * 60),
)
def test_a_flat_or_falling_weight_and_creatinine_never_cross(minutes, start, steps, dose_in):
    times = sorted(minutes, reverse=True)
    pct, weights, creat, level = start, [], [], D("3.0")
    for step in steps[: len(times)]:
        pct = max(pct - step, -20)
        level = max(level - D(step) / 10, D("0.1"))
        weights.append(D(70) * (100 + pct) / 100)
        creat.append(level)
    sets = tuple(vitals(NOW - m * M, weight_kg=w) for m, w in zip(times, weights, strict=False))
    labs = tuple(
        LabResult("creatinine", c, NOW - m * M) for m, c in zip(times, creat, strict=False)
    )
    doses = [dose_at(NOW + dose_in * M)]
    for series in (TrendSeries.WEIGHT_GAIN_PCT, TrendSeries.CREATININE):
        found, _ = trend(series, vitals=sets, labs=labs, doses=doses)
        assert found.status is not TrendStatus.CROSSING
