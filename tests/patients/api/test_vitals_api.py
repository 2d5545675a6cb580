"""The vital-signs endpoints of the public contract (api-contract.md, "Vital signs")."""

from datetime import timedelta

import pytest
from django.utils import timezone

from patients import limits
from patients.models import VasopressorInfusion, VitalSigns
from tests.support.clock import FromNow
from tests.support.factories import AdmissionFactory
from tests.support.observation_kinds import vitals_payload

pytestmark = pytest.mark.django_db


def url(patient) -> str:  # type: ignore[no-untyped-def]
    return f"/api/v1/patients/{patient.pk}/vitals/"


def iso(delta_minutes: int = -10) -> str:
    return (timezone.now() + timedelta(minutes=delta_minutes)).isoformat()


def test_record_returns_the_stored_set_with_news2(api_as, nurse, admission):
    response = api_as(nurse).post(url(admission.patient), vitals_payload(), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    # RR 26 → 3, SpO2 95 → 1, oxygen → 2, SBP 118 → 0, HR 96 → 1, alert → 0, 38.4 → 1
    assert body["news2"] == {
        "total": 8,
        "band": "high",
        "red_flag": True,
        "subscores": {
            "respiratory_rate": 3,
            "spo2": 1,
            "air_or_oxygen": 2,
            "systolic_bp": 0,
            "heart_rate": 1,
            "consciousness": 0,
            "temperature": 1,
        },
        "algorithm_version": "news2-rcp-2017",
        "spo2_scale": 1,
    }
    assert body["news2_missing"] == []
    assert body["entered_by"] == "nurse.one"
    assert body["patient"] == str(admission.patient.pk)
    assert body["admission"] == str(admission.pk)
    assert body["temperature_c"] == 38.4 and body["oxygen_flow_l_min"] == 2.0
    assert body["vasopressors"] == []
    assert body["entered_in_error"] is False
    stored = VitalSigns.objects.get(pk=body["id"])
    assert stored.news2_total == 8 and stored.news2_band == "high"
    assert stored.history.first().history_user == nurse


def test_partial_set_has_null_news2_and_names_the_missing_inputs(api_as, nurse, admission):
    response = api_as(nurse).post(
        url(admission.patient),
        {"taken_at": iso(), "systolic_bp": 70, "diastolic_bp": 40, "heart_rate": 124},
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["news2"] is None
    assert body["news2_missing"] == [
        "respiratory_rate",
        "spo2",
        "oxygen_device",
        "consciousness",
        "temperature_c",
    ]
    assert body["vasopressors"] is None  # not recorded with this set
    stored = VitalSigns.objects.get(pk=body["id"])
    assert stored.news2_red_flag is True  # SBP 70 scores 3 even in a partial set
    assert stored.news2_subscores == {"systolic_bp": 3, "heart_rate": 2}


def test_vasopressors_running_are_stored_as_rows(api_as, physician, admission):
    vasopressors = [
        {"agent": "norepinephrine", "dose": "0.08", "dose_unit": "mcg_kg_min"},
        {"agent": "vasopressin", "dose": "0.03", "dose_unit": "units_min"},
    ]
    response = api_as(physician).post(
        url(admission.patient), vitals_payload(vasopressors=vasopressors), format="json"
    )

    assert response.status_code == 201, response.json()
    assert response.json()["vasopressors"] == [
        {"agent": "norepinephrine", "dose": 0.08, "dose_unit": "mcg_kg_min"},
        {"agent": "vasopressin", "dose": 0.03, "dose_unit": "units_min"},
    ]
    assert VasopressorInfusion.objects.count() == 2


FLOW = limits.OXYGEN_FLOW.message
BAD_INPUTS = [
    ({"taken_at": FromNow(minutes=10)}, "taken_at", "Time cannot be in the future."),
    ({"taken_at": "yesterday"}, "taken_at", "with its time zone: Z or ±hh:mm"),
    ({"taken_at": None}, "taken_at", "This field may not be null."),
    ({"taken_at": ...}, "taken_at", "This field is required."),
    ({"client_id": "not-a-uuid"}, "client_id", "Must be a valid UUID."),
    ({"respiratory_rate": -1}, "respiratory_rate", limits.RESPIRATORY_RATE.message),
    ({"respiratory_rate": 81}, "respiratory_rate", limits.RESPIRATORY_RATE.message),
    ({"respiratory_rate": "fast"}, "respiratory_rate", "A valid integer is required."),
    ({"respiratory_rate": 16.5}, "respiratory_rate", "A valid integer is required."),
    ({"spo2": 49}, "spo2", limits.SPO2.message),
    ({"spo2": 101}, "spo2", limits.SPO2.message),
    ({"oxygen_device": "oxygen"}, "oxygen_device", '"oxygen" is not a valid choice.'),
    ({"oxygen_flow_l_min": "0"}, "oxygen_flow_l_min", FLOW),
    ({"oxygen_flow_l_min": "81"}, "oxygen_flow_l_min", FLOW),
    ({"oxygen_flow_l_min": "lots"}, "oxygen_flow_l_min", "A valid number is required."),
    (
        {"oxygen_device": "room_air", "oxygen_flow_l_min": "2"},
        "oxygen_flow_l_min",
        limits.FLOW_WITH_ROOM_AIR,
    ),
    (
        {"oxygen_device": "nasal_cannula", "oxygen_flow_l_min": None},
        "oxygen_flow_l_min",
        limits.FLOW_REQUIRED,
    ),
    (
        {"oxygen_device": None, "oxygen_flow_l_min": "2"},
        "oxygen_device",
        limits.DEVICE_REQUIRED_FOR_FLOW,
    ),
    ({"systolic_bp": 39}, "systolic_bp", limits.SYSTOLIC_BP.message),
    ({"systolic_bp": 301}, "systolic_bp", limits.SYSTOLIC_BP.message),
    ({"diastolic_bp": 19}, "diastolic_bp", limits.DIASTOLIC_BP.message),
    ({"diastolic_bp": 201}, "diastolic_bp", limits.DIASTOLIC_BP.message),
    (
        {"systolic_bp": 80, "diastolic_bp": 80},
        "diastolic_bp",
        limits.DIASTOLIC_NOT_BELOW_SYSTOLIC,
    ),
    (
        {"systolic_bp": 70, "diastolic_bp": 110},
        "diastolic_bp",
        limits.DIASTOLIC_NOT_BELOW_SYSTOLIC,
    ),
    ({"heart_rate": 19}, "heart_rate", limits.HEART_RATE.message),
    ({"heart_rate": 301}, "heart_rate", limits.HEART_RATE.message),
    ({"consciousness": "confused"}, "consciousness", '"confused" is not a valid choice.'),
    ({"temperature_c": "29.9"}, "temperature_c", limits.TEMPERATURE.message),
    ({"temperature_c": "45.1"}, "temperature_c", limits.TEMPERATURE.message),
    ({"temperature_c": "100.4"}, "temperature_c", limits.TEMPERATURE.message),
    (
        {"temperature_c": "37.25"},
        "temperature_c",
        "Ensure that there are no more than 1 decimal places.",
    ),
    ({"weight_kg": "19.9"}, "weight_kg", "Weight must be between 20 and 300 kg."),
    ({"weight_kg": "300.1"}, "weight_kg", "Weight must be between 20 and 300 kg."),
    ({"edema_grade": 5}, "edema_grade", "Edema grade must be between 0 and 4."),
    ({"edema_grade": -1}, "edema_grade", "Edema grade must be between 0 and 4."),
    ({"vasopressors": {"agent": "dopamine"}}, "vasopressors", "Expected a list of items"),
]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    BAD_INPUTS,
    ids=[f"{field}:{next(iter(change.values()))}" for change, field, _ in BAD_INPUTS],
)
def test_bad_input_is_a_400_naming_the_field_and_writes_nothing(
    api_as, nurse, admission, change, field, message
):
    response = api_as(nurse).post(url(admission.patient), vitals_payload(**change), format="json")

    assert response.status_code == 400
    assert any(message in text for text in response.json()[field]), response.json()
    assert VitalSigns.objects.count() == 0


BAD_VASOPRESSORS = [
    ([{"agent": "adrenaline", "dose": "0.1", "dose_unit": "mcg_kg_min"}], "agent"),
    ([{"agent": "dopamine", "dose": "0.1", "dose_unit": "ml_h"}], "dose_unit"),
    ([{"agent": "dopamine", "dose": "80", "dose_unit": "mcg_kg_min"}], "dose"),
    ([{"agent": "vasopressin", "dose": "2.4", "dose_unit": "units_min"}], "dose"),
    ([{"agent": "dopamine", "dose_unit": "mcg_kg_min"}], "dose"),
]


@pytest.mark.parametrize(("vasopressors", "field"), BAD_VASOPRESSORS)
def test_bad_vasopressor_names_the_item_field(api_as, nurse, admission, vasopressors, field):
    response = api_as(nurse).post(
        url(admission.patient), vitals_payload(vasopressors=vasopressors), format="json"
    )

    assert response.status_code == 400
    assert field in response.json()["vasopressors"]["0"], response.json()
    assert VitalSigns.objects.count() == 0


def test_dose_range_message_names_the_unit(api_as, nurse, admission):
    response = api_as(nurse).post(
        url(admission.patient),
        vitals_payload(
            vasopressors=[{"agent": "dopamine", "dose": "80", "dose_unit": "mcg_kg_min"}]
        ),
        format="json",
    )
    assert response.json()["vasopressors"]["0"]["dose"] == [
        "A dose in µg/kg/min must be between 0.001 and 50."
    ]


def test_the_same_agent_twice_is_refused(api_as, nurse, admission):
    norepinephrine = {"agent": "norepinephrine", "dose": "0.05", "dose_unit": "mcg_kg_min"}
    response = api_as(nurse).post(
        url(admission.patient), vitals_payload(vasopressors=[norepinephrine] * 2), format="json"
    )
    assert response.status_code == 400
    assert response.json()["vasopressors"] == [limits.DUPLICATE_VASOPRESSOR]


def test_a_set_without_any_measurement_is_refused(api_as, nurse, admission):
    response = api_as(nurse).post(
        url(admission.patient), {"taken_at": iso(), "vasopressors": []}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": [limits.AT_LEAST_ONE_MEASUREMENT]}


def test_every_failing_field_is_named_in_one_response(api_as, nurse, admission):
    response = api_as(nurse).post(
        url(admission.patient),
        vitals_payload(
            taken_at=iso(30),
            spo2=120,
            systolic_bp=100,
            diastolic_bp=100,
            oxygen_device="room_air",
            oxygen_flow_l_min="4",
            temperature_c="hot",
            consciousness="drowsy",
        ),
        format="json",
    )

    assert response.status_code == 400
    assert set(response.json()) == {
        "taken_at",
        "spo2",
        "diastolic_bp",
        "oxygen_flow_l_min",
        "temperature_c",
        "consciousness",
    }
    assert VitalSigns.objects.count() == 0


def test_a_time_before_the_admission_is_refused(api_as, nurse):
    admission = AdmissionFactory(admitted_at=timezone.now() - timedelta(hours=2))
    response = api_as(nurse).post(
        url(admission.patient),
        vitals_payload(taken_at=(timezone.now() - timedelta(days=3)).isoformat()),
        format="json",
    )
    assert response.status_code == 400
    assert "more than 24 hours before the admission" in response.json()["taken_at"][0]
