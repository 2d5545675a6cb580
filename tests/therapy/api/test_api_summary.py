"""GET /api/v1/patients/{id}/summary/ and the ward list GET /api/v1/summaries/ (api-contract.md,
"Patient summary"): the contract's shape, what each part says, a fixed number of queries."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.support.factories import AdmissionFactory, PatientFactory
from tests.support.therapy_fixtures import (
    CRS_GRADE_3,
    order_course,
    patient_in_trouble,
    record_vitals,
    token_client,
)
from therapy.mar import courses
from therapy.models import Alert
from therapy.monitor.evaluation import evaluation_run
from therapy.state.patient_state import patient_state

pytestmark = pytest.mark.django_db

CONTRACT_KEYS = {
    "patient",
    "admission",
    "therapy",
    "latest_vitals",
    "latest_values",
    "news2",
    "crs",
    "vls",
    "aki",  # (v2) clinical-rules §3a
    "precheck",
    "trend",  # clinical-rules v2 §7: the projections (an addition to the contract's shape)
    "active_alerts",
    "generated_at",
    "monitor",
    "due",
    "alert_counts",
}
THERAPY_KEYS = {
    "course_id",
    "cycle",
    "doses_given",
    "doses_held",
    "max_doses",
    "next_dose_id",
    "next_dose_at",
    "next_dose_window_opens_at",
    "next_dose_overdue_at",
    "status",
}
CRS_KEYS = {"grade", "fever", "fever_masked", "hypotension_grade", "hypoxia_grade", "as_of"}
VLS_KEYS = {"suspected", "severity", "signs", "as_of"}


def summary_url(patient_id: object) -> str:
    return f"/api/v1/patients/{patient_id}/summary/"


def selector_aki_stage(patient):  # type: ignore[no-untyped-def]
    return patient_state(patient=patient).aki["stage"]


def test_summary_has_the_contract_shape_and_says_what_the_selector_says(api_as, nurse, physician):
    patient, course = patient_in_trouble(nurse, physician)

    response = api_as(nurse).get(summary_url(patient.pk))

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == CONTRACT_KEYS
    assert set(body["therapy"]) == THERAPY_KEYS
    assert set(body["crs"]) >= CRS_KEYS and set(body["vls"]) >= VLS_KEYS
    assert body["aki"]["stage"] == selector_aki_stage(patient)
    selector = patient_state(patient=patient)
    second = course.doses.get(number=2)
    assert body["patient"]["id"] == str(patient.pk) and body["patient"]["ward"] == "7B Oncology"
    assert body["admission"]["id"] == str(selector.admission.pk)
    assert body["therapy"] == {
        "course_id": str(course.pk),
        "cycle": 1,
        "doses_given": 0,
        "doses_held": 1,
        "max_doses": 14,
        "next_dose_id": str(second.pk),
        "next_dose_at": body["therapy"]["next_dose_at"],
        "next_dose_window_opens_at": body["therapy"]["next_dose_window_opens_at"],
        "next_dose_overdue_at": body["therapy"]["next_dose_overdue_at"],
        "status": "active",
    }
    times = {
        key: timezone.datetime.fromisoformat(body["therapy"][key])
        for key in body["therapy"]
        if key.endswith("_at")
    }
    assert times["next_dose_at"] == second.scheduled_at
    assert times["next_dose_window_opens_at"] == second.scheduled_at - timedelta(hours=2)
    assert times["next_dose_overdue_at"] == second.scheduled_at + timedelta(minutes=30)
    assert body["latest_vitals"]["id"] == str(selector.latest_vitals.pk)
    assert body["latest_vitals"]["systolic_bp"] == 84
    assert body["news2"]["total"] == selector.news2["total"] == 4
    assert body["crs"]["grade"] == 3 and body["crs"]["hypotension_grade"] == 3
    assert body["crs"]["fever"] is True and body["crs"]["max_temperature_c"] == 38.6
    assert body["vls"]["severity"] == selector.vls["severity"]
    assert {s["code"] for s in body["vls"]["signs"]} == {s["code"] for s in selector.vls["signs"]}
    assert body["precheck"]["dose_id"] == str(second.pk)
    assert body["precheck"]["recommendation"] in {
        "give",
        "hold",
        "discontinue",
        "insufficient_data",
    }
    kinds = [alert["kind"] for alert in body["active_alerts"]]
    assert "crs" in kinds and kinds == [a.kind for a in selector.active_alerts]
    assert body["active_alerts"][0]["severity"] == "emergency"  # most severe first
    generated = timezone.datetime.fromisoformat(body["generated_at"])
    assert abs(generated - timezone.now()) < timedelta(minutes=1)


def test_times_are_iso_8601_with_an_offset(api_as, nurse, physician):
    patient, _ = patient_in_trouble(nurse, physician)
    body = api_as(nurse).get(summary_url(patient.pk)).json()
    for value in (
        body["generated_at"],
        body["therapy"]["next_dose_at"],
        body["crs"]["as_of"],
        body["latest_vitals"]["taken_at"],
        body["active_alerts"][0]["opened_at"],
    ):
        assert timezone.datetime.fromisoformat(value).utcoffset() is not None, value


def test_a_patient_never_assessed_has_nulls_not_made_up_values(api_as, pharmacist):
    patient = PatientFactory()

    body = api_as(pharmacist).get(summary_url(patient.pk)).json()

    assert set(body) == CONTRACT_KEYS
    assert body["admission"] is None and body["latest_vitals"] is None
    assert body["news2"] is None and body["crs"] is None and body["vls"] is None
    assert body["aki"] is None
    assert body["precheck"] is None and body["active_alerts"] == []
    assert body["trend"] is None
    assert body["therapy"] == {
        "course_id": None,
        "cycle": None,
        "doses_given": 0,
        "doses_held": 0,
        "max_doses": None,
        "next_dose_id": None,
        "next_dose_at": None,
        "next_dose_window_opens_at": None,
        "next_dose_overdue_at": None,
        "status": "none",
    }


def test_a_check_of_a_dose_decided_since_is_not_shown_as_the_next_ones(
    api_as, admission, nurse, physician
):
    patient = admission.patient
    course = order_course(patient, physician, first_dose_in=timedelta(minutes=10))
    record_vitals(patient, nurse, minutes_ago=5)
    evaluation_run(patient_id=patient.pk, reason="vitals")
    first = course.doses.get(number=1)
    assert api_as(nurse).get(summary_url(patient.pk)).json()["precheck"]["dose_id"] == str(first.pk)

    # Held; the monitor has not run again yet (its task runs on commit, after this test).
    courses.dose_hold(dose=first, by=nurse, reasons=["clinical_judgement"], note="pyrexial")

    body = api_as(nurse).get(summary_url(patient.pk)).json()
    assert body["therapy"]["next_dose_id"] == str(course.doses.get(number=2).pk)
    assert body["precheck"] is None


def test_unknown_patient_is_404_and_anonymous_is_401_without_data(api, api_as, nurse, admission):
    assert api_as(nurse).get(summary_url(uuid.uuid4())).status_code == 404
    assert api_as(nurse).get("/api/v1/patients/not-a-uuid/summary/").status_code == 404
    api.force_authenticate(None)
    response = api.get(summary_url(admission.patient.pk))
    assert response.status_code == 401
    assert set(response.json()) == {"detail"}
    assert admission.patient.family_name not in response.content.decode()


def test_summary_query_count_does_not_grow_with_history(
    api, admission, nurse, physician, django_assert_num_queries
):
    patient = admission.patient
    course = order_course(patient, physician, first_dose_in=timedelta(minutes=10))
    record_vitals(patient, nurse, minutes_ago=30)
    evaluation_run(patient_id=patient.pk, reason="vitals")
    client = token_client(api, nurse)  # its first request stored the ward's documents
    # Stored and current: token + user 1, permissions 2, the document 1.
    with django_assert_num_queries(4):
        assert client.get(summary_url(patient.pk)).status_code == 200
    for minutes in range(40, 40 + 10 * 60, 10):
        record_vitals(patient, nurse, minutes_ago=minutes, temperature_c=Decimal("38.2"))
    courses.dose_hold(
        dose=course.doses.get(number=1), by=nurse, reasons=["clinical_judgement"], note="x"
    )
    record_vitals(patient, nurse, minutes_ago=5, **CRS_GRADE_3)
    evaluation_run(patient_id=patient.pk, reason="vitals")
    assert Alert.objects.filter(patient=patient).count() >= 1
    # Out of date (written since): the document 1, patient 2, state 7, its changes 1, update 1.
    with django_assert_num_queries(15):
        body = client.get(summary_url(patient.pk)).json()
    assert body["therapy"]["doses_held"] == 1
    with django_assert_num_queries(4):
        assert client.get(summary_url(patient.pk)).json() == body


# --- The ward list ----------------------------------------------------------------------------
def test_ward_list_gives_each_admitted_patients_summary_as_the_single_endpoint_does(
    api_as, nurse, physician
):
    in_trouble, _ = patient_in_trouble(nurse, physician, ward="HDU", bed="H1")
    quiet = AdmissionFactory(ward="HDU", bed="H2").patient
    record_vitals(quiet, nurse, minutes_ago=15)
    evaluation_run(patient_id=quiet.pk, reason="vitals")
    no_course = AdmissionFactory(ward="HDU", bed="H3").patient
    reordered = AdmissionFactory(ward="HDU", bed="H4").patient
    stopped = order_course(reordered, physician)
    courses.course_discontinue(course=stopped, by=physician, reason="re-ordered")
    active = order_course(reordered, physician, first_dose_in=timedelta(hours=2))
    discontinued = AdmissionFactory(ward="HDU", bed="H5").patient
    courses.course_discontinue(
        course=order_course(discontinued, physician), by=physician, reason="toxicity"
    )
    other_ward = AdmissionFactory(ward="7B Oncology", bed="1").patient
    PatientFactory()  # not admitted: never in the list
    client = api_as(nurse)

    page = client.get("/api/v1/summaries/", {"ward": "HDU"}).json()

    assert set(page) == {"count", "next", "previous", "results"}
    assert page["count"] == 5
    results = page["results"]
    assert [r["patient"]["id"] for r in results] == [
        str(in_trouble.pk),
        str(quiet.pk),
        str(no_course.pk),
        str(reordered.pk),
        str(discontinued.pk),
    ]
    assert results[3]["therapy"]["course_id"] == str(active.pk)
    assert results[4]["therapy"]["status"] == "discontinued"
    for listed in results:
        single = client.get(summary_url(listed["patient"]["id"])).json()
        listed.pop("generated_at"), single.pop("generated_at")
        assert listed == single
    everyone = client.get("/api/v1/summaries/").json()
    assert everyone["count"] == 6
    assert str(other_ward.pk) in {r["patient"]["id"] for r in everyone["results"]}
    assert client.get("/api/v1/summaries/", {"ward": "Nowhere"}).json()["count"] == 0


def test_ward_list_is_paginated(api_as, nurse):
    for bed in range(5):
        AdmissionFactory(ward="7B Oncology", bed=f"{bed}")
    client = api_as(nurse)
    first = client.get("/api/v1/summaries/", {"page_size": 2}).json()
    assert first["count"] == 5 and len(first["results"]) == 2 and first["next"]
    assert client.get("/api/v1/summaries/", {"page": 9}).status_code == 404


def test_ward_list_query_count_does_not_grow_with_patients(
    api, nurse, physician, django_assert_num_queries
):
    def admit(count: int, offset: int) -> None:
        for number in range(offset, offset + count):
            patient_in_trouble(nurse, physician, ward="7B Oncology", bed=f"{number}")

    admit(2, 0)
    client = token_client(api, nurse)  # its first request stored the ward's documents
    # Stored and current: token + user 1, permissions 2, count + page 2, the documents 1.
    with django_assert_num_queries(6):
        assert len(client.get("/api/v1/summaries/").json()["results"]) == 2
    admit(10, 2)
    # Ten new patients (their rows made by their writes, none built): the documents 1 (two
    # current), the ten's states 7, their changes 1, an update each 10.
    with django_assert_num_queries(6 + 7 + 1 + 10):
        assert len(client.get("/api/v1/summaries/").json()["results"]) == 12
    with django_assert_num_queries(6):
        assert len(client.get("/api/v1/summaries/").json()["results"]) == 12
