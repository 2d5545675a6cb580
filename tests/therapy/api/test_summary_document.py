"""The stored summary document (issue 16 item 2): the monitor stores each patient's summary
when it evaluates, the API serves it with its ETag while it is current (one query), and every
write that changes what the summary says makes it out of date in the same transaction — so a
served summary is always the summary the read model would build now."""

import json
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIClient

from patients.models import VitalSigns
from patients.services import patients as patient_services
from patients.services.recording import observation_mark_entered_in_error
from tests.support.factories import AdmissionFactory
from tests.support.observation_kinds import vitals_payload
from tests.support.therapy_fixtures import (
    CRS_GRADE_3,
    order_course,
    patient_in_trouble,
    record_vitals,
    token_client,
)
from therapy import tasks
from therapy.api.summary import PatientSummarySerializer
from therapy.mar import courses
from therapy.models import Alert, StateDocument
from therapy.monitor import alerts as alert_services
from therapy.monitor.evaluation import evaluation_run
from therapy.state.patient_state import patient_state

pytestmark = pytest.mark.django_db


def summary_url(patient_id: object) -> str:
    return f"/api/v1/patients/{patient_id}/summary/"


def live(patient: Any) -> dict[str, Any]:
    """What the read model says now, rendered as the API renders it (no document)."""
    patient.refresh_from_db()
    body = json.loads(
        JSONRenderer().render(PatientSummarySerializer(patient_state(patient=patient)).data)
    )
    body.pop("generated_at")
    return body


def served(client: Any, patient: Any) -> dict[str, Any]:
    response = client.get(summary_url(patient.pk))
    assert response.status_code == 200, response.content
    body = response.json()
    body.pop("generated_at")
    return body


def writer(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client


def vitals_url(patient: Any) -> str:
    return f"/api/v1/patients/{patient.pk}/vitals/"


def current_document(patient: Any) -> StateDocument:
    document = StateDocument.objects.get(pk=patient.pk)
    assert document.is_current(timezone.now()), "the document should be current"
    return document


def test_the_monitor_stores_the_document_when_it_evaluates(nurse, physician):
    patient = AdmissionFactory().patient
    order_course(patient, physician, first_dose_in=timedelta(hours=3))
    record_vitals(patient, nurse, minutes_ago=5, **CRS_GRADE_3)
    tasks.patient_evaluate.apply(args=(str(patient.pk), "vitals")).get()
    document = current_document(patient)
    assert document.body["crs"]["grade"] == 3
    assert document.body["alert_counts"]["emergency"] >= 1
    body = dict(document.body)
    body.pop("generated_at")
    assert body == live(patient)


def test_a_current_document_is_served_in_one_query_with_its_etag(
    api, nurse, physician, django_assert_num_queries
):
    patient, _ = patient_in_trouble(nurse, physician)
    tasks.patient_evaluate.apply(args=(str(patient.pk), "vitals")).get()
    document = current_document(patient)
    client = token_client(api, nurse)
    # token + user 1, permissions 2 (the framework's floor pays these too), the document 1.
    with django_assert_num_queries(4):
        response = client.get(summary_url(patient.pk))
    assert response.status_code == 200
    assert response["ETag"] == f'"{document.etag}"'
    assert response.json() == document.body


def test_if_none_match_answers_304_until_something_changes(api, nurse, physician):
    patient, _ = patient_in_trouble(nurse, physician)
    client = token_client(api, nurse)
    first = client.get(summary_url(patient.pk))
    etag = first["ETag"]
    again = client.get(summary_url(patient.pk), HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again["ETag"] == etag
    assert again.content == b""
    listed = client.get(summary_url(patient.pk), HTTP_IF_NONE_MATCH=f'"other", {etag}')
    assert listed.status_code == 304
    assert client.get(summary_url(patient.pk), HTTP_IF_NONE_MATCH='"other"').status_code == 200
    # A new set changes what the summary says: a new ETag, the full body.
    posted = writer(nurse).post(vitals_url(patient), vitals_payload(), format="json")
    assert posted.status_code == 201, posted.content
    changed = client.get(summary_url(patient.pk), HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    # Rebuilt with nothing changed, a summary keeps its ETag (generated_at aside).
    StateDocument.objects.invalidate([patient.pk])
    rebuilt = client.get(summary_url(patient.pk), HTTP_IF_NONE_MATCH=changed["ETag"])
    assert rebuilt.status_code == 304


def test_every_write_that_changes_the_summary_makes_the_document_out_of_date(api, nurse, physician):
    """After each kind of write, the summary served is the one the read model builds now."""
    patient, course = patient_in_trouble(nurse, physician, ward="7B", bed="4")
    client = token_client(api, nurse)
    admission = patient.admissions.get(discharged_at__isnull=True)

    def post_vitals() -> None:
        response = writer(nurse).post(vitals_url(patient), vitals_payload(), format="json")
        assert response.status_code == 201, response.content

    def acknowledge() -> None:
        alert = Alert.objects.filter(patient=patient, status="active").first()
        assert alert is not None
        response = writer(nurse).post(
            f"/api/v1/alerts/{alert.pk}/acknowledge/", {"note": "Registrar told"}, format="json"
        )
        assert response.status_code == 200, response.content

    def escalate() -> None:
        with time_machine.travel(timezone.now() + timedelta(hours=2), tick=False):
            escalated = alert_services.alerts_escalate(now=timezone.now())
        assert escalated >= 1

    def entered_in_error() -> None:
        newest = VitalSigns.objects.filter(patient=patient).order_by("-taken_at").first()
        observation_mark_entered_in_error(observation=newest, by=nurse, reason="wrong patient")

    def discontinue() -> None:
        courses.course_discontinue(course=course, by=physician, reason="toxicity")

    writes = [
        ("a vitals set through the API", post_vitals),
        ("an evaluation", lambda: evaluation_run(patient_id=patient.pk, reason="vitals")),
        ("the course discontinued", discontinue),
        (
            "a set with a grade 3 CRS picture",
            lambda: record_vitals(patient, nurse, minutes_ago=1, **CRS_GRADE_3),
        ),
        ("its evaluation", lambda: evaluation_run(patient_id=patient.pk, reason="vitals")),
        ("escalation", escalate),
        ("an alert acknowledged", acknowledge),
        ("a set entered in error", entered_in_error),
        (
            "the patient renamed",
            lambda: patient_services.patient_update(
                patient=patient, by=physician, family_name="Renamed"
            ),
        ),
        (
            "a bed move",
            lambda: patient_services.admission_move_bed(
                admission=admission, by=nurse, ward="7B", bed="9"
            ),
        ),
        (
            "a discharge",
            lambda: patient_services.admission_discharge(
                admission=admission, by=physician, discharged_at=timezone.now()
            ),
        ),
        (
            "the discharge's evaluation",
            lambda: evaluation_run(patient_id=patient.pk, reason="discharge"),
        ),
    ]
    for what, write in writes:
        assert served(client, patient) == live(patient)
        current_document(patient)  # the next request is served from it
        write()
        assert served(client, patient) == live(patient), f"stale after {what}"


def test_a_document_is_current_only_until_the_clock_changes_what_it_says(api, nurse, physician):
    patient = AdmissionFactory().patient
    order_course(patient, physician, first_dose_in=timedelta(hours=6))
    record_vitals(patient, nurse, minutes_ago=0)
    evaluation_run(patient_id=patient.pk, reason="vitals")
    client = token_client(api, nurse)
    body = served(client, patient)
    assert body["due"]["vitals_status"] == "ok"
    document = current_document(patient)
    # Vitals turn due at three quarters of the interval: the document is current until then
    # at the latest (something else, a stale check, may come first).
    taken_at = VitalSigns.objects.get(patient=patient).taken_at
    interval = timedelta(minutes=body["due"]["vitals_interval_minutes"])
    turns_due = taken_at + interval * 3 / 4
    assert document.valid_until <= turns_due
    with time_machine.travel(turns_due - timedelta(seconds=1), tick=False):
        assert served(client, patient)["due"]["vitals_status"] == "ok"
    with time_machine.travel(turns_due + timedelta(seconds=1), tick=False):
        later = served(client, patient)
        assert later["due"]["vitals_status"] == "due"
        assert later == live(patient)
        assert current_document(patient).body["due"]["vitals_status"] == "due"


def test_a_build_racing_a_write_is_not_stored_as_current(nurse, physician):
    """The document's ``changes`` is read before the build: a write committed during the
    build bumps it, so the build's update matches no row and the document stays out of date."""
    from therapy.api import summary as summary_api

    patient = AdmissionFactory().patient
    record_vitals(patient, nurse, minutes_ago=10)

    def build_then_write() -> list[Any]:
        states = [patient_state(patient=patient)]
        record_vitals(patient, nurse, minutes_ago=1, **CRS_GRADE_3)  # lands mid-build
        return states

    summary_api._stored([patient.pk], build_then_write)
    document = StateDocument.objects.get(pk=patient.pk)
    assert document.built_from is None
    assert not document.is_current(timezone.now())
