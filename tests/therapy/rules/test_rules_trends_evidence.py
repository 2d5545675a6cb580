"""What the trend rule reports and reads (clinical-rules.md §7 (v2)): the evidence of a
``trend`` alert exactly as the API shows it; which records each series reads (partial vitals
sets, other labs, the SpO2 scale); the site's shifts; and lines that never cross (flat, or
moving away from the threshold however the points lie)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.support.rules_factories import NOW, ago, baseline, record, urine, vitals
from therapy.rules.inputs import DoseRecord, LabResult, SkippedRecord, VitalsSet
from therapy.rules.profile import DEFAULT_PROFILE, RuleProfile, TrendSeries
from therapy.rules.trends import TrendStatus, shift_ends, trends_assess

D = Decimal
H, M = timedelta(hours=1), timedelta(minutes=1)
LONDON = ZoneInfo("Europe/London")  # UTC in November
NEW_YORK = ZoneInfo("America/New_York")  # UTC-5 in November
TOKYO = ZoneInfo("Asia/Tokyo")  # UTC+9


def with_lines(profile: RuleProfile = DEFAULT_PROFILE, **changes: dict[str, Any]) -> RuleProfile:
    """The profile with some series' lines changed: ``systolic_bp={"enabled": False}``."""
    lines = tuple(
        replace(line, **changes.get(line.series.name.lower(), {})) for line in profile.trends.lines
    )
    return replace(profile, trends=replace(profile.trends, lines=lines))


def series(result: Any, which: TrendSeries) -> Any:
    return next(s for s in result.series if s.series is which)


def assess(rec: Any, profile: RuleProfile = DEFAULT_PROFILE, at: datetime = NOW) -> Any:
    return trends_assess(rec, at=at, zone=LONDON, profile=profile)


def not_assessable(name: str, note: str, points: int, first_at: str | None) -> dict[str, Any]:
    return {
        "series": name,
        "status": "not_assessable",
        "note": note,
        "points": points,
        "first_at": first_at,
        "current_value": None,
        "current_at": None,
        "slope_per_hour": None,
        "projected_value": None,
        "projected_at": None,
        "threshold": "",
        "threshold_value": None,
    }


def test_the_evidence_of_a_trend_in_full() -> None:
    # SBP falling 1 mmHg/h from 110 to 102 over 8 h; the next dose in 13 h; no labs; urine per
    # shift turned off by the site; a skipped vitals set (read) and a skipped medication (not).
    profile = with_lines(urine_per_shift={"enabled": False})
    sets = tuple(vitals(NOW - h * H, systolic_bp=s) for h, s in ((8, 110), (4, 106), (0, 102)))
    rec = record(
        vitals=sets,
        labs=(),
        doses=(DoseRecord(cycle=1, number=2, scheduled_at=NOW + 13 * H),),
        skipped=(
            SkippedRecord("vitals", "41", "no time"),
            SkippedRecord("medications", "3", "unknown drug"),
        ),
    )

    data = assess(rec, profile).to_dict()

    first, now, dose = ago(8).isoformat(), NOW.isoformat(), (NOW + 13 * H).isoformat()
    sbp = {
        "series": "systolic_bp",
        "status": "crossing",
        "note": "projected to cross < 90",
        "points": 3,
        "first_at": first,
        "current_value": "102",
        "current_at": now,
        "slope_per_hour": "-1.000",
        "projected_value": "89.00",
        "projected_at": dose,
        "threshold": "< 90",
        "threshold_value": "90",
    }
    news2 = {  # SBP 101-110 scores 1, the rest 0: NEWS2 1 throughout
        "series": "news2_total",
        "status": "no_crossing",
        "note": "",
        "points": 3,
        "first_at": first,
        "current_value": "1",
        "current_at": now,
        "slope_per_hour": "0.000",
        "projected_value": "1.00",
        "projected_at": dose,
        "threshold": "",
        "threshold_value": None,
    }
    needs = "needs 3 over at least 24 h in the last 72 h"
    assert data == {
        "crossings": [sbp],
        "series": [
            sbp,
            news2,
            not_assessable("weight_gain_pct", f"3 point(s) over 8.0 h; {needs}", 3, first),
            not_assessable("creatinine_mg_dl", f"0 point(s) over 0.0 h; {needs}", 0, None),
            not_assessable("urine_ml_per_shift", "turned off", 0, None),
        ],
        "horizon_at": dose,
        "horizon": "next_dose",
        "checked_at": now,
        "profile_name": profile.name,
        "profile_version": profile.version,
        "skipped": [{"kind": "vitals", "id": "41", "reason": "no time"}],
    }


def test_a_series_turned_off_still_lists_its_points() -> None:
    sets = tuple(vitals(NOW - h * H, systolic_bp=s) for h, s in ((8, 110), (4, 106), (0, 102)))
    result = assess(record(vitals=sets), with_lines(systolic_bp={"enabled": False}))
    found = series(result, TrendSeries.SYSTOLIC_BP)
    assert (found.status, found.note, len(found.points)) == (
        TrendStatus.NOT_ASSESSABLE,
        "turned off",
        3,
    )


# --- what each series reads ------------------------------------------------------------------
def test_partial_vitals_sets_count_only_in_the_series_they_measure() -> None:
    # Full sets every 4 h without a weight, and weight-only sets in between: SBP and NEWS2
    # read the full sets, the weight series the weights only; nothing fails on a missing value.
    full = tuple(vitals(NOW - h * H, systolic_bp=110 - h, weight_kg=None) for h in (8, 4, 0))
    weights = tuple(
        VitalsSet(taken_at=NOW - h * H, weight_kg=D(kg))
        for h, kg in ((50, "70.0"), (26, "71.4"), (2, "72.8"))
    )
    result = assess(record(vitals=(*full, *weights)))
    sbp = series(result, TrendSeries.SYSTOLIC_BP)
    news2 = series(result, TrendSeries.NEWS2)
    weight = series(result, TrendSeries.WEIGHT_GAIN_PCT)
    assert [p.value for p in sbp.points] == [102, 106, 110]
    assert [p.at for p in news2.points] == [ago(8), ago(4), NOW]
    assert [p.value for p in weight.points] == [D(0), D(2), D(4)]
    assert weight.status is TrendStatus.NO_CROSSING


def test_news2_is_scored_on_the_patients_spo2_scale() -> None:
    # SpO2 90 % on room air scores 0 on scale 2 (target 88-92 %) but 3 on scale 1.
    sets = tuple(vitals(NOW - h * H, spo2=90) for h in (8, 4, 0))
    on_scale_1 = series(assess(record(vitals=sets)), TrendSeries.NEWS2)
    on_scale_2 = series(
        assess(record(vitals=sets, baseline=baseline(spo2_scale=2))), TrendSeries.NEWS2
    )
    assert [p.value for p in on_scale_1.points] == [3, 3, 3]
    assert [p.value for p in on_scale_2.points] == [0, 0, 0]


def test_the_creatinine_series_reads_creatinine_in_its_window_only() -> None:
    labs = (
        LabResult("creatinine", D("1.0"), NOW - 72 * H - timedelta(seconds=1)),  # before the window
        LabResult("creatinine", D("1.1"), NOW - 48 * H),
        LabResult("albumin", D("3.1"), NOW - 36 * H),
        LabResult("creatinine", D("1.2"), NOW - 24 * H),
        LabResult("platelets", D("150"), NOW - 12 * H),
        LabResult("fobt", "negative", NOW - 6 * H),
        LabResult("creatinine", D("1.3"), NOW),
    )
    found = series(assess(record(labs=labs)), TrendSeries.CREATININE)
    assert [(p.at, p.value) for p in found.points] == [
        (NOW - 48 * H, D("1.1")),
        (NOW - 24 * H, D("1.2")),
        (NOW, D("1.3")),
    ]


# --- the site's shifts -----------------------------------------------------------------------
def test_shift_ends_in_a_zone_away_from_utc() -> None:
    at = datetime(2026, 11, 21, 17, 0, tzinfo=UTC)  # 12:00 in New York
    ends = shift_ends(at, DEFAULT_PROFILE.trends, NEW_YORK, 4)
    assert [e.astimezone(NEW_YORK).strftime("%d %H:%M") for e in ends] == [
        "20 06:00",
        "20 14:00",
        "20 22:00",
        "21 06:00",
    ]
    assert all(e.tzinfo is UTC for e in ends)  # in the evaluation's own time zone


def test_shift_ends_in_a_zone_already_on_the_next_day() -> None:
    at = datetime(2026, 11, 21, 23, 0, tzinfo=UTC)  # 08:00 on the 22nd in Tokyo
    ends = shift_ends(at, DEFAULT_PROFILE.trends, TOKYO, 2)
    assert [e.astimezone(TOKYO).strftime("%d %H:%M") for e in ends] == ["21 22:00", "22 06:00"]


def test_a_shift_ending_at_the_evaluation_is_complete() -> None:
    at = datetime(2026, 11, 21, 14, 0, tzinfo=UTC)
    ends = shift_ends(at, DEFAULT_PROFILE.trends, LONDON, 2)
    assert ends == [at - 8 * H, at]
    assert shift_ends(at - timedelta(microseconds=1), DEFAULT_PROFILE.trends, LONDON, 1) == [
        at - 8 * H
    ]


def test_shifts_starting_late_in_the_day() -> None:
    # First shift at 22:00 (then 06:00 and 14:00): the hours wrap round midnight.
    settings = replace(DEFAULT_PROFILE.trends, shift_first_start_hour=22)
    assert [e.hour for e in shift_ends(NOW, settings, LONDON, 3)] == [14, 22, 6]
    late = replace(DEFAULT_PROFILE.trends, shift_first_start_hour=20, shift_hours=12)
    assert [e.hour for e in shift_ends(NOW, late, LONDON, 3)] == [8, 20, 8]


def test_a_urine_window_of_one_shift_has_one_point() -> None:
    ends = shift_ends(NOW, DEFAULT_PROFILE.trends, LONDON, 2)
    fluids = tuple(urine(400, end - 8 * H, end) for end in ends)
    profile = with_lines(urine_per_shift={"window_hours": 8, "min_span_hours": 8})
    found = series(assess(record(fluids=fluids), profile), TrendSeries.URINE_PER_SHIFT)
    assert [p.at for p in found.points] == [ends[-1]]


# --- lines that never cross ------------------------------------------------------------------
def test_a_flat_line_never_crosses_even_with_its_level_beyond_the_threshold() -> None:
    # Points symmetric in time: slope 0. The fitted level (80 mmHg; creatinine 2.5 mg/dL) is
    # beyond the threshold while the newest value is not: a flat series raises no trend.
    sbp = tuple(vitals(NOW - h * H, systolic_bp=v) for h, v in ((8, 90), (7, 70), (1, 70), (0, 90)))
    labs = tuple(
        LabResult("creatinine", D(v), NOW - h * H)
        for h, v in ((48, "2.0"), (47, "3.0"), (1, "3.0"), (0, "2.0"))
    )
    result = assess(record(vitals=sbp, labs=labs))
    for which, level in (
        (TrendSeries.SYSTOLIC_BP, D("80.00")),
        (TrendSeries.CREATININE, D("2.50")),
    ):
        found = series(result, which)
        assert (found.slope_per_hour, found.projected_value) == (D("0.000"), level)
        assert found.status is TrendStatus.NO_CROSSING


def test_a_slowly_rising_sbp_below_its_line_never_crosses() -> None:
    # 80 mmHg for 8 h, then 90: the line rises (0.67 mmHg/h) but is still under 90 at the
    # horizon (89.1); the patient is improving, not heading for a hold.
    sets = (
        *(vitals(NOW - h * H, systolic_bp=80) for h in range(8, 0, -1)),
        vitals(NOW, systolic_bp=90),
    )
    found = series(assess(record(vitals=sets)), TrendSeries.SYSTOLIC_BP)
    assert found.slope_per_hour == D("0.667") and found.projected_value == D("89.11")
    assert found.status is TrendStatus.NO_CROSSING


def test_the_baseline_multiple_counts_when_reached_whatever_the_line_says() -> None:
    # The site makes the absolute creatinine threshold strict (> 2.5); reaching 1.5 x
    # baseline (1.35 at baseline 0.9) still counts, as its words say (≥).
    profile = with_lines(creatinine={"inclusive": False})
    labs = tuple(
        LabResult("creatinine", D(v), NOW - h * H)
        for h, v in ((24, "1.00"), (12, "1.12"), (0, "1.24"))
    )
    rec = record(labs=labs, doses=(DoseRecord(cycle=1, number=2, scheduled_at=NOW + 11 * H),))
    found = series(assess(rec, profile), TrendSeries.CREATININE)
    assert found.projected_value == D("1.35")
    assert (found.status, found.threshold_value) == (TrendStatus.CROSSING, D("1.35"))


# --- property: the shift ends asked for ------------------------------------------------------
@settings(max_examples=200, deadline=None)
@example(shift_hours=1, first_start=0, count=2400, minutes=0)  # 100 days of hourly "shifts"
@given(
    shift_hours=st.sampled_from([1, 2, 3, 4, 6, 8, 12, 24]),
    first_start=st.integers(min_value=0, max_value=23),
    count=st.integers(min_value=1, max_value=400),
    minutes=st.integers(min_value=0, max_value=7 * 24 * 60),
)
def test_shift_ends_are_the_last_count_ends_every_shift_hours(
    shift_hours: int, first_start: int, count: int, minutes: int
) -> None:
    settings_ = replace(
        DEFAULT_PROFILE.trends, shift_hours=shift_hours, shift_first_start_hour=first_start
    )
    at = NOW + minutes * M
    ends = shift_ends(at, settings_, UTC, count)
    assert len(ends) == count
    assert all(later - earlier == shift_hours * H for earlier, later in pairwise(ends))
    assert at - shift_hours * H < ends[-1] <= at
    assert (ends[-1].hour - first_start) % shift_hours == 0
