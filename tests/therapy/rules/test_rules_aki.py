"""Acute kidney injury, KDIGO 2012 (clinical-rules.md §3a (v2), [S18]): both edges of every
threshold and window, the baseline, the weight, and what cannot be assessed."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from tests.support.rules_factories import (
    NOW,
    ago,
    baseline,
    event,
    lab,
    profile_with,
    record,
    urine,
)
from therapy.rules.aki import AkiStatus, aki_assess
from therapy.rules.errors import ProfileError
from therapy.rules.profile import DEFAULT_PROFILE, AkiUrineStage, RuleProfile

D = Decimal


def assess(profile: RuleProfile = DEFAULT_PROFILE, **changes: Any) -> Any:
    fields: dict[str, Any] = {"labs": (), "fluids": ()}
    return aki_assess(record(**{**fields, **changes}), at=NOW, profile=profile)


def criterion(result: Any, code: str) -> Any:
    return next(c for c in result.criteria if c.code == code)


def creatinine(*values: tuple[str, datetime]) -> tuple[Any, ...]:
    return tuple(lab("creatinine", value, at) for value, at in values)


# --- creatinine over baseline -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "stage"),
    [
        ("1.49", 0),
        ("1.50", 1),
        ("1.99", 1),
        ("2.00", 2),
        ("2.99", 2),
        ("3.00", 3),
    ],
)
def test_creatinine_ratio_edges(value: str, stage: int) -> None:
    result = assess(baseline=baseline(creatinine_mg_dl=D("1.0")), labs=creatinine((value, ago(1))))
    found = criterion(result, "creatinine_ratio")
    assert found.stage == stage
    assert found.status is (AkiStatus.MET if stage else AkiStatus.NOT_MET)
    assert found.value == D(value).quantize(D("0.01"))
    assert result.stage == stage


@pytest.mark.parametrize(("value", "stage"), [("3.99", 0), ("4.00", 3)])
def test_creatinine_absolute_edge(value: str, stage: int) -> None:
    # Baseline 3.0: the ratio stays under 1.5, so only the absolute bound can stage.
    result = assess(baseline=baseline(creatinine_mg_dl=D("3.0")), labs=creatinine((value, ago(1))))
    assert criterion(result, "creatinine_absolute").stage == stage
    assert criterion(result, "creatinine_ratio").stage == 0
    assert result.stage == stage


@pytest.mark.parametrize(("latest", "stage"), [("1.29", 0), ("1.30", 1)])
def test_creatinine_rise_edge(latest: str, stage: int) -> None:
    labs = creatinine(("1.0", ago(25)), (latest, ago(1)))
    # A recorded baseline of 1.0 too: the ratio (1.3) stays under 1.5.
    result = assess(baseline=baseline(creatinine_mg_dl=D("1.0")), labs=labs)
    found = criterion(result, "creatinine_rise")
    assert (found.stage, found.value) == (stage, D(latest) - D("1.0"))
    assert result.stage == stage


@pytest.mark.parametrize(
    ("before_latest", "stage"),
    [(timedelta(hours=48), 1), (timedelta(hours=48, seconds=1), 0)],
)
def test_creatinine_rise_window_edge(before_latest: timedelta, stage: int) -> None:
    latest_at = ago(1)
    labs = creatinine(("1.0", latest_at - before_latest), ("1.4", latest_at))
    result = assess(baseline=baseline(creatinine_mg_dl=D("1.2")), labs=labs)
    assert criterion(result, "creatinine_rise").stage == stage


@pytest.mark.parametrize(
    ("age", "assessable"),
    [(timedelta(hours=24), True), (timedelta(hours=24, seconds=1), False)],
)
def test_the_latest_creatinine_must_be_recent(age: timedelta, assessable: bool) -> None:
    result = assess(labs=creatinine(("2.0", NOW - age)))
    codes = ("creatinine_ratio", "creatinine_rise", "creatinine_absolute")
    statuses = {criterion(result, code).status for code in codes}
    assert (AkiStatus.NOT_ASSESSABLE not in statuses) is assessable
    if not assessable:
        assert criterion(result, "creatinine_ratio").note == "no creatinine in the last 24 h"


# --- the baseline -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("low_at", "baseline_value"),
    [(ago(hours=7 * 24), D("0.8")), (ago(hours=7 * 24, seconds=1), D("1.0"))],
)
def test_the_lowest_result_of_the_preceding_7_days_is_the_baseline(
    low_at: datetime, baseline_value: Decimal
) -> None:
    labs = creatinine(("0.8", low_at), ("1.0", ago(100)), ("1.3", ago(1)))
    result = assess(baseline=baseline(creatinine_mg_dl=None), labs=labs)
    assert result.baseline_creatinine_mg_dl == baseline_value


def test_the_recorded_baseline_counts_when_it_is_lower() -> None:
    labs = creatinine(("1.0", ago(100)), ("1.6", ago(1)))
    lower = assess(baseline=baseline(creatinine_mg_dl=D("0.8")), labs=labs)
    higher = assess(baseline=baseline(creatinine_mg_dl=D("1.2")), labs=labs)
    assert (lower.baseline_creatinine_mg_dl, criterion(lower, "creatinine_ratio").stage) == (
        D("0.8"),
        2,
    )
    assert (higher.baseline_creatinine_mg_dl, criterion(higher, "creatinine_ratio").stage) == (
        D("1.0"),
        1,
    )


def test_a_result_after_the_evaluation_is_not_read() -> None:
    labs = creatinine(("1.0", ago(2)), ("3.5", NOW + timedelta(minutes=1)))
    result = assess(baseline=baseline(creatinine_mg_dl=D("1.0")), labs=labs)
    assert result.stage == 0


# --- urine output -----------------------------------------------------------------------------
# At 70 kg: 0.5 mL/kg/h is 35 mL/h (210 mL in 6 h, 420 mL in 12 h); 0.3 mL/kg/h is 21 mL/h
# (504 mL in 24 h).
@pytest.mark.parametrize(("volume", "stage"), [("209.9", 1), ("210", 0)])
def test_urine_over_6_hours_edge(volume: str, stage: int) -> None:
    result = assess(fluids=(urine(volume, ago(6), NOW),))
    found = criterion(result, "urine_6h")
    assert found.stage == stage
    assert criterion(result, "urine_12h").status is AkiStatus.NOT_ASSESSABLE
    assert result.stage == stage


@pytest.mark.parametrize(("volume", "stage"), [("419.9", 2), ("420", 0)])
def test_urine_over_12_hours_edge(volume: str, stage: int) -> None:
    # Recorded as one 12 h period: the last 6 h hold half of it.
    result = assess(fluids=(urine(volume, ago(12), NOW),))
    assert criterion(result, "urine_12h").stage == stage
    assert criterion(result, "urine_6h").stage == (1 if stage else 0)
    assert result.stage == stage


@pytest.mark.parametrize(("volume", "stage"), [("503.9", 3), ("504", 0)])
def test_urine_over_24_hours_edge(volume: str, stage: int) -> None:
    result = assess(fluids=(urine(volume, ago(24), NOW),))
    assert criterion(result, "urine_24h").stage == stage
    assert result.stage == (3 if stage else 2)  # 504 mL in 24 h is still < 420 mL in 12 h


@pytest.mark.parametrize(
    ("charted_from", "assessable"),
    [(ago(6), True), (ago(6) + timedelta(seconds=1), False)],
)
def test_urine_needs_the_whole_window_charted(charted_from: datetime, assessable: bool) -> None:
    result = assess(fluids=(urine("10", charted_from, NOW),))
    found = criterion(result, "urine_6h")
    assert (found.status is not AkiStatus.NOT_ASSESSABLE) is assessable
    assert result.stage == (1 if assessable else None)


@pytest.mark.parametrize(
    ("charted_until", "assessable"),
    [(ago(8), True), (ago(8, seconds=1), False)],
)
def test_the_urine_windows_end_where_charted_output_ends_up_to_8_hours_back(
    charted_until: datetime, assessable: bool
) -> None:
    # 100 mL over the 6 h before the newest charted output: 0.24 mL/kg/h.
    result = assess(fluids=(urine("100", charted_until - timedelta(hours=6), charted_until),))
    found = criterion(result, "urine_6h")
    assert (found.stage == 1) is assessable
    assert (found.status is AkiStatus.NOT_ASSESSABLE) is not assessable


def test_a_window_ending_now_is_assessable_once_charted_a_few_minutes_back() -> None:
    result = assess(fluids=(urine("100", ago(12, minutes=5), ago(minutes=5)),))
    assert (criterion(result, "urine_12h").stage, result.stage) == (2, 2)


def test_urine_uses_the_dosing_weight_when_there_is_one() -> None:
    # 250 mL in 6 h: 0.595 mL/kg/h at 70 kg (not met), 0.417 at 100 kg (met).
    fluids = (urine("250", ago(6), NOW),)
    at_baseline = assess(fluids=fluids)
    at_dosing = assess(fluids=fluids, baseline=baseline(dosing_weight_kg=D("100")))
    assert criterion(at_baseline, "urine_6h").stage == 0
    assert criterion(at_dosing, "urine_6h").stage == 1
    assert at_dosing.weight_kg == D("100")


@pytest.mark.parametrize(("volume", "stage"), [("0", 3), ("1", 0)])
def test_anuria_over_12_hours_edge(volume: str, stage: int) -> None:
    result = assess(fluids=(urine(volume, ago(12), NOW),))
    assert criterion(result, "anuria").stage == stage
    assert result.stage == (3 if stage else 2)


def test_anuria_needs_12_hours_charted() -> None:
    result = assess(fluids=(urine("0", ago(12) + timedelta(seconds=1), NOW),))
    assert criterion(result, "anuria").status is AkiStatus.NOT_ASSESSABLE
    assert result.stage == 1  # the 6 h window is charted: no urine in it


# --- dialysis ---------------------------------------------------------------------------------
def test_dialysis_is_stage_3_while_it_lasts() -> None:
    running = assess(events=(event("dialysis", ago(3)),))
    ended = assess(events=(event("dialysis", ago(3), ended_at=ago(1)),))
    assert (running.stage, criterion(running, "renal_replacement").value) == (3, "dialysis")
    assert ended.stage is None  # nothing else to assess


# --- what the result says ---------------------------------------------------------------------
def test_nothing_to_assess_is_no_stage_never_stage_0() -> None:
    result = assess()
    assert result.stage is None
    assert set(result.codes(AkiStatus.NOT_ASSESSABLE)) == {
        "creatinine_ratio",
        "creatinine_rise",
        "creatinine_absolute",
        "urine_6h",
        "urine_12h",
        "urine_24h",
        "anuria",
    }


def test_the_stage_is_the_highest_any_criterion_reaches_and_each_names_its_threshold() -> None:
    labs = creatinine(("1.0", ago(30)), ("1.6", ago(1)))
    result = aki_assess(
        record(
            baseline=baseline(creatinine_mg_dl=D("1.0")),
            labs=labs,
            fluids=(urine("100", ago(12), NOW),),
        ),
        at=NOW,
    )
    assert result.stage == 2  # urine 12 h (2) over the ratio (1) and the rise (1)
    assert set(result.codes(AkiStatus.MET)) == {
        "creatinine_ratio",
        "creatinine_rise",
        "urine_6h",
        "urine_12h",
    }
    data = result.to_dict()
    assert data["profile_name"] == DEFAULT_PROFILE.name
    assert all(c["threshold"] for c in data["criteria"])
    ratio = next(c for c in data["criteria"] if c["code"] == "creatinine_ratio")
    assert ratio["value"] == "1.60" and ratio["stage"] == 1


# --- the profile ------------------------------------------------------------------------------
def test_the_thresholds_are_profile_settings() -> None:
    aki = DEFAULT_PROFILE.aki
    stricter = replace(
        DEFAULT_PROFILE,
        aki=replace(
            aki,
            urine_stages=(AkiUrineStage(below_ml_kg_h=D("0.7"), window_hours=6, stage=1),),
            rise_from_mg_dl=D("0.5"),
        ),
    )
    fluids = (urine("250", ago(6), NOW),)  # 0.595 mL/kg/h
    assert assess(fluids=fluids).stage == 0
    assert assess(stricter, fluids=fluids).stage == 1
    labs = creatinine(("1.0", ago(25)), ("1.4", ago(1)))
    at_default = assess(baseline=baseline(creatinine_mg_dl=D("1.0")), labs=labs)
    at_stricter = assess(stricter, baseline=baseline(creatinine_mg_dl=D("1.0")), labs=labs)
    assert (at_default.stage, at_stricter.stage) == (1, 0)


def test_a_stage_outside_kdigo_is_refused() -> None:
    with pytest.raises(ProfileError) as raised:
        profile_with("aki", rise_stage=4)
    assert "rise_stage" in raised.value.errors


def test_the_profile_round_trips_through_json() -> None:
    assert RuleProfile.from_dict(DEFAULT_PROFILE.to_dict()).aki == DEFAULT_PROFILE.aki
