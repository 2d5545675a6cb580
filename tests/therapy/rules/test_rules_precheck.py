"""Pre-dose check (clinical-rules.md §4): both edges of every criterion of the default
profile, the recommendation order, stale vitals, data windows and the optional site rules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from tests.support.rules_factories import (
    NOW,
    ago,
    event,
    lab,
    labs,
    profile_with,
    record,
    urine,
    vitals,
)
from therapy.rules.inputs import DoseRecord, PatientRecord, contract_value
from therapy.rules.precheck import (
    CriterionStatus,
    PrecheckResult,
    Recommendation,
    describe,
    precheck_dose,
)
from therapy.rules.profile import (
    MEASURE_BY_CODE,
    Action,
    Criterion,
    CriterionCode,
    RuleProfile,
    default_profile,
)

D = Decimal
MET, NOT_MET, NA = CriterionStatus.MET, CriterionStatus.NOT_MET, CriterionStatus.NOT_ASSESSABLE
HOLD, STOP = Action.HOLD, Action.DISCONTINUE


def check(
    rec: PatientRecord | None = None,
    *,
    at: Any = NOW,
    scheduled_at: Any = NOW,
    profile: RuleProfile | None = None,
    cycle: int = 1,
    dose_number: int = 5,
) -> PrecheckResult:
    return precheck_dose(
        rec or record(),
        cycle=cycle,
        dose_number=dose_number,
        scheduled_at=scheduled_at,
        at=at,
        profile=profile or default_profile(),
    )


def status_of(result: PrecheckResult, code: str, action: Action) -> CriterionStatus:
    found = [f for f in result.findings if f.code == code and f.action is action]
    assert len(found) == 1, found
    return found[0].status


def with_vitals(**changes: Any) -> PatientRecord:
    return record(vitals=(vitals(**changes),))


def pe(dose: str, unit: str = "mcg/kg/min") -> dict[str, str]:
    return {"agent": "phenylephrine", "dose": dose, "dose_unit": unit}


def with_urine(volume: str) -> PatientRecord:
    return record(fluids=(urine(volume, ago(8), NOW),))


def with_labs(**changes: Any) -> PatientRecord:
    return record(labs=labs(**changes))


def with_pe(dose: str) -> PatientRecord:
    return with_vitals(vasopressors=(pe(dose),))


def with_pressor(agent: str, dose: str, unit: str = "mcg/kg/min") -> PatientRecord:
    return with_vitals(vasopressors=({"agent": agent, "dose": dose, "dose_unit": unit},))


def with_event(code: str) -> PatientRecord:
    return record(events=(event(code),))


# (id, record, criterion code, action, expected status): both edges of every criterion.
Case = tuple[str, Callable[[], PatientRecord], str, Action, CriterionStatus]
EDGES: list[Case] = [
    ("sbp-89", lambda: with_vitals(systolic_bp=89), "sbp_lt_90", HOLD, MET),
    ("sbp-90", lambda: with_vitals(systolic_bp=90), "sbp_lt_90", HOLD, NOT_MET),
    ("spo2-89", lambda: with_vitals(spo2=89), "spo2_lt_90", HOLD, MET),
    ("spo2-90", lambda: with_vitals(spo2=90), "spo2_lt_90", HOLD, NOT_MET),
    ("voice", lambda: with_vitals(consciousness="voice"), "mental_status_change", HOLD, MET),
    (
        "new-confusion",
        lambda: with_vitals(consciousness="new_confusion"),
        "mental_status_change",
        HOLD,
        MET,
    ),
    ("alert", lambda: with_vitals(consciousness="alert"), "mental_status_change", HOLD, NOT_MET),
    ("msc-event", lambda: with_event("mental_status_change"), "mental_status_change", HOLD, MET),
    ("af", lambda: with_event("atrial_fibrillation"), "arrhythmia", HOLD, MET),
    ("svt", lambda: with_event("svt"), "arrhythmia", HOLD, MET),
    ("brady", lambda: with_event("bradycardia"), "arrhythmia", HOLD, MET),
    ("no-event", record, "arrhythmia", HOLD, NOT_MET),
    ("fobt-pos", lambda: with_labs(fobt="positive"), "fobt_positive", HOLD, MET),
    ("fobt-neg", lambda: with_labs(fobt="negative"), "fobt_positive", HOLD, NOT_MET),
    ("hr-99", lambda: with_vitals(heart_rate=99), "hr_100_130", HOLD, NOT_MET),
    ("hr-100", lambda: with_vitals(heart_rate=100), "hr_100_130", HOLD, MET),
    ("hr-130", lambda: with_vitals(heart_rate=130), "hr_100_130", HOLD, MET),
    ("hr-131-hold", lambda: with_vitals(heart_rate=131), "hr_100_130", HOLD, NOT_MET),
    ("hr-130-stop", lambda: with_vitals(heart_rate=130), "hr_gt_130", STOP, NOT_MET),
    ("hr-131", lambda: with_vitals(heart_rate=131), "hr_gt_130", STOP, MET),
    ("wt-15.0", lambda: with_vitals(weight_kg=D("80.5")), "weight_gain_gt_15pct", HOLD, NOT_MET),
    ("wt-15.01", lambda: with_vitals(weight_kg=D("80.51")), "weight_gain_gt_15pct", HOLD, MET),
    ("uo-79-hold", lambda: with_urine("79"), "urine_80_160_per_8h", HOLD, NOT_MET),
    ("uo-80", lambda: with_urine("80"), "urine_80_160_per_8h", HOLD, MET),
    ("uo-160", lambda: with_urine("160"), "urine_80_160_per_8h", HOLD, MET),
    ("uo-161", lambda: with_urine("161"), "urine_80_160_per_8h", HOLD, NOT_MET),
    ("uo-79", lambda: with_urine("79"), "urine_lt_80_per_8h", STOP, MET),
    ("uo-80-stop", lambda: with_urine("80"), "urine_lt_80_per_8h", STOP, NOT_MET),
    ("cr-2.49", lambda: with_labs(creatinine="2.49"), "creatinine_2_5_to_2_9", HOLD, NOT_MET),
    ("cr-2.5", lambda: with_labs(creatinine="2.5"), "creatinine_2_5_to_2_9", HOLD, MET),
    ("cr-2.99", lambda: with_labs(creatinine="2.99"), "creatinine_2_5_to_2_9", HOLD, MET),
    ("cr-3.0-hold", lambda: with_labs(creatinine="3.0"), "creatinine_2_5_to_2_9", HOLD, NOT_MET),
    ("cr-2.99-stop", lambda: with_labs(creatinine="2.99"), "creatinine_ge_3", STOP, NOT_MET),
    ("cr-3.0", lambda: with_labs(creatinine="3.0"), "creatinine_ge_3", STOP, MET),
    ("o2-2.9", lambda: with_vitals(oxygen_device="nasal_cannula", oxygen_flow_l_min=D("2.9")),
     "oxygen_3_to_4_l", HOLD, NOT_MET),
    ("o2-3", lambda: with_vitals(oxygen_device="nasal_cannula", oxygen_flow_l_min=D(3)),
     "oxygen_3_to_4_l", HOLD, MET),
    ("o2-4", lambda: with_vitals(oxygen_device="nasal_cannula", oxygen_flow_l_min=D(4)),
     "oxygen_3_to_4_l", HOLD, MET),
    ("o2-4.1-hold", lambda: with_vitals(oxygen_device="nasal_cannula", oxygen_flow_l_min=D("4.1")),
     "oxygen_3_to_4_l", HOLD, NOT_MET),
    ("o2-4-stop", lambda: with_vitals(oxygen_device="nasal_cannula", oxygen_flow_l_min=D(4)),
     "oxygen_gt_4_l", STOP, NOT_MET),
    ("o2-4.1", lambda: with_vitals(oxygen_device="nasal_cannula", oxygen_flow_l_min=D("4.1")),
     "oxygen_gt_4_l", STOP, MET),
    ("hfnc", lambda: with_vitals(oxygen_device="high_flow_nasal_cannula", oxygen_flow_l_min=D(30)),
     "oxygen_gt_4_l", STOP, MET),
    ("room-air", record, "oxygen_gt_4_l", STOP, NOT_MET),
    ("plt-29", lambda: with_labs(platelets="29"), "platelets_30_to_50", HOLD, NOT_MET),
    ("plt-30", lambda: with_labs(platelets="30"), "platelets_30_to_50", HOLD, MET),
    ("plt-50", lambda: with_labs(platelets="50"), "platelets_30_to_50", HOLD, MET),
    ("plt-51", lambda: with_labs(platelets="51"), "platelets_30_to_50", HOLD, NOT_MET),
    ("plt-29.9", lambda: with_labs(platelets="29.9"), "platelets_lt_30", STOP, MET),
    ("plt-30-stop", lambda: with_labs(platelets="30"), "platelets_lt_30", STOP, NOT_MET),
    ("bili-7", lambda: with_labs(bilirubin="7"), "bilirubin_gt_7", HOLD, NOT_MET),
    ("bili-7.1", lambda: with_labs(bilirubin="7.1"), "bilirubin_gt_7", HOLD, MET),
    ("hco3-18", lambda: with_labs(bicarbonate="18"), "bicarbonate_le_18", STOP, MET),
    ("hco3-18.1", lambda: with_labs(bicarbonate="18.1"), "bicarbonate_le_18", STOP, NOT_MET),
    ("pe-0.5", lambda: with_pe("0.5"), "phenylephrine_at_dose", HOLD, NOT_MET),
    ("pe-0.51", lambda: with_pe("0.51"), "phenylephrine_at_dose", HOLD, MET),
    ("pe-0.8", lambda: with_pe("0.8"), "phenylephrine_at_dose", HOLD, MET),
    ("pe-0.8-stop", lambda: with_pe("0.8"), "phenylephrine_at_dose", STOP,
     NOT_MET),
    ("pe-0.81-hold", lambda: with_pe("0.81"), "phenylephrine_at_dose", HOLD,
     NOT_MET),
    ("pe-0.81", lambda: with_pe("0.81"), "phenylephrine_at_dose", STOP, MET),
    ("pe-none", record, "phenylephrine_at_dose", HOLD, NOT_MET),
    # (v2) Any vasopressor but phenylephrine at dose time: the smallest running dose holds.
    ("norepi-0.01", lambda: with_pressor("norepinephrine", "0.01"), "vasopressor_at_dose",
     HOLD, MET),
    ("norepi-0", lambda: with_pressor("norepinephrine", "0"), "vasopressor_at_dose", HOLD,
     NOT_MET),
    ("vasopressin", lambda: with_pressor("vasopressin", "0.03", "units/min"),
     "vasopressor_at_dose", HOLD, MET),
    ("pe-only", lambda: with_pe("0.9"), "vasopressor_at_dose", HOLD, NOT_MET),
    ("infection", lambda: with_event("infection_suspected"), "infection", STOP, MET),
    ("no-infection", record, "infection", STOP, NOT_MET),
]  # fmt: skip
EDGES += [
    (f"mask-{device}", lambda device=device: with_vitals(oxygen_device=device,  # type: ignore[misc]
     oxygen_flow_l_min=D(2)), "oxygen_gt_4_l", STOP, MET)
    for device in ("simple_face_mask", "venturi_mask", "non_rebreather_mask", "cpap", "bipap",
                   "mechanical_ventilation")
]  # fmt: skip
EDGES += [
    (f"stop-{code}", lambda code=code: with_event(code), "permanent_stop_event", STOP, MET)  # type: ignore[misc]
    for code in ("sustained_vt", "uncontrolled_arrhythmia", "ischemia", "cardiac_tamponade",
                 "intubation", "dialysis", "coma", "seizures", "bowel_perforation",
                 "gi_bleed_surgery")
]  # fmt: skip


@pytest.mark.parametrize(
    ("build", "code", "action", "expected"),
    [pytest.param(*case[1:], id=case[0]) for case in EDGES],
)
def test_criterion_edges(
    build: Callable[[], PatientRecord], code: str, action: Action, expected: CriterionStatus
) -> None:
    result = check(build())
    assert status_of(result, code, action) is expected
    finding = next(f for f in result.findings if f.code == code and f.action is action)
    if expected is MET or MEASURE_BY_CODE[CriterionCode(code)] is not None:
        # What was read, and when, is reported for every assessed criterion.
        assert finding.value is not None and finding.as_of is not None
    expected_recommendation = {
        (MET, HOLD): Recommendation.HOLD,
        (MET, STOP): Recommendation.DISCONTINUE,
    }.get((expected, action))
    if expected_recommendation is not None:
        assert severity_at_least(result.recommendation, expected_recommendation)
        assert code in result.hold_reasons


def severity_at_least(actual: Recommendation, floor: Recommendation) -> bool:
    order = list(Recommendation)
    return order.index(actual) >= order.index(floor)


def test_every_default_criterion_has_an_edge_case() -> None:
    covered = {case[2] for case in EDGES}
    optional = {"three_relative_criteria", "three_held_doses"}  # tested below
    assert covered | optional == {code.value for code in CriterionCode}


def test_a_well_patient_is_given_with_everything_assessed() -> None:
    result = check()
    assert result.recommendation is Recommendation.GIVE
    assert result.criteria == () and result.not_assessed == ()
    assert not result.vitals_stale
    assert result.hold_reasons == ()
    # Every enabled criterion row was evaluated (the two site rules are off by default).
    assert len(result.findings) == 23


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        (record, Recommendation.GIVE),
        (lambda: with_vitals(systolic_bp=85), Recommendation.HOLD),
        (lambda: with_vitals(heart_rate=140), Recommendation.DISCONTINUE),
        (lambda: with_vitals(systolic_bp=85, heart_rate=140), Recommendation.DISCONTINUE),
        (lambda: record(vitals=()), Recommendation.INSUFFICIENT_DATA),
        (lambda: record(vitals=(), labs=labs(platelets="40")), Recommendation.HOLD),
        (lambda: record(vitals=(), labs=labs(platelets="20")), Recommendation.DISCONTINUE),
    ],
)
def test_recommendation_order(build: Callable[[], PatientRecord], expected: Recommendation) -> None:
    assert check(build()).recommendation is expected


@pytest.mark.parametrize(
    ("taken", "at", "stale"),
    [
        (ago(minutes=120), NOW, False),  # exactly 2 h before the dose
        (ago(minutes=120, seconds=1), NOW, True),
        (ago(minutes=120), ago(minutes=100), False),  # checked ahead: still the dose's 2 h
        (ago(minutes=150), ago(minutes=140), True),  # fresh now, stale by dose time
        (ago(minutes=-10), ago(minutes=-70), False),  # late dose: 60 min old at check time
        (ago(minutes=-10), ago(minutes=-130), False),
        (ago(minutes=-10), ago(minutes=-131), True),  # late dose: > 2 h before now
    ],
)
def test_vitals_age_edges(taken: Any, at: Any, stale: bool) -> None:
    result = check(record(vitals=(vitals(taken),)), at=at)
    assert result.vitals_stale is stale
    assert result.vitals_at == taken
    if stale:
        assert result.vitals_note.endswith("are older than 120 min before the dose")
        assert result.recommendation is Recommendation.INSUFFICIENT_DATA
        assert status_of(result, "sbp_lt_90", HOLD) is NA
        note = next(f.note for f in result.not_assessed if f.code == "sbp_lt_90")
        assert "older than 120 min before the dose" in note


def test_vitals_after_the_check_are_not_read() -> None:
    result = check(record(vitals=(vitals(ago(minutes=-5), systolic_bp=80),)), at=NOW)
    assert result.vitals_stale and result.vitals_at is None


def test_stale_vitals_criteria_are_not_assessable_not_met() -> None:
    result = check(record(vitals=(vitals(ago(hours=3), systolic_bp=70),)))
    assert result.recommendation is Recommendation.INSUFFICIENT_DATA
    vitals_codes = {"sbp_lt_90", "spo2_lt_90", "hr_100_130", "hr_gt_130", "oxygen_3_to_4_l"}
    assert vitals_codes <= {f.code.value for f in result.not_assessed}


def test_vitals_max_age_is_a_profile_field() -> None:
    profile = profile_with("precheck", vitals_max_age_minutes=60)
    result = check(record(vitals=(vitals(ago(minutes=61)),)), profile=profile)
    assert result.vitals_stale


VITALS_CRITERIA = {
    "sbp_lt_90", "spo2_lt_90", "mental_status_change", "hr_100_130", "hr_gt_130",
    "oxygen_3_to_4_l", "oxygen_gt_4_l", "phenylephrine_at_dose", "vasopressor_at_dose",
}  # fmt: skip


def test_missing_vitals() -> None:
    result = check(record(vitals=()))
    assert result.vitals_stale and result.vitals_at is None
    assert result.vitals_note == "no vitals recorded"
    assert result.recommendation is Recommendation.INSUFFICIENT_DATA
    notes = {f.code.value: f.note for f in result.not_assessed}
    assert notes == {
        **dict.fromkeys(VITALS_CRITERIA, "no vitals recorded"),
        "weight_gain_gt_15pct": "no weight recorded in the last 24 h",
    }


def test_fresh_vitals_have_no_note() -> None:
    result = check()
    assert result.vitals_note == "" and result.to_dict()["vitals_note"] == ""


def test_vitals_taken_at_the_check_time_are_read() -> None:
    result = check(record(vitals=(vitals(NOW),)))
    assert result.vitals_at == NOW and not result.vitals_stale


@pytest.mark.parametrize(
    ("field", "note"),
    [
        ("systolic_bp", "systolic_bp not recorded in the latest vitals"),
        ("consciousness", "consciousness not recorded in the latest vitals"),
        ("oxygen_device", "oxygen device not recorded in the latest vitals"),
    ],
)
def test_a_measurement_missing_from_the_latest_set_is_not_assessable(field: str, note: str) -> None:
    result = check(with_vitals(**{field: None}))
    assert note in {f.note for f in result.not_assessed}
    assert result.recommendation is Recommendation.GIVE  # only stale or missing vitals block


def test_missing_oxygen_flow_is_not_assessable() -> None:
    result = check(with_vitals(oxygen_device="nasal_cannula", oxygen_flow_l_min=None))
    assert status_of(result, "oxygen_gt_4_l", STOP) is NA
    assert {f.note for f in result.not_assessed} == {"oxygen flow not recorded for nasal_cannula"}


def test_labs_missing_are_reported_not_silently_passed() -> None:
    result = check(record(labs=labs(platelets=None, bilirubin=None)))
    assert result.recommendation is Recommendation.GIVE
    assert [(f.code.value, f.note) for f in result.not_assessed] == [
        ("platelets_30_to_50", "no platelets result in the last 24 h"),
        ("platelets_lt_30", "no platelets result in the last 24 h"),
        ("bilirubin_gt_7", "no bilirubin result in the last 24 h"),
    ]


@pytest.mark.parametrize(
    ("collected", "expected"), [(ago(hours=24), MET), (ago(hours=24, seconds=1), NA)]
)
def test_lab_age_edges(collected: Any, expected: CriterionStatus) -> None:
    rec = record(labs=(*labs(creatinine=None), lab("creatinine", "3.2", collected)))
    assert status_of(check(rec), "creatinine_ge_3", STOP) is expected


def test_the_latest_lab_counts() -> None:
    rec = record(
        labs=(
            *labs(platelets=None),
            lab("platelets", "25", ago(hours=10)),
            lab("platelets", "60", ago(hours=2)),
        )
    )
    assert check(rec).recommendation is Recommendation.GIVE


def test_lab_age_is_a_profile_field() -> None:
    profile = profile_with("precheck", lab_max_age_hours=12)
    rec = record(labs=(*labs(creatinine=None), lab("creatinine", "3.2", ago(hours=13))))
    assert status_of(check(rec, profile=profile), "creatinine_ge_3", STOP) is NA


def test_fobt_counts_until_a_negative_result() -> None:
    old_positive = lab("fobt", "positive", ago(hours=72))
    rec = record(labs=(*labs(fobt=None), old_positive))
    assert status_of(check(rec), "fobt_positive", HOLD) is MET
    cleared = record(labs=(*labs(fobt=None), old_positive, lab("fobt", "negative", ago(hours=5))))
    assert status_of(check(cleared), "fobt_positive", HOLD) is NOT_MET
    none = check(record(labs=labs(fobt=None)))
    assert [f.note for f in none.not_assessed] == ["no FOBT result this admission"]


@pytest.mark.parametrize(
    ("weighed", "expected"), [(ago(hours=24), MET), (ago(hours=24, seconds=1), NA)]
)
def test_weight_age_edges(weighed: Any, expected: CriterionStatus) -> None:
    rec = record(vitals=(vitals(weighed, weight_kg=D(90)), vitals(weight_kg=None)))
    assert status_of(check(rec), "weight_gain_gt_15pct", HOLD) is expected


def test_weight_gain_value_is_shown_to_one_decimal() -> None:
    result = check(with_vitals(weight_kg=D("81.0")))
    finding = next(f for f in result.criteria if f.code == "weight_gain_gt_15pct")
    assert finding.value == D("15.7")
    assert finding.threshold == "weight gain > 15 % over baseline"


def test_urine_needs_the_whole_window_recorded() -> None:
    result = check(record(fluids=(urine(40, ago(7), NOW),)))
    assert status_of(result, "urine_lt_80_per_8h", STOP) is NA
    assert "only 7.0 h of urine output recorded; 8 h needed" in {
        f.note for f in result.not_assessed
    }
    assert result.recommendation is Recommendation.GIVE


def test_fluid_window_is_a_profile_field() -> None:
    profile = profile_with("precheck", fluid_window_hours=6, urine_min_recorded_hours=6)
    result = check(record(fluids=(urine(100, ago(6), NOW),)), profile=profile)
    assert status_of(result, "urine_80_160_per_8h", HOLD) is MET
    finding = next(f for f in result.findings if f.code == "urine_80_160_per_8h")
    assert finding.threshold == "urine output 80-160 mL in the last 6 h"


def test_events_resolved_or_later_do_not_count() -> None:
    resolved = event("atrial_fibrillation", ago(hours=5), ended_at=ago(hours=1))
    assert check(record(events=(resolved,))).recommendation is Recommendation.GIVE
    at_check = event("svt", ago(hours=5), ended_at=NOW)
    assert check(record(events=(at_check,))).recommendation is Recommendation.GIVE
    later = event("svt", ago(minutes=-1))
    assert check(record(events=(later,))).recommendation is Recommendation.GIVE
    unresolved = event("svt", ago(hours=5), ended_at=ago(minutes=-1))
    assert check(record(events=(unresolved,))).recommendation is Recommendation.HOLD


def test_event_finding_carries_codes_and_time() -> None:
    rec = record(events=(event("svt", ago(hours=3)), event("bradycardia", ago(hours=2))))
    finding = next(f for f in check(rec).criteria if f.code == "arrhythmia")
    assert finding.value == "svt, bradycardia"
    assert finding.as_of == ago(hours=2)


@pytest.mark.parametrize(
    ("infusions", "expected_hold", "expected_stop", "shown"),
    [
        ((pe("42", "mcg/min"),), MET, NOT_MET, "0.60"),  # 42 µg/min at 70 kg
        ((pe("0.3"), pe("0.3", "µg/kg/min")), MET, NOT_MET, "0.60"),  # summed
        ((pe("0.6", "ug/kg/min"),), MET, NOT_MET, "0.60"),
        ((pe("0.9", " MCG/KG/MIN "),), NOT_MET, MET, "0.90"),
        ((pe("0"),), NOT_MET, NOT_MET, "0.00"),  # stopped
        ((pe("0.3"), pe("21", "mcg/min")), MET, NOT_MET, "0.60"),  # 21 µg/min at 70 kg
        (
            ({"agent": "dopamine", "dose": "5", "dose_unit": "mcg/kg/min"}, pe("0.6")),
            MET,
            NOT_MET,
            "0.60",
        ),
        ((pe("0.6", "mcg / kg / min"),), MET, NOT_MET, "0.60"),
        ((pe("0.605"),), MET, NOT_MET, "0.61"),  # shown half up
        (({"agent": "dopamine", "dose": "5", "dose_unit": "mg/h"},), NOT_MET, NOT_MET, "0.00"),
    ],
)
def test_phenylephrine_units(
    infusions: Any, expected_hold: CriterionStatus, expected_stop: CriterionStatus, shown: str
) -> None:
    result = check(with_vitals(vasopressors=infusions))
    assert status_of(result, "phenylephrine_at_dose", HOLD) is expected_hold
    assert status_of(result, "phenylephrine_at_dose", STOP) is expected_stop
    finding = next(f for f in result.findings if f.code == "phenylephrine_at_dose")
    assert finding.value == D(shown)


def test_phenylephrine_in_an_unknown_unit_is_not_assessable() -> None:
    result = check(with_vitals(vasopressors=(pe("5", "mg/h"),)))
    assert status_of(result, "phenylephrine_at_dose", HOLD) is NA
    assert {f.note for f in result.not_assessed} == {"phenylephrine dose unit 'mg/h' unknown"}


def site_rules(**enabled: bool) -> RuleProfile:
    base = default_profile()
    criteria = tuple(
        replace(c, enabled=enabled.get(c.code.value, c.enabled)) for c in base.precheck.criteria
    )
    return replace(base, precheck=replace(base.precheck, criteria=criteria))


@pytest.mark.parametrize(
    ("changes", "expected", "count"),
    [
        ({"systolic_bp": 85, "heart_rate": 110}, Recommendation.HOLD, 2),
        ({"systolic_bp": 85, "heart_rate": 110, "spo2": 88}, Recommendation.DISCONTINUE, 3),
    ],
)
def test_three_relative_criteria(changes: Any, expected: Recommendation, count: int) -> None:
    profile = site_rules(three_relative_criteria=True)
    result = check(with_vitals(**changes), profile=profile)
    assert result.recommendation is expected
    finding = next(f for f in result.findings if f.code == "three_relative_criteria")
    assert finding.value == count
    assert finding.threshold == "≥ 3 hold criteria met at once"
    # Off by default: the same findings only hold.
    default = check(with_vitals(**changes))
    assert default.recommendation is Recommendation.HOLD
    assert all(f.code != "three_relative_criteria" for f in default.findings)


def test_three_relative_criteria_counts_codes_not_rows() -> None:
    profile = site_rules(three_relative_criteria=True)
    rec = with_vitals(systolic_bp=85, vasopressors=(pe("0.6"),))
    assert check(rec, profile=profile).recommendation is Recommendation.HOLD


def held(cycle: int, number: int) -> DoseRecord:
    return DoseRecord(cycle, number, ago(hours=8 * (10 - number)), "held")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("doses", "build", "expected"),
    [
        ((held(1, 2), held(1, 3)), lambda: with_vitals(systolic_bp=85), Recommendation.DISCONTINUE),
        ((held(1, 2),), lambda: with_vitals(systolic_bp=85), Recommendation.HOLD),
        ((held(1, 2), held(1, 3)), record, Recommendation.GIVE),
        ((held(1, 2), held(2, 3)), lambda: with_vitals(systolic_bp=85), Recommendation.HOLD),
        ((held(1, 2), held(1, 5)), lambda: with_vitals(systolic_bp=85), Recommendation.HOLD),
        ((held(1, 2), held(1, 3)), lambda: record(vitals=()), Recommendation.INSUFFICIENT_DATA),
    ],
)
def test_three_held_doses(doses: Any, build: Any, expected: Recommendation) -> None:
    rec = replace(build(), doses=doses)
    result = check(rec, profile=site_rules(three_held_doses=True), cycle=1, dose_number=5)
    assert result.recommendation is expected
    off = check(rec, cycle=1, dose_number=5)
    assert off.recommendation in (expected, Recommendation.HOLD)
    assert all(f.code != "three_held_doses" for f in off.findings)


def test_three_held_doses_threshold_text() -> None:
    result = check(profile=site_rules(three_held_doses=True))
    finding = next(f for f in result.findings if f.code == "three_held_doses")
    assert finding.threshold == "≥ 3 held doses in the cycle, counting this one"
    assert (finding.value, finding.status) == (0, NOT_MET)


def test_disabled_criteria_are_not_evaluated() -> None:
    profile = site_rules(sbp_lt_90=False)
    result = check(with_vitals(systolic_bp=70), profile=profile)
    assert result.recommendation is Recommendation.GIVE
    assert all(f.code != "sbp_lt_90" for f in result.findings)


def test_contract_shape() -> None:
    rec = record(vitals=(vitals(systolic_bp=85),), labs=labs(platelets=None))
    data = check(rec).to_dict()
    assert data["recommendation"] == "hold"
    assert data["criteria"] == [
        {
            "code": "sbp_lt_90",
            "action": "hold",
            "value": 85,
            "threshold": "SBP < 90 mmHg",
            "source": "label [S1]",
            "status": "met",
            "note": "",
            "as_of": ago(minutes=30).isoformat(),
        }
    ]
    assert [f["code"] for f in data["not_assessed"]] == ["platelets_30_to_50", "platelets_lt_30"]
    assert len(data["not_met"]) == 20
    assert data["data_as_of"] == NOW.isoformat()  # the urine window's last entry ends now
    assert data["vitals_stale"] is False
    assert data["vitals_at"] == ago(minutes=30).isoformat()
    assert data["checked_at"] == data["scheduled_at"] == NOW.isoformat()
    assert (data["cycle"], data["dose_number"]) == (1, 5)
    assert (data["profile_name"], data["profile_version"]) == ("label-2024+consensus-2014", "1")


def test_data_as_of_is_the_newest_datum_read() -> None:
    rec = record(fluids=(urine(400, ago(9), ago(1)),))
    assert check(rec).data_as_of == ago(minutes=30)


def test_hold_reasons_list_each_code_once() -> None:
    rec = with_vitals(systolic_bp=85, vasopressors=(pe("0.9"),), heart_rate=110)
    assert check(rec).hold_reasons == ("sbp_lt_90", "hr_100_130", "phenylephrine_at_dose")


@pytest.mark.parametrize(
    ("criterion", "text"),
    [
        (Criterion(CriterionCode.HR_100_130, HOLD, "s", low=D(100), high=D(130)),
         "heart rate 100-130 /min"),
        (Criterion(CriterionCode.HR_100_130, HOLD, "s", low=D(100), low_inclusive=False,
                   high=D(130), high_inclusive=False), "heart rate > 100 and < 130 /min"),
        (Criterion(CriterionCode.HR_100_130, HOLD, "s", low=D(100), high=D(130),
                   high_inclusive=False), "heart rate ≥ 100 and < 130 /min"),
        (Criterion(CriterionCode.HR_GT_130, STOP, "s", low=D(130)), "heart rate ≥ 130 /min"),
        (Criterion(CriterionCode.SBP_LT_90, HOLD, "s", high=D(90)), "SBP ≤ 90 mmHg"),
        (Criterion(CriterionCode.BICARBONATE_LE_18, STOP, "s", high=D(18), high_inclusive=False),
         "bicarbonate < 18 mmol/L"),
        (Criterion(CriterionCode.MENTAL_STATUS_CHANGE, HOLD, "s"), "consciousness not alert"),
        (Criterion(CriterionCode.INFECTION, STOP, "s", events=("infection_suspected",)),  # type: ignore[arg-type]
         "event infection_suspected"),
    ],
)  # fmt: skip
def test_threshold_wording(criterion: Criterion, text: str) -> None:
    assert describe(criterion, fluid_window_hours=8) == text


@pytest.mark.parametrize(
    ("build", "code", "value", "as_of"),
    [
        (lambda: with_vitals(systolic_bp=89), "sbp_lt_90", 89, ago(minutes=30)),
        (lambda: with_vitals(consciousness="voice"), "mental_status_change", "voice",
         ago(minutes=30)),
        (lambda: record(labs=(*labs(fobt=None), lab("fobt", "positive", ago(30)))),
         "fobt_positive", "positive", ago(30)),
        (lambda: with_labs(creatinine="2.50"), "creatinine_2_5_to_2_9", D("2.50"), ago(2)),
        (lambda: with_vitals(oxygen_device="nasal_cannula", oxygen_flow_l_min=D("3.5")),
         "oxygen_3_to_4_l", D("3.5"), ago(minutes=30)),
        (lambda: with_vitals(oxygen_device="venturi_mask", oxygen_flow_l_min=D(2)),
         "oxygen_gt_4_l", "venturi_mask", ago(minutes=30)),
        (lambda: record(fluids=(urine("80.5", ago(8), ago(1)), urine(0, ago(1), NOW))),
         "urine_80_160_per_8h", D(81), NOW),  # 80.5 mL shown half up
        (lambda: with_vitals(weight_kg=D("81.9")), "weight_gain_gt_15pct", D("17.0"),
         ago(minutes=30)),
    ],
)  # fmt: skip
def test_met_findings_show_what_was_read(
    build: Callable[[], PatientRecord], code: str, value: Any, as_of: Any
) -> None:
    finding = next(f for f in check(build()).criteria if f.code == code)
    assert finding.value == value
    assert finding.to_dict()["value"] == contract_value(value)
    assert finding.as_of == as_of


def test_shown_weight_gain_rounds_half_up() -> None:
    rec = record(baseline=replace(record().baseline, weight_kg=D(100)),
                 vitals=(vitals(weight_kg=D("100.05")),))  # fmt: skip
    finding = next(f for f in check(rec).findings if f.code == "weight_gain_gt_15pct")
    assert finding.value == D("0.1")


def test_not_assessable_notes() -> None:
    rec = record(vitals=(vitals(weight_kg=None),), fluids=(urine(100, ago(7.25), NOW),))
    notes = {f.code.value: f.note for f in check(rec).not_assessed}
    assert notes == {
        "weight_gain_gt_15pct": "no weight recorded in the last 24 h",
        "urine_80_160_per_8h": "only 7.3 h of urine output recorded; 8 h needed",
        "urine_lt_80_per_8h": "only 7.3 h of urine output recorded; 8 h needed",
    }


def test_nothing_recorded_has_no_data_time() -> None:
    empty = PatientRecord(record().baseline)
    result = check(empty)
    assert result.data_as_of is None and result.vitals_at is None
    assert result.recommendation is Recommendation.INSUFFICIENT_DATA


def test_default_threshold_wording() -> None:
    texts = {
        (f.code.value, f.action.value): f.threshold
        for f in check(profile=site_rules(three_relative_criteria=True)).findings
    }
    assert texts[("phenylephrine_at_dose", "hold")] == (
        "phenylephrine > 0.5 and ≤ 0.8 µg/kg/min at dose time"
    )
    assert texts[("oxygen_gt_4_l", "discontinue")] == (
        "oxygen > 4 L/min, or device simple_face_mask, venturi_mask, non_rebreather_mask, cpap, "
        "bipap, mechanical_ventilation"
    )
    assert texts[("mental_status_change", "hold")] == (
        "consciousness not alert, or event mental_status_change"
    )
    assert texts[("creatinine_2_5_to_2_9", "hold")] == "creatinine ≥ 2.5 and < 3.0 mg/dL"
    assert texts[("urine_lt_80_per_8h", "discontinue")] == "urine output < 80 mL in the last 8 h"
    assert texts[("platelets_30_to_50", "hold")] == "platelets 30-50 x10^3/µL"
    assert texts[("bilirubin_gt_7", "hold")] == "bilirubin > 7 mg/dL"
    assert texts[("spo2_lt_90", "hold")] == "SpO2 < 90 %"
    assert texts[("arrhythmia", "hold")] == "event atrial_fibrillation, svt, bradycardia"


def test_room_air_is_no_oxygen() -> None:
    base = default_profile()
    criteria = tuple(
        replace(c, low=D("0.5")) if c.code == "oxygen_3_to_4_l" else c
        for c in base.precheck.criteria
    )
    profile = replace(base, precheck=replace(base.precheck, criteria=criteria))
    result = check(profile=profile)
    finding = next(f for f in result.findings if f.code == "oxygen_3_to_4_l")
    assert (finding.status, finding.value) == (NOT_MET, 0)
