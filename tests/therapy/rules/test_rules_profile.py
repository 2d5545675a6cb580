"""The rule profile: default values as clinical-rules.md states them, JSON round trip, and
strict rejection of unknown, missing and ill-typed keys."""

from __future__ import annotations

import copy
import json
from dataclasses import FrozenInstanceError
from decimal import Decimal
from typing import Any

import pytest

from patients.news2 import News2FrequencyPolicy
from therapy.rules.errors import ProfileError, RuleInputError
from therapy.rules.profile import (
    DEFAULT_PROFILE,
    Action,
    Criterion,
    CriterionCode,
    RuleProfile,
    default_profile,
)

D = Decimal
HOLD, STOP = Action.HOLD, Action.DISCONTINUE
MASKS_AND_PRESSURE = (
    "simple_face_mask", "venturi_mask", "non_rebreather_mask", "cpap", "bipap",
    "mechanical_ventilation",
)  # fmt: skip
STOP_EVENTS = (
    "sustained_vt", "uncontrolled_arrhythmia", "ischemia", "cardiac_tamponade", "intubation",
    "dialysis", "coma", "seizures", "bowel_perforation", "gi_bleed_surgery",
)  # fmt: skip

# clinical-rules.md §4, default profile table: code, action, (low, incl), (high, incl),
# events, devices, source, enabled.
SPEC_CRITERIA: list[tuple[Any, ...]] = [
    ("sbp_lt_90", HOLD, None, (90, False), (), (), "label [S1]", True),
    ("spo2_lt_90", HOLD, None, (90, False), (), (), "label [S1]", True),
    ("mental_status_change", HOLD, None, None, ("mental_status_change",), (), "label [S1]", True),
    ("arrhythmia", HOLD, None, None, ("atrial_fibrillation", "svt", "bradycardia"), (),
     "label [S1]", True),
    ("fobt_positive", HOLD, None, None, (), (), "label [S1]", True),
    ("hr_100_130", HOLD, (100, True), (130, True), (), (), "consensus [S6]", True),
    ("hr_gt_130", STOP, (130, False), None, (), (), "consensus [S6]", True),
    ("weight_gain_gt_15pct", HOLD, (15, False), None, (), (), "[S6], [S7]", True),
    ("urine_80_160_per_8h", HOLD, (80, True), (160, True), (), (), "[S6]", True),
    ("urine_lt_80_per_8h", STOP, None, (80, False), (), (), "[S6]", True),
    ("creatinine_2_5_to_2_9", HOLD, ("2.5", True), ("3.0", False), (), (), "[S6], [S8]", True),
    ("creatinine_ge_3", STOP, ("3.0", True), None, (), (), "[S6]", True),
    ("oxygen_3_to_4_l", HOLD, (3, True), (4, True), (), (), "[S6]", True),
    ("oxygen_gt_4_l", STOP, (4, False), None, (), MASKS_AND_PRESSURE, "[S6]", True),
    ("platelets_30_to_50", HOLD, (30, True), (50, True), (), (), "[S6]", True),
    ("platelets_lt_30", STOP, None, (30, False), (), (), "[S6]", True),
    ("bilirubin_gt_7", HOLD, (7, False), None, (), (), "[S6]", True),
    ("bicarbonate_le_18", STOP, None, (18, True), (), (), "[S6]", True),
    ("phenylephrine_at_dose", HOLD, ("0.5", False), ("0.8", True), (), (), "[S6]", True),
    ("phenylephrine_at_dose", STOP, ("0.8", False), None, (), (), "[S6]", True),
    ("infection", STOP, None, None, ("infection_suspected",), (), "[S6]", True),
    ("permanent_stop_event", STOP, None, None, STOP_EVENTS, (), "label [S1], [S2]", True),
    ("three_relative_criteria", STOP, (3, True), None, (), (), "[S7]", False),
    ("three_held_doses", STOP, (3, True), None, (), (), "[S7]", False),
    ("vasopressor_at_dose", HOLD, None, None, (), (), "[S6] table 2, [S7], [S8]", True),  # v2
]  # fmt: skip


def _bound(value: Any) -> tuple[Decimal | None, bool]:
    return (None, True) if value is None else (D(str(value[0])), value[1])


@pytest.mark.parametrize(
    "row", [pytest.param(row, id=f"{row[0]}-{row[1]}") for row in SPEC_CRITERIA]
)
def test_default_criteria_are_the_spec_table(row: tuple[Any, ...]) -> None:
    code, action, low, high, events, devices, source, enabled = row
    matches = [
        c for c in DEFAULT_PROFILE.precheck.criteria if c.code == code and c.action is action
    ]
    assert len(matches) == 1
    criterion = matches[0]
    assert (criterion.low, criterion.low_inclusive) == _bound(low)
    assert (criterion.high, criterion.high_inclusive) == _bound(high)
    assert criterion.events == events
    assert criterion.devices == devices
    assert criterion.source == source
    assert criterion.enabled is enabled


def test_default_criteria_rows_are_exactly_the_table() -> None:
    rows = [(c.code.value, c.action) for c in DEFAULT_PROFILE.precheck.criteria]
    assert rows == [(row[0], row[1]) for row in SPEC_CRITERIA]


def test_default_profile_values() -> None:
    profile = default_profile()
    assert (profile.name, profile.version) == ("label-2024+consensus-2014", "1")
    assert profile.news2 == News2FrequencyPolicy(240, 15)
    crs = profile.crs
    assert (crs.fever_c, crs.fever_window_hours, crs.masking_window_hours) == (D("38.0"), 24, 24)
    assert crs.masking_categories == ("antipyretic", "anticytokine", "corticosteroid")
    assert crs.hypotension_sbp_below == 90
    vls = profile.vls
    assert (vls.lookback_hours, vls.hypotension_sbp_below, vls.weight_gain_pct) == (24, 90, 5)
    assert (vls.urine_window_hours, vls.urine_min_recorded_hours) == (8, 8)
    assert (vls.urine_below_ml, vls.urine_below_ml_kg_h) == (80, D("0.5"))
    assert (vls.hypoxia_spo2_below, vls.hypoxia_oxygen_from_l_min) == (90, 3)
    assert (vls.creatinine_ratio_from, vls.creatinine_from_mg_dl) == (D("1.5"), D("2.5"))
    assert (vls.albumin_below_g_dl, vls.edema_grade_from) == (D("3.0"), 2)
    assert (
        vls.suspected_min_other_signs,
        vls.critical_min_other_signs,
        vls.critical_vasopressor_min_other_signs,
    ) == (1, 3, 1)
    pre = profile.precheck
    assert (pre.vitals_max_age_minutes, pre.lab_max_age_hours, pre.weight_max_age_hours) == (
        120,
        24,
        24,
    )
    assert (pre.fluid_window_hours, pre.urine_min_recorded_hours) == (8, 8)
    dosing = profile.dosing
    assert (dosing.min_dose_iu_per_kg, dosing.max_dose_iu_per_kg) == (600_000, 600_000)
    assert (dosing.min_hours_between_doses, dosing.late_entry_max_minutes) == (7, 60)
    assert (dosing.course_start_max_past_hours, dosing.course_start_max_ahead_days) == (24, 30)
    assert dosing.cycle_2_max_days_after_cycle_1 == 28
    assert profile == DEFAULT_PROFILE


def test_profile_is_frozen() -> None:
    with pytest.raises(FrozenInstanceError):
        DEFAULT_PROFILE.name = "changed"  # type: ignore[misc]


def test_json_round_trip() -> None:
    data = DEFAULT_PROFILE.to_dict()
    text = json.dumps(data)
    assert RuleProfile.from_dict(json.loads(text)) == DEFAULT_PROFILE
    assert data["crs"]["fever_c"] == "38.0"
    assert data["precheck"]["criteria"][0] == {
        "code": "sbp_lt_90",
        "action": "hold",
        "source": "label [S1]",
        "enabled": True,
        "low": None,
        "low_inclusive": True,
        "high": "90",
        "high_inclusive": False,
        "events": [],
        "devices": [],
    }


def test_decimals_may_be_json_numbers() -> None:
    data = DEFAULT_PROFILE.to_dict()
    data["crs"]["fever_c"] = 38.3
    data["vls"]["weight_gain_pct"] = 6
    profile = RuleProfile.from_dict(data)
    assert profile.crs.fever_c == D("38.3") and profile.vls.weight_gain_pct == D(6)


def edited(path: str, value: Any = None, *, delete: bool = False) -> dict[str, Any]:
    data = copy.deepcopy(DEFAULT_PROFILE.to_dict())
    *parents, last = path.split(".")
    node: Any = data
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    if delete:
        del node[last]
    else:
        node[int(last) if last.isdigit() else last] = value
    return data


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        (edited("surprise", 1), {"surprise": ["unknown key"]}),
        (edited("vls.bogus", 1), {"vls.bogus": ["unknown key"]}),
        (edited("precheck.criteria.0.colour", "red"),
         {"precheck.criteria[0].colour": ["unknown key"]}),
        (edited("name", delete=True), {"name": ["missing key"]}),
        (edited("crs.fever_c", delete=True), {"crs.fever_c": ["missing key"]}),
        (edited("precheck.criteria.3.enabled", delete=True),
         {"precheck.criteria[3].enabled": ["missing key"]}),
        (edited("crs.fever_window_hours", "24"),
         {"crs.fever_window_hours": ["expected a whole number, got str '24'"]}),
        (edited("crs.fever_window_hours", 24.0),
         {"crs.fever_window_hours": ["expected a whole number, got float 24.0"]}),
        (edited("crs.fever_window_hours", True),
         {"crs.fever_window_hours": ["expected a whole number, got bool True"]}),
        (edited("crs.fever_c", True),
         {"crs.fever_c": ["expected a decimal number (string or number), got bool True"]}),
        (edited("crs.fever_c", "hot"),
         {"crs.fever_c": ["expected a decimal number (string or number), got str 'hot'"]}),
        (edited("crs.fever_c", "NaN"),
         {"crs.fever_c": ["expected a decimal number (string or number), got str 'NaN'"]}),
        (edited("crs.fever_c", None),
         {"crs.fever_c": ["expected a decimal number (string or number), got null None"]}),
        (edited("crs.fever_c", [38]),
         {"crs.fever_c": ["expected a decimal number (string or number), got list [38]"]}),
        (edited("name", 7), {"name": ["expected a string, got int 7"]}),
        (edited("precheck.criteria.0.enabled", "yes"),
         {"precheck.criteria[0].enabled": ["expected true or false, got str 'yes'"]}),
        (edited("precheck.criteria.0.action", "stop"),
         {"precheck.criteria[0].action": ["expected one of hold, discontinue; got 'stop'"]}),
        (edited("crs.masking_categories", ["antipyretic", "aspirin"]),
         {"crs.masking_categories[1]": [
             "expected one of antipyretic, anticytokine, corticosteroid, antiemetic, other; "
             "got 'aspirin'"]}),
        (edited("crs.masking_categories", "antipyretic"),
         {"crs.masking_categories": ["expected a list, got str"]}),
        (edited("vls", []), {"vls": ["expected an object, got list"]}),
        (edited("precheck.criteria.1", "sbp"),
         {"precheck.criteria[1]": ["expected an object, got str"]}),
    ],
)  # fmt: skip
def test_ill_formed_json_is_rejected_by_path(data: Any, errors: dict[str, list[str]]) -> None:
    with pytest.raises(ProfileError) as caught:
        RuleProfile.from_dict(data)
    assert caught.value.errors == errors


def test_every_problem_is_reported_at_once() -> None:
    data = edited("vls.bogus", 1)
    data["crs"]["fever_c"] = "x"
    del data["precheck"]["lab_max_age_hours"]
    data["news2"]["high_total_interval_minutes"] = 0
    with pytest.raises(ProfileError) as caught:
        RuleProfile.from_dict(data)
    assert set(caught.value.errors) == {
        "vls.bogus",
        "crs.fever_c",
        "precheck.lab_max_age_hours",
        "news2",
    }
    assert isinstance(caught.value, RuleInputError) and isinstance(caught.value, ValueError)


def test_non_object_profile_is_rejected() -> None:
    with pytest.raises(ProfileError) as caught:
        RuleProfile.from_dict([1, 2])
    assert caught.value.errors == {"profile": ["expected an object, got list"]}


@pytest.mark.parametrize(
    ("path", "value", "errors"),
    [
        ("name", "  ", {"name": ["must not be blank"]}),
        ("version", "", {"version": ["must not be blank"]}),
        ("crs.fever_window_hours", 0, {"crs.fever_window_hours": ["must be positive"]}),
        ("crs.fever_c", "-1", {"crs.fever_c": ["must be positive"]}),
        ("vls.urine_min_recorded_hours", 9,
         {"vls.urine_min_recorded_hours": ["must not exceed urine_window_hours"]}),
        ("vls.edema_grade_from", 0, {"vls.edema_grade_from": ["must be positive"]}),
        ("precheck.urine_min_recorded_hours", 9,
         {"precheck.urine_min_recorded_hours": ["must not exceed fluid_window_hours"]}),
        ("precheck.vitals_max_age_minutes", -5,
         {"precheck.vitals_max_age_minutes": ["must be positive"]}),
        ("dosing.max_dose_iu_per_kg", 0, {"dosing.max_dose_iu_per_kg": ["must be positive"]}),
        ("dosing.max_dose_iu_per_kg", 599_999,
         {"dosing.min_dose_iu_per_kg": ["must not exceed max_dose_iu_per_kg"]}),
        ("dosing.max_dose_iu_per_kg", 1_000_001,
         {"dosing.max_dose_iu_per_kg": ["must be at most 1000000"]}),
        ("dosing.min_hours_between_doses", 25,
         {"dosing.min_hours_between_doses": ["must be at most 24"]}),
        ("dosing.late_entry_max_minutes", 24 * 60 + 1,
         {"dosing.late_entry_max_minutes": ["must be at most 1440"]}),
        ("dosing.course_start_max_past_hours", 169,
         {"dosing.course_start_max_past_hours": ["must be at most 168"]}),
        ("dosing.course_start_max_ahead_days", 10**9,
         {"dosing.course_start_max_ahead_days": ["must be at most 366"]}),
        ("dosing.cycle_2_max_days_after_cycle_1", 367,
         {"dosing.cycle_2_max_days_after_cycle_1": ["must be at most 366"]}),
        ("dosing.min_hours_between_doses", "7",
         {"dosing.min_hours_between_doses": ["expected a whole number, got str '7'"]}),
        ("news2.low_total_interval_minutes", 30,
         {"news2": ["low_total_interval_minutes must be between 60 and 720 minutes."]}),
        ("precheck.criteria.0.low", "95",
         {"precheck.criteria[0].high": ["must not be below low"]}),
        ("precheck.criteria.0.high", None,
         {"precheck.criteria[0].low": ["sbp_lt_90 needs a low or a high bound"]}),
        ("precheck.criteria.3.low", "1",
         {"precheck.criteria[3].low": ["arrhythmia takes no bounds"]}),
        ("precheck.criteria.4.high", "1",
         {"precheck.criteria[4].low": ["fobt_positive takes no bounds"]}),
        ("precheck.criteria.3.events", [],
         {"precheck.criteria[3].events": ["arrhythmia needs at least one event"]}),
        ("precheck.criteria.0.source", " ",
         {"precheck.criteria[0].source": ["must name the source"]}),
    ],
)  # fmt: skip
def test_values_no_rule_can_use_are_rejected(
    path: str, value: Any, errors: dict[str, list[str]]
) -> None:
    with pytest.raises(ProfileError) as caught:
        RuleProfile.from_dict(edited(path, value))
    assert caught.value.errors == errors


def test_a_criterion_is_disabled_never_left_out() -> None:
    data = copy.deepcopy(DEFAULT_PROFILE.to_dict())
    data["precheck"]["criteria"] = [
        row for row in data["precheck"]["criteria"] if row["code"] not in ("infection", "sbp_lt_90")
    ]
    with pytest.raises(ProfileError) as caught:
        RuleProfile.from_dict(data)
    assert caught.value.errors == {"precheck.criteria": ["missing criteria: sbp_lt_90, infection"]}


def test_bounds_equal_are_allowed_and_contain_checks_inclusivity() -> None:
    criterion = Criterion(CriterionCode.HR_100_130, HOLD, "s", low=D(100), high=D(100))
    assert criterion.contains(D(100))
    open_low = Criterion(CriterionCode.HR_GT_130, STOP, "s", low=D(130), low_inclusive=False)
    assert not open_low.contains(D(130)) and open_low.contains(D("130.01"))
    assert not open_low.contains(D(129))
    closed_high = Criterion(CriterionCode.SBP_LT_90, HOLD, "s", high=D(90))
    assert closed_high.contains(D(90)) and not closed_high.contains(D("90.01"))


def test_direct_construction_is_checked_too() -> None:
    with pytest.raises(ProfileError) as caught:
        Criterion(CriterionCode.SBP_LT_90, HOLD, "", low=D(5), high=D(1))
    assert caught.value.errors == {
        "high": ["must not be below low"],
        "source": ["must name the source"],
    }


SECTION_NUMBERS = [
    (section, name)
    for section in ("crs", "vls", "precheck", "dosing")
    for name, value in DEFAULT_PROFILE.to_dict()[section].items()
    if not isinstance(value, (bool, list))
]


@pytest.mark.parametrize(("section", "name"), SECTION_NUMBERS)
def test_every_number_must_be_positive(section: str, name: str) -> None:
    with pytest.raises(ProfileError) as caught:
        RuleProfile.from_dict(edited(f"{section}.{name}", 0))
    assert caught.value.errors[f"{section}.{name}"] == ["must be positive"]


def test_optional_field_errors_keep_their_path() -> None:
    with pytest.raises(ProfileError) as caught:
        RuleProfile.from_dict(edited("precheck.criteria.0.high", "ninety"))
    assert caught.value.errors == {
        "precheck.criteria[0].high": [
            "expected a decimal number (string or number), got str 'ninety'"
        ]
    }


def test_error_text_lists_every_message() -> None:
    error = RuleInputError({"a": ["first", "second"], "b": ["third"]})
    assert str(error) == "a: first; a: second; b: third"
    assert str(RuleInputError({})) == "invalid input"
