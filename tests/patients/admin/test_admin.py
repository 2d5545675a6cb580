"""The admin a ward administrator uses: lists, search, history, and no deletion of records."""

import pytest
from django.urls import reverse

from tests.support.factories import AdmissionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, make_user):  # type: ignore[no-untyped-def]
    client.force_login(make_user("admin", username="ward.admin"))
    return client


def test_patient_and_admission_admin_pages(admin_client):
    admission = AdmissionFactory(patient__family_name="Lindqvist", ward="HDU", bed="H2")
    patient = admission.patient

    listing = admin_client.get(
        reverse("admin:patients_patient_changelist"), {"q": "lindq"}
    ).content.decode()
    assert "Lindqvist" in listing and "HDU · H2" in listing
    assert (
        admin_client.get(reverse("admin:patients_patient_change", args=[patient.pk])).status_code
        == 200
    )
    assert (
        admin_client.get(reverse("admin:patients_patient_history", args=[patient.pk])).status_code
        == 200
    )
    assert admin_client.get(reverse("admin:patients_admission_changelist")).status_code == 200
    assert (
        admin_client.get(reverse("admin:therapy_patientevaluation_changelist")).status_code == 200
    )


def test_admin_cannot_delete_clinical_records(admin_client):
    admission = AdmissionFactory()
    response = admin_client.post(
        reverse("admin:patients_patient_delete", args=[admission.patient.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert admission.patient.__class__.objects.filter(pk=admission.patient.pk).exists()


def test_admin_form_refuses_an_out_of_range_weight(admin_client, patient):
    url = reverse("admin:patients_patient_change", args=[patient.pk])
    data = {
        "mrn": patient.mrn,
        "given_name": "A",
        "family_name": "B",
        "birth_date": "1960-01-01",
        "sex": "female",
        "diagnosis": "metastatic_rcc",
        "baseline_weight_kg": "350",
        "spo2_scale": "1",
        "admissions-TOTAL_FORMS": "0",
        "admissions-INITIAL_FORMS": "0",
        "admissions-MIN_NUM_FORMS": "0",
        "admissions-MAX_NUM_FORMS": "1000",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "Weight must be between 20 and 300 kg." in response.content.decode()
    patient.refresh_from_db()
    assert str(patient.baseline_weight_kg) == "72.0"
