"""Vascular leak signs and composite (clinical-rules.md §3): both edges of every sign's
threshold; missing data is never absent; the composite table."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from tests.support.rules_factories import (
    NOW,
    ago,
    baseline,
    lab,
    labs,
    profile_with,
    record,
    urine,
    vitals,
)
from therapy.rules.profile import default_profile
from therapy.rules.vls import SignStatus, VlsResult, VlsSeverity, vls_assess, vls_severity

D = Decimal
PRESENT, ABSENT, NA = SignStatus.PRESENT, SignStatus.ABSENT, SignStatus.NOT_ASSESSABLE
NORAD = {"agent": "norepinephrine", "dose": "0.05", "dose_unit": "mcg/kg/min"}


def assess(profile: Any = None, **changes: Any) -> VlsResult:
    extra = {} if profile is None else {"profile": profile}
    return vls_assess(record(**changes), at=NOW, **extra)


def sign(result: VlsResult, code: str) -> Any:
    return next(s for s in result.signs if s.code == code)


def status(code: str, **changes: Any) -> SignStatus:
    return sign(assess(**changes), code).status  # type: ignore[no-any-return]


def test_a_well_patient_has_every_sign_absent() -> None:
    result = assess()
    assert [s.code for s in result.signs] == [
        "hypotension",
        "weight_gain",
        "oliguria",
        "hypoxia",
        "creatinine_rise",
        "hypoalbuminemia",
        "edema",
    ]
    assert {s.status for s in result.signs} == {ABSENT}
    assert result.severity is VlsSeverity.NONE and not result.suspected


@pytest.mark.parametrize(
    ("sbp", "pressors", "expected"),
    [(89, (), PRESENT), (90, (), ABSENT), (120, (NORAD,), PRESENT), (None, (NORAD,), PRESENT)],
)
def test_hypotension_edges(sbp: int | None, pressors: Any, expected: SignStatus) -> None:
    assert status("hypotension", vitals=(vitals(systolic_bp=sbp, vasopressors=pressors),)) == (
        expected
    )


def test_hypotension_without_sbp_is_not_assessable() -> None:
    assert status("hypotension", vitals=(vitals(systolic_bp=None),)) is NA
    assert status("hypotension", vitals=()) is NA


def test_hypotension_reports_value_threshold_baseline_and_pressors() -> None:
    result = assess(vitals=(vitals(systolic_bp=95, vasopressors=(NORAD,)),))
    data = sign(result, "hypotension").to_dict()
    assert data == {
        "code": "hypotension",
        "status": "present",
        "value": 95,
        "threshold": "SBP < 90 mmHg, or any vasopressor running",
        "baseline": 120,
        "note": "vasopressor running: norepinephrine",
        "as_of": ago(minutes=30).isoformat(),
    }


@pytest.mark.parametrize(
    ("weight", "expected", "shown", "grade"),
    [
        ("104.9", ABSENT, "4.9", 0),
        ("105.0", PRESENT, "5.0", 1),
        ("109.9", PRESENT, "9.9", 1),
        ("110.0", PRESENT, "10.0", 2),
        ("119.9", PRESENT, "19.9", 2),
        ("120.0", PRESENT, "20.0", 3),
        ("95.0", ABSENT, "-5.0", 0),
    ],
)
def test_weight_gain_edges_and_ctcae_grade(
    weight: str, expected: SignStatus, shown: str, grade: int
) -> None:
    result = assess(baseline=baseline(weight_kg=D(100)), vitals=(vitals(weight_kg=D(weight)),))
    found = sign(result, "weight_gain")
    assert found.status is expected
    assert found.value == D(shown)
    assert found.baseline == D(100)
    assert found.threshold == "≥ 5 % over baseline weight"
    note = f"weight {weight} kg; CTCAE v5 weight gain grade {grade}" if grade else ""
    assert found.note == note


def test_weight_uses_the_latest_weight_of_the_lookback() -> None:
    sets = (vitals(ago(hours=20), weight_kg=D(80)), vitals(ago(hours=1), weight_kg=None))
    assert status("weight_gain", vitals=sets) is PRESENT
    stale = (vitals(ago(hours=24, seconds=1), weight_kg=D(80)), vitals(weight_kg=None))
    assert status("weight_gain", vitals=stale) is NA
    edge = (vitals(ago(hours=24), weight_kg=D(80)), vitals(weight_kg=None))
    assert status("weight_gain", vitals=edge) is PRESENT


def test_lookback_is_a_profile_field() -> None:
    profile = profile_with("vls", lookback_hours=12)
    sets = (vitals(ago(hours=13), weight_kg=D(80)), vitals(weight_kg=None))
    assert sign(assess(profile, vitals=sets), "weight_gain").status is NA


@pytest.mark.parametrize(
    ("volume", "weight", "expected"),
    [
        ("79", "20", PRESENT),  # < 80 mL in 8 h; 0.49 mL/kg/h at 20 kg
        ("80", "20", ABSENT),  # 80 mL = 0.5 mL/kg/h at 20 kg: neither bound
        ("279", "70", PRESENT),  # 0.498 mL/kg/h < 0.5
        ("280", "70", ABSENT),  # exactly 0.5 mL/kg/h
    ],
)
def test_oliguria_edges(volume: str, weight: str, expected: SignStatus) -> None:
    result = assess(
        baseline=baseline(weight_kg=D(weight)),
        vitals=(vitals(weight_kg=D(weight)),),
        fluids=(urine(volume, ago(8), NOW),),
    )
    found = sign(result, "oliguria")
    assert found.status is expected
    assert found.value == D(volume)


def test_oliguria_volume_bound_alone() -> None:
    # At 20 kg, 79 mL is 0.49 mL/kg/h; with that bound lowered only the volume bound fires.
    profile = profile_with("vls", urine_below_ml_kg_h=D("0.1"))
    fluids = (urine(79, ago(8), NOW),)
    result = vls_assess(
        record(
            baseline=baseline(weight_kg=D(20)), vitals=(vitals(weight_kg=D(20)),), fluids=fluids
        ),
        at=NOW,
        profile=profile,
    )
    assert sign(result, "oliguria").status is PRESENT


@pytest.mark.parametrize(
    ("start_hours", "expected"),
    [(8, ABSENT), (7.99, NA), (4, NA)],
)
def test_oliguria_needs_eight_recorded_hours(start_hours: float, expected: SignStatus) -> None:
    fluids = (urine(300, ago(start_hours), NOW),)
    found = sign(assess(fluids=fluids), "oliguria")
    assert found.status is expected
    if expected is NA:
        assert found.value is None
        assert "h of urine output recorded; 8 h needed" in found.note


def test_oliguria_with_no_urine_recorded_is_not_assessable_not_absent() -> None:
    found = sign(assess(fluids=()), "oliguria")
    assert found.status is NA
    assert found.note == "only 0.0 h of urine output recorded; 8 h needed"
    assert found.as_of is None


def test_oliguria_reports_rate_note() -> None:
    found = sign(assess(fluids=(urine(400, ago(8), ago(0)),)), "oliguria")
    assert found.note == "0.71 mL/kg/h over 8.0 h"
    assert found.threshold == "< 80 mL in the last 8 h, or < 0.5 mL/kg/h averaged over 8 h"
    assert found.as_of == NOW


@pytest.mark.parametrize(
    ("spo2", "device", "flow", "expected"),
    [
        (89, "room_air", None, PRESENT),
        (90, "room_air", None, ABSENT),
        (95, "nasal_cannula", "2.9", ABSENT),
        (95, "nasal_cannula", "3", PRESENT),
        (95, "simple_face_mask", "6", PRESENT),
        (95, "mechanical_ventilation", None, PRESENT),
        (None, "nasal_cannula", "4", PRESENT),
        (None, "room_air", None, NA),
        (95, None, None, NA),
        (95, "nasal_cannula", None, NA),  # flow unknown: cannot rule out >= 3 L/min
        (85, "nasal_cannula", None, PRESENT),
    ],
)
def test_hypoxia_edges(
    spo2: int | None, device: str | None, flow: str | None, expected: SignStatus
) -> None:
    latest = vitals(spo2=spo2, oxygen_device=device, oxygen_flow_l_min=flow and D(flow))
    assert status("hypoxia", vitals=(latest,)) is expected


def test_hypoxia_note_and_threshold() -> None:
    latest = vitals(spo2=93, oxygen_device="nasal_cannula", oxygen_flow_l_min=D(3))
    found = sign(assess(vitals=(latest,)), "hypoxia")
    assert found.note == "oxygen: nasal_cannula 3 L/min"
    assert found.threshold == "SpO2 < 90 %, or ≥ 3 L/min oxygen"
    assert found.value == 93


@pytest.mark.parametrize(
    ("creatinine", "base", "expected"),
    [
        ("1.34", "0.9", ABSENT),  # 1.49 x baseline
        ("1.35", "0.9", PRESENT),  # 1.5 x baseline
        ("2.49", "2.0", ABSENT),  # 1.245 x and below 2.5
        ("2.5", "2.0", PRESENT),  # absolute bound
        ("2.5", None, PRESENT),
        ("1.0", None, NA),  # no baseline: the relative bound cannot be ruled out
    ],
)
def test_creatinine_rise_edges(creatinine: str, base: str | None, expected: SignStatus) -> None:
    result = assess(
        baseline=baseline(creatinine_mg_dl=base and D(base)), labs=labs(creatinine=creatinine)
    )
    found = sign(result, "creatinine_rise")
    assert found.status is expected
    assert found.value == D(creatinine)
    assert found.note == ("" if base else "no baseline creatinine: only the absolute bound")


def test_creatinine_older_than_the_lookback_is_not_read() -> None:
    old = (lab("creatinine", "3.5", ago(hours=24, seconds=1)),)
    assert status("creatinine_rise", labs=old) is NA
    edge = (lab("creatinine", "3.5", ago(hours=24)),)
    assert status("creatinine_rise", labs=edge) is PRESENT


@pytest.mark.parametrize(("albumin", "expected"), [("2.9", PRESENT), ("3.0", ABSENT)])
def test_hypoalbuminemia_edges(albumin: str, expected: SignStatus) -> None:
    assert status("hypoalbuminemia", labs=labs(albumin=albumin)) is expected
    assert status("hypoalbuminemia", labs=labs(albumin=None)) is NA


@pytest.mark.parametrize(("grade", "expected"), [(1, ABSENT), (2, PRESENT), (4, PRESENT)])
def test_edema_edges(grade: int, expected: SignStatus) -> None:
    assert status("edema", vitals=(vitals(edema_grade=grade),)) is expected


def test_edema_not_assessed_is_not_assessable() -> None:
    assert status("edema", vitals=(vitals(edema_grade=None),)) is NA


@pytest.mark.parametrize(
    ("present", "vasopressor", "severity"),
    [
        (set(), False, VlsSeverity.NONE),
        ({"weight_gain", "edema", "oliguria", "hypoxia"}, False, VlsSeverity.NONE),
        ({"hypotension"}, False, VlsSeverity.NONE),
        ({"hypotension"}, True, VlsSeverity.NONE),
        ({"hypotension", "edema"}, False, VlsSeverity.WARNING),
        ({"hypotension", "edema", "oliguria"}, False, VlsSeverity.WARNING),
        ({"hypotension", "edema", "oliguria", "hypoxia"}, False, VlsSeverity.CRITICAL),
        ({"hypotension", "edema"}, True, VlsSeverity.CRITICAL),
    ],
)
def test_composite(present: set[str], vasopressor: bool, severity: VlsSeverity) -> None:
    settings = default_profile().vls
    result = vls_severity(frozenset(present), vasopressor_running=vasopressor, settings=settings)
    assert result is severity


def test_composite_thresholds_are_profile_fields() -> None:
    settings = profile_with(
        "vls",
        suspected_min_other_signs=2,
        critical_min_other_signs=2,
        critical_vasopressor_min_other_signs=2,
    ).vls
    two = frozenset({"hypotension", "edema"})
    three = frozenset({"hypotension", "edema", "hypoxia"})
    assert vls_severity(two, vasopressor_running=True, settings=settings) is VlsSeverity.NONE
    assert vls_severity(three, vasopressor_running=False, settings=settings) is (
        VlsSeverity.CRITICAL
    )


def test_suspected_and_critical_end_to_end() -> None:
    warning = assess(vitals=(vitals(systolic_bp=85, edema_grade=3),))
    assert warning.severity is VlsSeverity.WARNING and warning.suspected
    assert not warning.vasopressor_running
    critical = assess(vitals=(vitals(vasopressors=(NORAD,), edema_grade=3),))
    assert critical.severity is VlsSeverity.CRITICAL and critical.vasopressor_running


def test_contract_shape() -> None:
    result = assess(vitals=(vitals(systolic_bp=85, edema_grade=3),), labs=labs(albumin=None))
    data = result.to_dict()
    assert data["suspected"] is True
    assert data["severity"] == "warning"
    assert data["present"] == ["hypotension", "edema"]
    assert data["not_assessable"] == ["hypoalbuminemia"]
    assert len(data["signs"]) == 7
    assert {"code", "status", "value", "threshold", "baseline"} <= set(data["signs"][0])
    assert data["as_of"] == NOW.isoformat()  # the urine window ends now
    assert (data["profile_name"], data["profile_version"]) == ("label-2024+consensus-2014", "1")


def test_as_of_is_the_newest_datum_used() -> None:
    result = assess(fluids=(urine(400, ago(9), ago(1)),), labs=labs())
    assert sign(result, "oliguria").status is NA
    assert result.as_of == ago(minutes=30)


THRESHOLDS = {
    "hypotension": "SBP < 90 mmHg, or any vasopressor running",
    "weight_gain": "≥ 5 % over baseline weight",
    "oliguria": "< 80 mL in the last 8 h, or < 0.5 mL/kg/h averaged over 8 h",
    "hypoxia": "SpO2 < 90 %, or ≥ 3 L/min oxygen",
    "creatinine_rise": "≥ 1.5 x baseline, or ≥ 2.5 mg/dL",
    "hypoalbuminemia": "albumin < 3.0 g/dL",
    "edema": "edema_grade ≥ 2",
}


def expected_sign(code: str, status: str, value: Any, baseline: Any, note: str, as_of: Any) -> Any:
    return {
        "code": code,
        "status": status,
        "value": value,
        "threshold": THRESHOLDS[code],
        "baseline": baseline,
        "note": note,
        "as_of": None if as_of is None else as_of.isoformat(),
    }


def test_every_sign_present_in_full() -> None:
    result = assess(
        vitals=(
            vitals(
                systolic_bp=85,
                vasopressors=(NORAD,),
                spo2=88,
                oxygen_device="nasal_cannula",
                oxygen_flow_l_min=D(4),
                weight_kg=D("77.7"),
                edema_grade=3,
            ),
        ),
        fluids=(urine(100, ago(8), NOW),),
        labs=labs(creatinine="1.4", albumin="2.5"),
    )
    taken, drawn = ago(minutes=30), ago(2)
    assert [sign.to_dict() for sign in result.signs] == [
        expected_sign("hypotension", "present", 85, 120,
                      "vasopressor running: norepinephrine", taken),
        expected_sign("weight_gain", "present", "11.0", "70.0",
                      "weight 77.7 kg; CTCAE v5 weight gain grade 2", taken),
        expected_sign("oliguria", "present", "100", None, "0.18 mL/kg/h over 8.0 h", NOW),
        expected_sign("hypoxia", "present", 88, None, "oxygen: nasal_cannula 4 L/min", taken),
        expected_sign("creatinine_rise", "present", "1.4", "0.9", "", drawn),
        expected_sign("hypoalbuminemia", "present", "2.5", None, "", drawn),
        expected_sign("edema", "present", 3, None, "", taken),
    ]  # fmt: skip
    assert result.severity is VlsSeverity.CRITICAL


def test_nothing_recorded_makes_every_sign_not_assessable_in_full() -> None:
    result = assess(baseline=baseline(creatinine_mg_dl=None), vitals=(), fluids=(), labs=())
    assert [sign.to_dict() for sign in result.signs] == [
        expected_sign("hypotension", "not_assessable", None, 120, "", None),
        expected_sign("weight_gain", "not_assessable", None, "70.0",
                      "no weight recorded in the window", None),
        expected_sign("oliguria", "not_assessable", None, None,
                      "only 0.0 h of urine output recorded; 8 h needed", None),
        expected_sign("hypoxia", "not_assessable", None, None, "", None),
        expected_sign("creatinine_rise", "not_assessable", None, None,
                      "no creatinine in the window", None),
        expected_sign("hypoalbuminemia", "not_assessable", None, None,
                      "no albumin in the window", None),
        expected_sign("edema", "not_assessable", None, None,
                      "no edema assessment in the window", None),
    ]  # fmt: skip
    assert result.severity is VlsSeverity.NONE and result.as_of is None


def test_vitals_older_than_the_lookback_are_not_read() -> None:
    old = vitals(ago(hours=24, seconds=1), systolic_bp=80, vasopressors=(NORAD,), spo2=80)
    result = assess(vitals=(old,))
    assert sign(result, "hypotension").status is NA
    assert sign(result, "hypoxia").status is NA
    assert not result.vasopressor_running
    edge = assess(vitals=(replace_taken(old, ago(hours=24)),))
    assert sign(edge, "hypotension").status is PRESENT and edge.vasopressor_running


def replace_taken(taken: Any, at: Any) -> Any:
    return replace(taken, taken_at=at)


def test_shown_values_round_half_up() -> None:
    gain = assess(baseline=baseline(weight_kg=D(100)), vitals=(vitals(weight_kg=D("100.05")),))
    assert sign(gain, "weight_gain").value == D("0.1")  # 0.05 %
    heavy = baseline(weight_kg=D(100))
    urine_half = assess(baseline=heavy, fluids=(urine("100.5", ago(8), NOW),))
    assert sign(urine_half, "oliguria").value == D(101)
    rate = assess(baseline=heavy, fluids=(urine(100, ago(8), NOW),))
    assert sign(rate, "oliguria").note == "0.13 mL/kg/h over 8.0 h"  # 0.125
    partial = assess(fluids=(urine(100, ago(7.25), NOW),))
    assert sign(partial, "oliguria").note == "only 7.3 h of urine output recorded; 8 h needed"


def test_room_air_counts_as_no_oxygen() -> None:
    found = sign(assess(), "hypoxia")
    assert found.note == "oxygen: room_air 0 L/min"
    assert found.as_of == ago(minutes=30)


def test_hypotension_note_names_every_vasopressor() -> None:
    second = {"agent": "vasopressin", "dose": "0.03", "dose_unit": "units/min"}
    result = assess(vitals=(vitals(vasopressors=(NORAD, second)),))
    assert sign(result, "hypotension").note == "vasopressor running: norepinephrine, vasopressin"


def test_part_recorded_urine_keeps_its_time_but_not_the_result_time() -> None:
    result = assess(fluids=(urine(300, ago(7), NOW),))
    oliguria = sign(result, "oliguria")
    assert oliguria.status is NA and oliguria.as_of == NOW
    assert result.as_of == ago(minutes=30)  # no verdict was read from the urine


def test_hypoxia_note_without_a_flow() -> None:
    latest = vitals(oxygen_device="nasal_cannula", oxygen_flow_l_min=None)
    assert sign(assess(vitals=(latest,)), "hypoxia").note == "oxygen: nasal_cannula"


def test_not_assessable_creatinine_still_shows_the_baseline() -> None:
    found = sign(assess(labs=labs(creatinine=None)), "creatinine_rise")
    assert found.status is NA and found.baseline == D("0.9")


def test_albumin_older_than_the_lookback_is_not_read() -> None:
    old = (lab("albumin", "2.0", ago(hours=24, seconds=1)),)
    assert status("hypoalbuminemia", labs=old) is NA
