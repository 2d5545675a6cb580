"""Input dataclasses and the window helpers: contract values are coerced, anything the rules
cannot use is refused naming every field; urine output over a window."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from patients.news2 import OxygenDevice
from tests.support.rules_factories import NOW, ago, baseline, urine, vitals
from therapy.rules.errors import RuleInputError
from therapy.rules.inputs import (
    ClinicalEvent,
    DoseRecord,
    FluidEntry,
    FobtResult,
    LabResult,
    PatientBaseline,
    PatientRecord,
    SupportiveMedication,
    Vasopressor,
    VitalsSet,
    contract_value,
)
from therapy.rules.windows import (
    active_events,
    latest_lab,
    latest_measurement,
    latest_vitals,
    urine_output,
)

D = Decimal
NAIVE = datetime(2026, 11, 21, 12, 0)


def errors_of(build: Any) -> dict[str, list[str]]:
    with pytest.raises(RuleInputError) as caught:
        build()
    return caught.value.errors


def test_contract_strings_become_typed_values() -> None:
    taken = vitals(oxygen_device="nasal_cannula", oxygen_flow_l_min="2.5", temperature_c=38.15)
    assert taken.oxygen_device is OxygenDevice.NASAL_CANNULA
    assert taken.oxygen_flow_l_min == D("2.5")
    assert taken.temperature_c == D("38.15")
    pressor = Vasopressor("vasopressin", 0, "units/min")  # type: ignore[arg-type]
    assert pressor.dose == D(0) and not pressor.running
    assert LabResult("fobt", "positive", NOW).value is FobtResult.POSITIVE  # type: ignore[arg-type]


def test_vitals_errors_name_every_field() -> None:
    errors = errors_of(
        lambda: VitalsSet(
            taken_at=NAIVE,
            spo2=97.5,  # type: ignore[arg-type]
            oxygen_device="tent",  # type: ignore[arg-type]
            oxygen_flow_l_min=D(-1),
            consciousness="drowsy",  # type: ignore[arg-type]
            temperature_c="warm",  # type: ignore[arg-type]
            edema_grade=5,
            vasopressors="norepinephrine",  # type: ignore[arg-type]
        )
    )
    assert errors == {
        "taken_at": ["must be a timezone-aware datetime"],
        "spo2": ["must be a whole number"],
        "oxygen_device": [
            "must be one of: room_air, blow_by, nasal_cannula, high_flow_nasal_cannula, "
            "simple_face_mask, venturi_mask, non_rebreather_mask, cpap, bipap, "
            "mechanical_ventilation"
        ],
        "oxygen_flow_l_min": ["must not be negative"],
        "consciousness": ["must be one of: alert, new_confusion, voice, pain, unresponsive"],
        "temperature_c": ["must be a decimal number"],
        "vasopressors": ["must be a list of {agent, dose, dose_unit}"],
        "edema_grade": ["must be between 0 and 4"],
    }


@pytest.mark.parametrize("grade", [0, 4])
def test_edema_grade_edges(grade: int) -> None:
    assert vitals(edema_grade=grade).edema_grade == grade


@pytest.mark.parametrize("bad", [True, None, [1], "Infinity", float("nan")])
def test_decimal_fields_refuse_non_numbers(bad: Any) -> None:
    errors = errors_of(lambda: Vasopressor("dopamine", bad, "mcg/kg/min"))  # type: ignore[arg-type]
    assert list(errors) == ["dose"]


def test_vasopressor_errors() -> None:
    assert errors_of(lambda: Vasopressor("ephedrine", D(1), 5)) == {  # type: ignore[arg-type]
        "agent": [
            "must be one of: norepinephrine, epinephrine, phenylephrine, dopamine, "
            "vasopressin, other"
        ],
        "dose_unit": ["must be a string"],
    }


def test_fluid_entry_errors() -> None:
    errors = errors_of(lambda: FluidEntry("out", "urine", D(-5), NOW, ago(1)))  # type: ignore[arg-type]
    assert errors == {
        "direction": ["must be one of: intake, output"],
        "volume_ml": ["must not be negative"],
        "period_end": ["must not be before period_start"],
    }
    assert errors_of(lambda: FluidEntry("output", "urine", D(5), NAIVE, NOW)) == {  # type: ignore[arg-type]
        "period_start": ["must be a timezone-aware datetime"]
    }


def test_lab_value_must_fit_its_test() -> None:
    assert errors_of(lambda: LabResult("fobt", D(1), NOW)) == {  # type: ignore[arg-type]
        "value": ["must be one of: positive, negative"]
    }
    assert errors_of(lambda: LabResult("creatinine", "positive", NOW)) == {  # type: ignore[arg-type]
        "value": ["must be a decimal number"]
    }
    assert list(errors_of(lambda: LabResult("sodium", D(140), NAIVE))) == [  # type: ignore[arg-type]
        "test",
        "collected_at",
    ]


def test_other_records_check_their_fields() -> None:
    assert list(errors_of(lambda: SupportiveMedication("nsaid", NAIVE))) == [  # type: ignore[arg-type]
        "category",
        "administered_at",
    ]
    assert list(errors_of(lambda: ClinicalEvent("fall", NOW, ended_at=NAIVE))) == [  # type: ignore[arg-type]
        "code",
        "ended_at",
    ]
    assert list(errors_of(lambda: DoseRecord(1.0, "2", NOW, "done"))) == [  # type: ignore[arg-type]
        "cycle",
        "number",
        "status",
    ]


@pytest.mark.parametrize(
    ("weight", "ok"), [("19.9", False), ("20", True), ("300", True), ("300.1", False)]
)
def test_baseline_weight_edges(weight: str, ok: bool) -> None:
    if ok:
        assert baseline(weight_kg=D(weight)).weight_kg == D(weight)
    else:
        assert errors_of(lambda: baseline(weight_kg=D(weight))) == {
            "weight_kg": ["must be between 20 and 300 kg"]
        }


def test_baseline_defaults_to_spo2_scale_1() -> None:
    assert PatientBaseline(D(70)).spo2_scale == 1
    assert (PatientBaseline(D(70)).systolic_bp, PatientBaseline(D(70)).creatinine_mg_dl) == (
        None,
        None,
    )


def test_baseline_errors() -> None:
    errors = errors_of(lambda: PatientBaseline(D(70), creatinine_mg_dl=D(0), spo2_scale=3))
    assert errors == {"creatinine_mg_dl": ["must be positive"], "spo2_scale": ["must be 1 or 2"]}


def test_patient_record_checks_its_collections() -> None:
    errors = errors_of(
        lambda: PatientRecord(
            baseline="70kg",  # type: ignore[arg-type]
            vitals=[vitals()],  # type: ignore[arg-type]
            labs=(vitals(),),  # type: ignore[arg-type]
            events="svt",  # type: ignore[arg-type]
        )
    )
    assert errors == {
        "labs": ["must contain only LabResult"],
        "events": ["must be a sequence of ClinicalEvent"],
        "baseline": ["must be a PatientBaseline"],
    }
    ok = PatientRecord(baseline(), vitals=[vitals()])  # type: ignore[arg-type]
    assert isinstance(ok.vitals, tuple)


def test_contract_value() -> None:
    assert contract_value(OxygenDevice.CPAP) == "cpap"
    assert contract_value(D("2.50")) == "2.50"
    assert contract_value(NOW) == "2026-11-21T12:00:00+00:00"
    assert contract_value((D(1), [OxygenDevice.BIPAP])) == ["1", ["bipap"]]
    assert contract_value(7) == 7 and contract_value(None) is None


def test_news2_inputs_of_a_vitals_set() -> None:
    taken = vitals(weight_kg=D(80))
    news2 = taken.news2_inputs()
    assert news2.missing() == ()
    assert (news2.respiratory_rate, news2.spo2, news2.systolic_bp, news2.heart_rate) == (
        16,
        97,
        120,
        80,
    )
    assert (news2.oxygen_device, news2.consciousness, news2.temperature_c) == (
        "room_air",
        "alert",
        D("37.0"),
    )


def test_latest_vitals_and_measurements() -> None:
    sets = (vitals(ago(3), weight_kg=D(71)), vitals(ago(1), weight_kg=None), vitals(ago(-1)))
    assert latest_vitals(sets, at=NOW) == sets[1]
    assert latest_vitals(sets, at=NOW, since=ago(0.5)) is None
    assert latest_vitals(sets, at=ago(1)) == sets[1]
    assert latest_measurement(sets, "weight_kg", since=ago(5), at=NOW) == (D(71), ago(3))
    assert latest_measurement(sets, "weight_kg", since=ago(2), at=NOW) is None


def test_latest_lab_window() -> None:
    from tests.support.rules_factories import lab

    results = (
        lab("albumin", "3.1", ago(5)),
        lab("albumin", "2.9", ago(1)),
        lab("fobt", "negative"),
    )
    assert latest_lab(results, "albumin", at=NOW, since=None).value == D("2.9")  # type: ignore[union-attr, arg-type]
    assert latest_lab(results, "albumin", at=ago(2), since=None).value == D("3.1")  # type: ignore[union-attr, arg-type]
    assert latest_lab(results, "albumin", at=ago(2), since=ago(4)) is None  # type: ignore[arg-type]


def test_active_events_are_ordered_and_bounded() -> None:
    events = (
        ClinicalEvent("svt", ago(1)),  # type: ignore[arg-type]
        ClinicalEvent("coma", ago(3)),  # type: ignore[arg-type]
        ClinicalEvent("svt", ago(5), ended_at=ago(4)),  # type: ignore[arg-type]
    )
    assert [e.code for e in active_events(events, NOW)] == ["coma", "svt"]
    assert [e.code for e in active_events(events, ago(4.5))] == ["svt"]


@pytest.mark.parametrize(
    ("entries", "volume", "recorded"),
    [
        ([(400, 8, 0)], "400", "8"),
        ([(400, 10, 2)], "300", "6"),  # straddles the start: 6 of its 8 h count
        ([(100, 8, 4), (100, 6, 2)], "200", "6"),  # overlap: both volumes, time once
        ([(100, 8, 6), (100, 4, 0)], "200", "6"),  # a gap of 2 h is not recorded
        ([(50, 12, 9)], "0", "0"),  # wholly before the window
        ([(50, 12, 9), (80, 8, 0)], "80", "8"),  # one before, one inside
        ([(100, 8, 0), (10, 6, 4), (10, 3, 2)], "120", "8"),  # nested entries
        ([(50, 9, 8)], "0", "0"),  # ends exactly where the window starts
        ([(50, 0, -1)], "0", "0"),  # after the evaluation time
    ],
)
def test_urine_output_over_a_window(
    entries: list[tuple[int, float, float]], volume: str, recorded: str
) -> None:
    fluids = [urine(ml, ago(start), ago(end)) for ml, start, end in entries]
    output = urine_output(fluids, start=ago(8), end=NOW)
    assert output.volume_ml == D(volume)
    assert output.recorded_hours == D(recorded)
    assert output.window_hours == 8


def test_urine_output_ignores_other_fluids_and_skips_periods_under_a_minute() -> None:
    fluids = [
        FluidEntry("intake", "urine", D(500), ago(8), NOW),  # type: ignore[arg-type]
        FluidEntry("output", "emesis", D(500), ago(8), NOW),  # type: ignore[arg-type]
        urine(400, ago(8), NOW),
        urine(30, ago(2), ago(2)),  # no period: its volume cannot be placed in time
        urine(30, ago(8), ago(8)),  # at the window start: belongs to the one before
    ]
    output = urine_output(fluids, start=ago(8), end=NOW)
    assert output.volume_ml == D(400)
    assert output.recorded_hours == D(8)
    assert output.last_recorded_at == NOW
    assert output.ml_per_window() == D(400)
    assert output.ml_per_kg_per_hour(D(40)) == D("1.25")
    (skipped,) = output.skipped
    assert skipped.kind == "fluids" and "0 s" in skipped.reason and "1 min" in skipped.reason


def test_urine_scaled_to_the_window_when_partly_recorded() -> None:
    output = urine_output([urine(60, ago(6), NOW)], start=ago(8), end=NOW)
    assert output.assessable(6) and not output.assessable(7)
    assert output.ml_per_window() == D(80)
    assert output.last_recorded_at == NOW


def test_window_start_timedelta_arithmetic() -> None:
    assert ago(hours=1) + timedelta(hours=1) == NOW


@pytest.mark.parametrize(
    "period",
    [
        timedelta(0),
        timedelta(microseconds=1),
        timedelta(milliseconds=500),
        timedelta(seconds=59, microseconds=999_999),
    ],
)
def test_a_period_under_a_minute_is_skipped_and_named_never_divided(period: timedelta) -> None:
    degenerate = FluidEntry("output", "urine", D(400), NOW - period, NOW, record_id="row-1")  # type: ignore[arg-type]
    output = urine_output([degenerate, urine(100, ago(8), ago(4))], start=ago(8), end=NOW)
    assert output.volume_ml == D(100) and output.recorded_hours == D(4)
    assert [s.id for s in output.skipped] == ["row-1"]
    assert output.skipped[0].kind == "fluids"


def test_a_period_of_exactly_a_minute_counts() -> None:
    output = urine_output([urine(10, ago(minutes=1), NOW)], start=ago(8), end=NOW)
    assert output.volume_ml == D(10) and output.skipped == ()
    assert output.recorded_hours == D(1) / 60


def test_sub_second_overlaps_are_exact() -> None:
    # A period of 1 min 0.5 s straddling the window start by half a second: the share in the
    # window is exact, not rounded to whole seconds.
    entry = urine(121, ago(seconds=60.5), NOW - timedelta(seconds=0))
    output = urine_output([entry], start=ago(seconds=60), end=NOW)
    assert output.volume_ml == D(121) * D(60) / D("60.5")


def test_a_skipped_entry_outside_the_window_is_not_named() -> None:
    early = FluidEntry("output", "urine", D(5), ago(9), ago(9), record_id="early")  # type: ignore[arg-type]
    assert urine_output([early], start=ago(8), end=NOW).skipped == ()


def test_nothing_recorded_is_not_assessable_and_has_no_rate() -> None:
    output = urine_output([], start=ago(8), end=NOW)
    assert not output.assessable(0)
    assert output.ml_per_window() == 0 and output.ml_per_kg_per_hour(D(70)) == 0


def test_nothing_recorded_has_no_last_time() -> None:
    output = urine_output([urine(50, ago(9), ago(8))], start=ago(8), end=NOW)
    assert output.last_recorded_at is None


def test_window_bounds_are_inclusive() -> None:
    from tests.support.rules_factories import lab

    sets = (vitals(ago(3)), vitals(ago(1)))
    assert latest_vitals(sets, at=NOW, since=ago(1)) == sets[1]
    assert latest_vitals(sets, at=ago(3)) == sets[0]
    drawn = (lab("albumin", "3.1", NOW),)
    assert latest_lab(drawn, "albumin", at=NOW, since=NOW) == drawn[0]  # type: ignore[arg-type]


def test_an_event_is_active_from_the_moment_it_is_observed() -> None:
    seen = ClinicalEvent("svt", ago(1))  # type: ignore[arg-type]
    assert seen.active_at(ago(1))
    assert not seen.active_at(ago(1, seconds=1))


@pytest.mark.parametrize(
    "field",
    ["respiratory_rate", "spo2", "systolic_bp", "diastolic_bp", "heart_rate", "edema_grade"],
)
def test_every_whole_number_vital_is_checked(field: str) -> None:
    assert errors_of(lambda: vitals(**{field: 2.5})) == {field: ["must be a whole number"]}


def test_weight_must_not_be_negative() -> None:
    assert errors_of(lambda: vitals(weight_kg=D(-1))) == {"weight_kg": ["must not be negative"]}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"weight_kg": "heavy"}, "weight_kg", "must be a decimal number"),
        ({"systolic_bp": 120.5}, "systolic_bp", "must be a whole number"),
        ({"creatinine_mg_dl": "Infinity"}, "creatinine_mg_dl", "must be a finite number"),
        ({"spo2_scale": "2"}, "spo2_scale", "must be a whole number"),
    ],
)
def test_every_baseline_field_is_checked(changes: dict[str, Any], field: str, message: str) -> None:
    assert errors_of(lambda: baseline(**changes))[field][0] == message


def test_every_time_field_must_be_aware() -> None:
    assert errors_of(lambda: FluidEntry("output", "urine", D(5), ago(1), NAIVE)) == {  # type: ignore[arg-type]
        "period_end": ["must be a timezone-aware datetime"]
    }
    assert errors_of(lambda: ClinicalEvent("svt", NAIVE)) == {  # type: ignore[arg-type]
        "observed_at": ["must be a timezone-aware datetime"]
    }
    assert errors_of(lambda: DoseRecord(1, 1, NAIVE)) == {
        "scheduled_at": ["must be a timezone-aware datetime"]
    }


def test_every_collection_of_the_record_is_checked() -> None:
    errors = errors_of(
        lambda: PatientRecord(
            baseline(),
            fluids=(vitals(),),  # type: ignore[arg-type]
            medications=(vitals(),),  # type: ignore[arg-type]
            doses=(vitals(),),  # type: ignore[arg-type]
        )
    )
    assert errors == {
        "fluids": ["must contain only FluidEntry"],
        "medications": ["must contain only SupportiveMedication"],
        "doses": ["must contain only DoseRecord"],
    }


def test_unknown_lab_test_does_not_also_judge_its_value() -> None:
    assert errors_of(lambda: LabResult("sodium", "positive", NOW)) == {  # type: ignore[arg-type]
        "test": [
            "must be one of: creatinine, albumin, platelets, bilirubin, bicarbonate, potassium, "
            "troponin, fobt"
        ]
    }


@pytest.mark.parametrize(
    ("value", "message"),
    [("Infinity", "must be a finite number"), ("abc", "must be a decimal number")],
)
def test_decimal_messages(value: str, message: str) -> None:
    assert errors_of(lambda: vitals(temperature_c=value)) == {"temperature_c": [message]}
