"""Details of the v2 rules a clinician or the API reads, each pinned exactly: the provisional
pre-check and its current picture (§4 (v2)), the vasopressor and urine findings' words, the
SpO2 scale-2 bound against a site's inclusive criterion, the CRS comfort-oxygen reason, the
record inputs' v2 fields and ids, urine output arithmetic at its edges, and the course-start
message's hours."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from tests.support.rules_factories import (
    NOW,
    ago,
    baseline,
    profile_with,
    record,
    urine,
    vitals,
)
from therapy.rules.crs import crs_assess
from therapy.rules.errors import RuleInputError
from therapy.rules.inputs import (
    ClinicalEvent,
    DoseRecord,
    FluidEntry,
    LabResult,
    PatientBaseline,
    SkippedRecord,
    SupportiveMedication,
    VitalsSet,
)
from therapy.rules.precheck import CriterionStatus, Recommendation, precheck_dose
from therapy.rules.profile import DEFAULT_PROFILE, CriterionCode
from therapy.rules.schedule import course_start_errors
from therapy.rules.windows import UrineOutput, hours

D = Decimal
H = timedelta(hours=1)
RECORD_ID = "must be a string (the stored row's id) or None"


def finding(result: Any, code: str) -> Any:
    (found,) = [f for f in result.findings if f.code == code]
    return found


# --- the provisional pre-check (§4 (v2)) ----------------------------------------------------
def test_a_check_made_before_the_window_is_provisional_and_shows_the_current_picture() -> None:
    # Checked at 12:00 for a dose at 15:00 (the window opens at 13:00); SBP 83 now; no labs.
    rec = record(vitals=(vitals(systolic_bp=83),), labs=())
    result = precheck_dose(rec, cycle=1, dose_number=4, scheduled_at=NOW + 3 * H, at=NOW)

    data = result.to_dict()

    assert (data["provisional"], data["final_at"]) == (True, (NOW + H).isoformat())
    picture = result.current_picture
    assert picture is not None and picture.scheduled_at == NOW  # "were the dose due now"
    assert data["current_picture"] == {
        "recommendation": "hold",
        "criteria": [f.to_dict() for f in picture.criteria],
        "not_assessed": [f.to_dict() for f in picture.not_assessed],
        "vitals_stale": False,
        "vitals_note": "",
        "as_of": NOW.isoformat(),
    }
    assert [c["code"] for c in data["current_picture"]["criteria"]] == ["sbp_lt_90"]
    assert data["current_picture"]["criteria"][0]["value"] == 83
    assert [c["code"] for c in data["current_picture"]["not_assessed"]] == [
        "fobt_positive",
        "creatinine_2_5_to_2_9",
        "creatinine_ge_3",
        "platelets_30_to_50",
        "platelets_lt_30",
        "bilirubin_gt_7",
        "bicarbonate_le_18",
    ]
    # The check itself cannot use vitals taken 3.5 h before the dose.
    assert (data["recommendation"], data["vitals_stale"]) == ("insufficient_data", True)


def test_the_current_picture_of_stale_vitals_says_why() -> None:
    rec = record(vitals=(vitals(ago(3)),))
    picture = precheck_dose(
        rec, cycle=1, dose_number=4, scheduled_at=NOW + 3 * H, at=NOW
    ).to_dict()["current_picture"]
    assert (picture["recommendation"], picture["vitals_stale"]) == ("insufficient_data", True)
    assert picture["vitals_note"] == (
        f"latest vitals ({ago(3).isoformat()}) are older than 120 min before the dose"
    )


@pytest.mark.parametrize(
    ("at", "provisional"),
    [(NOW - 2 * H - timedelta(microseconds=1), True), (NOW - 2 * H, False), (NOW, False)],
)
def test_a_check_from_the_windows_first_instant_is_final(at: datetime, provisional: bool) -> None:
    result = precheck_dose(record(), cycle=1, dose_number=4, scheduled_at=NOW, at=at)
    assert result.provisional is provisional
    assert (result.current_picture is not None) is provisional
    assert (result.to_dict()["current_picture"] is not None) is provisional


def three_held(*held: int) -> Any:
    """A site that discontinues at the third held dose of a cycle, counting this one."""
    criteria = tuple(
        replace(c, enabled=True) if c.code is CriterionCode.THREE_HELD_DOSES else c
        for c in DEFAULT_PROFILE.precheck.criteria
    )
    profile = profile_with("precheck", criteria=criteria)
    doses = tuple(
        DoseRecord(cycle=1, number=n, scheduled_at=ago(8 * (5 - n)), status="held") for n in held
    )
    rec = record(vitals=(vitals(systolic_bp=83),), doses=doses)
    result = precheck_dose(
        rec, cycle=1, dose_number=5, scheduled_at=NOW + 3 * H, at=NOW, profile=profile
    )
    assert result.current_picture is not None
    return result.current_picture.recommendation


def test_the_current_picture_counts_the_held_doses_of_this_cycle_with_the_sites_profile() -> None:
    assert three_held(1, 2) is Recommendation.DISCONTINUE  # two held before, this one the third
    assert three_held(1, 5) is Recommendation.HOLD  # this dose's own hold is not counted twice


# --- findings' words --------------------------------------------------------------------------
def check_now(rec: Any, profile: Any = DEFAULT_PROFILE) -> Any:
    return precheck_dose(rec, cycle=1, dose_number=5, scheduled_at=NOW, at=NOW, profile=profile)


def test_the_other_vasopressors_running_are_named() -> None:
    pressors = (
        {"agent": "norepinephrine", "dose": "0.05", "dose_unit": "mcg/kg/min"},
        {"agent": "phenylephrine", "dose": "0.5", "dose_unit": "mcg/kg/min"},
        {"agent": "vasopressin", "dose": "0.03", "dose_unit": "units/min"},
    )
    running = check_now(record(vitals=(vitals(vasopressors=pressors),)))
    none = check_now(record())
    assert finding(running, "vasopressor_at_dose").value == "norepinephrine, vasopressin"
    assert finding(none, "vasopressor_at_dose").value == "none"


def test_a_urine_finding_not_assessable_names_the_entries_not_counted() -> None:
    typo = FluidEntry("output", "urine", D(50), ago(2), ago(2) + timedelta(seconds=20))  # type: ignore[arg-type]
    found = finding(
        check_now(record(fluids=(urine(100, ago(3), NOW), typo))), "urine_80_160_per_8h"
    )
    assert found.status is CriterionStatus.NOT_ASSESSABLE
    assert (
        found.note
        == "only 3.0 h of urine output recorded; 8 h needed; 1 urine entry(ies) not counted"
    )


def test_on_scale_2_the_bound_is_strict_even_where_the_site_made_spo2_inclusive() -> None:
    # A site holding at SpO2 <= 90 on scale 1; on scale 2 the bound is "below 88" (§4 (v2)).
    criteria = tuple(
        replace(c, high_inclusive=True) if c.code is CriterionCode.SPO2_LT_90 else c
        for c in DEFAULT_PROFILE.precheck.criteria
    )
    profile = profile_with("precheck", criteria=criteria)
    scale_1 = check_now(record(vitals=(vitals(spo2=90),)), profile)
    scale_2 = check_now(record(baseline=baseline(spo2_scale=2), vitals=(vitals(spo2=88),)), profile)
    assert finding(scale_1, "spo2_lt_90").status is CriterionStatus.MET
    assert finding(scale_2, "spo2_lt_90").status is CriterionStatus.NOT_MET
    assert finding(scale_2, "spo2_lt_90").threshold == "SpO2 < 88 % (SpO2 scale 2)"


def test_the_crs_reason_says_the_oxygen_is_for_comfort() -> None:
    comfort = vitals(
        temperature_c=D("38.5"),
        oxygen_device="nasal_cannula",
        oxygen_flow_l_min=D("2"),
        oxygen_for_comfort=True,
    )
    result = crs_assess(record(vitals=(comfort,), medications=()), at=NOW)
    assert "Oxygen: nasal_cannula at 2 L/min for comfort only (not hypoxia): hypoxia grade 0." in (
        result.reasons
    )


# --- inputs -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "build",
    [
        lambda rid: VitalsSet(taken_at=NOW, record_id=rid),
        lambda rid: LabResult("creatinine", D("1.0"), NOW, record_id=rid),
        lambda rid: SupportiveMedication("antipyretic", NOW, record_id=rid),
        lambda rid: ClinicalEvent("atrial_fibrillation", NOW, record_id=rid),
        lambda rid: DoseRecord(cycle=1, number=1, scheduled_at=NOW, record_id=rid),
        lambda rid: FluidEntry("output", "urine", D(1), ago(1), NOW, record_id=rid),
    ],
    ids=["vitals", "lab", "medication", "event", "dose", "fluid"],
)
def test_every_record_id_is_the_stored_rows_string_id(build: Any) -> None:
    assert build("row-7").record_id == "row-7"
    with pytest.raises(RuleInputError) as caught:
        build(7)
    assert caught.value.errors == {"record_id": [RECORD_ID]}


def test_oxygen_for_comfort_must_be_a_boolean() -> None:
    with pytest.raises(RuleInputError) as caught:
        VitalsSet(taken_at=NOW, oxygen_for_comfort="yes")  # type: ignore[arg-type]
    assert caught.value.errors == {"oxygen_for_comfort": ["must be true or false"]}


def test_a_skipped_record_is_named_by_strings() -> None:
    with pytest.raises(RuleInputError) as caught:
        SkippedRecord("labs", 17, None)  # type: ignore[arg-type]
    assert caught.value.errors == {"id": ["must be a string"], "reason": ["must be a string"]}


@pytest.mark.parametrize(
    ("kg", "ok"),
    [("19.99", False), ("20", True), ("300", True), ("300.01", False)],
)
def test_the_dosing_weight_edges(kg: str, ok: bool) -> None:
    if ok:
        assert PatientBaseline(weight_kg=D(70), dosing_weight_kg=D(kg)).dosing_weight_kg == D(kg)
        return
    with pytest.raises(RuleInputError) as caught:
        PatientBaseline(weight_kg=D(70), dosing_weight_kg=D(kg))
    assert caught.value.errors == {"dosing_weight_kg": ["must be between 20 and 300 kg"]}


def test_the_dosing_weight_is_read_as_a_decimal() -> None:
    assert PatientBaseline(weight_kg=D(70), dosing_weight_kg=80.5).dosing_weight_kg == D("80.5")  # type: ignore[arg-type]
    with pytest.raises(RuleInputError) as caught:
        PatientBaseline(weight_kg=D(70), dosing_weight_kg="heavy")  # type: ignore[arg-type]
    assert list(caught.value.errors) == ["dosing_weight_kg"]


def test_durations_are_exact_to_the_microsecond_at_any_length() -> None:
    # 200 000 days and 1 µs: more microseconds than a float holds exactly (2**53).
    span = timedelta(days=200_000, microseconds=1)
    assert hours(span) == D(17_280_000_000_000_001) / D(3_600_000_000)
    assert hours(timedelta(minutes=90)) == D("1.5")


# --- urine output arithmetic at its edges -----------------------------------------------------
def output(recorded_hours: str, volume: str = "10") -> UrineOutput:
    return UrineOutput(ago(8), NOW, D(volume), D(recorded_hours), NOW)


def test_one_hour_recorded_is_enough_for_a_one_hour_minimum() -> None:
    assert output("1").assessable(1) is True
    assert output("0.99").assessable(1) is False
    assert output("0").assessable(0) is False  # never with nothing recorded


def test_one_recorded_hour_is_scaled_to_the_window() -> None:
    assert output("1").ml_per_window() == D(80)  # 10 mL in 1 h of an 8 h window
    assert output("0").ml_per_window() == D(0)


@pytest.mark.parametrize(
    ("recorded", "weight", "rate"),
    [("1", "20", D("0.5")), ("2", "1", D(5)), ("0", "70", D(0)), ("1", "0", D(0))],
)
def test_ml_per_kg_per_hour(recorded: str, weight: str, rate: Decimal) -> None:
    assert output(recorded).ml_per_kg_per_hour(D(weight)) == rate


# --- the course-start message -----------------------------------------------------------------
@pytest.mark.parametrize(("past", "words"), [(1, "1 hour"), (2, "2 hours"), (24, "24 hours")])
def test_the_course_start_message_counts_its_hours(past: int, words: str) -> None:
    settings = replace(DEFAULT_PROFILE.dosing, course_start_max_past_hours=past)
    start = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    errors = course_start_errors(
        cycle_1_start=start - timedelta(hours=past + 1),
        cycle_2_start=None,
        now=start,
        settings=settings,
    )
    assert errors == {
        "cycle_1_start": [
            f"must be no more than {words} in the past and no more than 30 days ahead"
        ]
    }
