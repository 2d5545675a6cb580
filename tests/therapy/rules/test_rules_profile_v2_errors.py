"""The v2 sections of the rule profile (AKI §3a, pre-check scale 2 §4, monitoring §6, trends
§7) refuse what no rule can use with the exact message under the exact path a site's editor
shows, and accept both allowed edges."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from therapy.rules import DEFAULT_PROFILE, ProfileError, RuleProfile

AKI_SCALARS = (
    "baseline_window_hours",
    "creatinine_max_age_hours",
    "rise_from_mg_dl",
    "rise_window_hours",
    "absolute_from_mg_dl",
    "urine_max_lag_hours",
    "anuria_window_hours",
)
AKI_STAGES = ("rise_stage", "absolute_stage", "anuria_stage", "events_stage")
POSITIVE = "must be positive"
KDIGO = "must be a KDIGO stage: 1, 2 or 3"


def edited(path: str, value: Any) -> dict[str, Any]:
    data = copy.deepcopy(DEFAULT_PROFILE.to_dict())
    *parents, last = path.split(".")
    node: Any = data
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    node[int(last) if last.isdigit() else last] = value
    return data


def errors_of(data: dict[str, Any]) -> dict[str, list[str]]:
    with pytest.raises(ProfileError) as caught:
        RuleProfile.from_dict(data)
    return caught.value.errors


# --- AKI ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", AKI_SCALARS)
def test_every_aki_number_must_be_positive(name: str) -> None:
    assert errors_of(edited(f"aki.{name}", 0)) == {f"aki.{name}": [POSITIVE]}


@pytest.mark.parametrize("name", AKI_STAGES)
@pytest.mark.parametrize(("stage", "messages"), [(0, [POSITIVE, KDIGO]), (4, [KDIGO])])
def test_every_aki_stage_is_a_kdigo_stage(name: str, stage: int, messages: list[str]) -> None:
    assert errors_of(edited(f"aki.{name}", stage)) == {f"aki.{name}": messages}


@pytest.mark.parametrize("stage", [1, 2, 3])
def test_the_kdigo_stages_are_allowed(stage: int) -> None:
    profile = RuleProfile.from_dict(edited("aki.rise_stage", stage))
    assert profile.aki.rise_stage == stage


def test_a_creatinine_row_is_checked_and_named_by_its_place() -> None:
    rows = [{"ratio_from": "1.5", "stage": 1}, {"ratio_from": "0", "stage": 5}]
    assert errors_of(edited("aki.creatinine_stages", rows)) == {
        "aki.creatinine_stages[1].ratio_from": [POSITIVE],
        "aki.creatinine_stages[1].stage": [KDIGO],
    }


def test_a_urine_row_is_checked_and_named_by_its_place() -> None:
    rows = [
        {"below_ml_kg_h": "0.5", "window_hours": 6, "stage": 1},
        {"below_ml_kg_h": "0", "window_hours": 0, "stage": 0},
    ]
    assert errors_of(edited("aki.urine_stages", rows)) == {
        "aki.urine_stages[1].below_ml_kg_h": [POSITIVE],
        "aki.urine_stages[1].window_hours": [POSITIVE],
        "aki.urine_stages[1].stage": [KDIGO],
    }


def test_the_creatinine_table_needs_a_row() -> None:
    assert errors_of(edited("aki.creatinine_stages", [])) == {
        "aki.creatinine_stages": ["needs at least one row"]
    }


# --- pre-check, dosing and monitoring ---------------------------------------------------------
def test_the_scale_2_spo2_bound_is_a_percentage() -> None:
    assert errors_of(edited("precheck.spo2_scale_2_below", 101)) == {
        "precheck.spo2_scale_2_below": ["must be at most 100 %"]
    }
    allowed = RuleProfile.from_dict(edited("precheck.spo2_scale_2_below", 100))
    assert allowed.precheck.spo2_scale_2_below == 100


@pytest.mark.parametrize(
    ("name", "cap"),
    [
        ("min_dose_iu_per_kg", 1_000_000),
        ("max_dose_iu_per_kg", 1_000_000),
        ("min_hours_between_doses", 24),
        ("late_entry_max_minutes", 24 * 60),
        ("course_start_max_past_hours", 7 * 24),
        ("course_start_max_ahead_days", 366),
        ("cycle_2_max_days_after_cycle_1", 366),
    ],
)
def test_every_dosing_cap_is_itself_allowed(name: str, cap: int) -> None:
    data = edited(f"dosing.{name}", cap)
    data["dosing"]["max_dose_iu_per_kg"] = max(cap, data["dosing"]["max_dose_iu_per_kg"])
    if name == "max_dose_iu_per_kg":
        data["dosing"]["min_dose_iu_per_kg"] = 600_000
    assert getattr(RuleProfile.from_dict(data).dosing, name) == cap


@pytest.mark.parametrize(
    ("name", "cap"),
    [("min_dose_iu_per_kg", 1_000_000), ("max_dose_iu_per_kg", 1_000_000)],
)
def test_one_above_a_dose_cap_is_refused(name: str, cap: int) -> None:
    """The other edge of the dose caps (the literal pass moved the minimum's cap up by one)."""
    data = edited(f"dosing.{name}", cap + 1)
    assert f"must be at most {cap}" in " ".join(errors_of(data).get(f"dosing.{name}", []))


def test_predose_urgency_inside_the_window() -> None:
    assert errors_of(edited("monitoring.predose_vitals_urgent_minutes", 121)) == {
        "monitoring.predose_vitals_urgent_minutes": ["must not exceed the window"]
    }


# --- trends -----------------------------------------------------------------------------------
LINE = "trends.lines.0"


@pytest.mark.parametrize(
    ("field", "value", "errors"),
    [
        ("min_points", 1, {"min_points": ["a line needs at least 2 points"]}),
        ("min_span_hours", 13, {"min_span_hours": ["must not exceed window_hours"]}),
        ("min_span_hours", 0, {"min_span_hours": [POSITIVE]}),
        (
            "window_hours",
            0,
            {"window_hours": [POSITIVE], "min_span_hours": ["must not exceed window_hours"]},
        ),
        ("rise_by", "0", {"rise_by": [POSITIVE]}),
        ("baseline_ratio", "-1.5", {"baseline_ratio": [POSITIVE]}),
        ("source", " ", {"source": ["must name the source"]}),
    ],
)
def test_a_trend_line_names_what_is_wrong(
    field: str, value: Any, errors: dict[str, list[str]]
) -> None:
    found = errors_of(edited(f"{LINE}.{field}", value))
    assert found == {f"trends.lines[0].{name}": messages for name, messages in errors.items()}


@pytest.mark.parametrize(
    ("field", "value", "messages"),
    [
        ("horizon_without_dose_hours", 0, [POSITIVE]),
        ("min_lead_minutes", 0, [POSITIVE]),
        ("shift_hours", 0, [POSITIVE]),
        ("shift_hours", 7, ["must divide the day (shifts repeat daily)"]),
        ("shift_first_start_hour", 24, ["must be an hour of the day, 0-23"]),
        ("shift_first_start_hour", -1, ["must be an hour of the day, 0-23"]),
    ],
)
def test_trend_settings_name_what_is_wrong(field: str, value: Any, messages: list[str]) -> None:
    assert errors_of(edited(f"trends.{field}", value)) == {f"trends.{field}": messages}


def test_shifts_may_start_at_midnight() -> None:
    profile = RuleProfile.from_dict(edited("trends.shift_first_start_hour", 0))
    assert profile.trends.shift_first_start_hour == 0


def test_the_trend_table_lists_every_series_once() -> None:
    lines = DEFAULT_PROFILE.to_dict()["trends"]["lines"]
    assert errors_of(edited("trends.lines", lines[2:])) == {
        "trends.lines": ["missing series: systolic_bp, news2_total"]
    }
    assert errors_of(edited("trends.lines", [*lines, lines[1]])) == {
        "trends.lines": ["one line per series"]
    }
