"""Admissions through the API: open (409 when one is open), discharge, move bed."""

import pytest
from django.utils import timezone

from patients.models import Admission
from tests.support.factories import AdmissionFactory

pytestmark = pytest.mark.django_db


def admissions_url(patient):  # type: ignore[no-untyped-def]
    return f"/api/v1/patients/{patient.pk}/admissions/"


def test_open_admission_then_409_for_a_second(api_as, nurse, patient):
    client = api_as(nurse)
    body = {"ward": "7B Oncology", "bed": "4", "admitted_at": timezone.now().isoformat()}

    first = client.post(admissions_url(patient), body, format="json")
    second = client.post(admissions_url(patient), {**body, "bed": "5"}, format="json")

    assert first.status_code == 201, first.json()
    assert first.json()["patient"] == str(patient.pk)
    assert second.status_code == 409
    assert second.json()["detail"] == "This patient already has an open admission."
    assert Admission.objects.count() == 1
    patient_body = client.get(f"/api/v1/patients/{patient.pk}/").json()
    assert (patient_body["ward"], patient_body["bed"]) == ("7B Oncology", "4")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"ward": "7B", "bed": "1"}, "admitted_at"),
        ({"ward": "", "bed": "1", "admitted_at": "2026-01-01T10:00:00Z"}, "ward"),
        ({"ward": "7B", "bed": "1", "admitted_at": "yesterday"}, "admitted_at"),
        ({"ward": "7B", "bed": "1", "admitted_at": "2999-01-01T10:00:00Z"}, "admitted_at"),
    ],
)
def test_bad_admission_is_400_and_writes_nothing(api_as, nurse, patient, body, field):
    response = api_as(nurse).post(admissions_url(patient), body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert Admission.objects.count() == 0


def test_occupied_bed_is_409_naming_the_bed(api_as, nurse, patient):
    AdmissionFactory(ward="7B", bed="1")
    response = api_as(nurse).post(
        admissions_url(patient),
        {"ward": "7B", "bed": "1", "admitted_at": timezone.now().isoformat()},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["bed"] == ["Bed 1 on ward 7B is occupied by another admitted patient."]


def test_discharge_and_its_refusals(api_as, nurse, admission):
    client = api_as(nurse)
    url = f"/api/v1/admissions/{admission.pk}/discharge/"

    early = client.post(
        url,
        {"discharged_at": (admission.admitted_at - timezone.timedelta(hours=1)).isoformat()},
        format="json",
    )
    assert early.status_code == 400
    assert early.json()["discharged_at"] == ["Discharge must be after admission."]

    done = client.post(url, {"discharged_at": timezone.now().isoformat()}, format="json")
    assert done.status_code == 200
    assert done.json()["discharged_at"] is not None

    again = client.post(url, {"discharged_at": timezone.now().isoformat()}, format="json")
    assert again.status_code == 409


def test_move_bed(api_as, nurse, admission):
    response = api_as(nurse).post(
        f"/api/v1/admissions/{admission.pk}/move/", {"ward": "HDU", "bed": "H2"}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["ward"], response.json()["bed"]) == ("HDU", "H2")


def test_readers_cannot_admit_or_discharge(api_as, pharmacist, api_reader, admission, patient):
    for user in (pharmacist, api_reader):
        client = api_as(user)
        assert client.get(admissions_url(admission.patient)).status_code == 200
        assert (
            client.post(
                admissions_url(patient),
                {"ward": "7B", "bed": "30", "admitted_at": timezone.now().isoformat()},
                format="json",
            ).status_code
            == 403
        )
        assert (
            client.post(
                f"/api/v1/admissions/{admission.pk}/discharge/",
                {"discharged_at": timezone.now().isoformat()},
                format="json",
            ).status_code
            == 403
        )
    admission.refresh_from_db()
    assert admission.is_open


def test_anonymous_gets_401(api, admission):
    assert api.get(admissions_url(admission.patient)).status_code == 401
    assert (
        api.post(f"/api/v1/admissions/{admission.pk}/discharge/", {}, format="json").status_code
        == 401
    )
