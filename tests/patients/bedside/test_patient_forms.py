"""The register/edit/admit pages: the same limits and messages as the API, nothing written on
bad input."""

import pytest
from django.urls import reverse
from django.utils import timezone

from patients.models import Admission, Patient
from tests.support.factories import AdmissionFactory

pytestmark = pytest.mark.django_db

VALID = {
    "mrn": "il2-8001",
    "given_name": "Ada",
    "family_name": "Okafor",
    "birth_date": "1961-03-14",
    "sex": "female",
    "diagnosis": "metastatic_melanoma",
    "baseline_weight_kg": "68.4",
    "spo2_scale": "1",
}


@pytest.fixture
def browser_as(client):  # type: ignore[no-untyped-def]
    def login(user):  # type: ignore[no-untyped-def]
        client.force_login(user)
        return client

    return login


def test_register_form_creates_and_redirects(browser_as, nurse):
    response = browser_as(nurse).post(reverse("patients:create"), VALID)
    patient = Patient.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("patients:detail", args=[patient.pk])
    assert patient.mrn == "IL2-8001"


FORM_BAD = [
    ("baseline_weight_kg", "19.9", "Weight must be between 20 and 300 kg."),
    ("baseline_weight_kg", "301", "Weight must be between 20 and 300 kg."),
    ("baseline_weight_kg", "abc", "Enter a number."),
    ("birth_date", "2999-01-01", "Birth date cannot be in the future."),
    ("mrn", "no spaces", "MRN must be 3–32 letters, digits or hyphens"),
    ("spo2_scale", "2", "Only a physician may prescribe SpO2 scale 2."),
    ("baseline_systolic_bp", "30", "Baseline systolic BP must be between 50 and 250 mmHg."),
]


@pytest.mark.parametrize(
    ("field", "value", "message"), FORM_BAD, ids=[f"{f}:{v}" for f, v, _ in FORM_BAD]
)
def test_register_form_shows_the_message_and_writes_nothing(
    browser_as, nurse, field, value, message
):
    response = browser_as(nurse).post(reverse("patients:create"), {**VALID, field: value})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert Patient.objects.count() == 0


def test_duplicate_mrn_on_the_form(browser_as, nurse, patient):
    response = browser_as(nurse).post(
        reverse("patients:create"), {**VALID, "mrn": patient.mrn.lower()}
    )
    assert response.status_code == 400
    assert "A patient with this MRN already exists." in response.content.decode()
    assert Patient.objects.count() == 1


def test_edit_form_changes_only_what_changed(browser_as, physician, patient):
    data = {
        **VALID,
        "mrn": patient.mrn,
        "given_name": patient.given_name,
        "family_name": patient.family_name,
        "birth_date": patient.birth_date.isoformat(),
        "sex": patient.sex,
        "diagnosis": patient.diagnosis,
        "baseline_weight_kg": "75.0",
    }
    response = browser_as(physician).post(reverse("patients:edit", args=[patient.pk]), data)
    assert response.status_code == 302
    patient.refresh_from_db()
    assert str(patient.baseline_weight_kg) == "75.0"
    assert patient.history.first().history_user == physician


def test_admit_form_and_occupied_bed(browser_as, nurse, patient):
    AdmissionFactory(ward="7B", bed="1")
    client = browser_as(nurse)
    when = timezone.localtime().strftime("%Y-%m-%dT%H:%M")

    refused = client.post(
        reverse("patients:admit", args=[patient.pk]),
        {"ward": "7B", "bed": "1", "admitted_at": when},
    )
    assert refused.status_code == 400
    assert "Bed 1 on ward 7B is occupied by another admitted patient." in refused.content.decode()

    done = client.post(
        reverse("patients:admit", args=[patient.pk]),
        {"ward": "7B", "bed": "2", "admitted_at": when},
    )
    assert done.status_code == 302
    assert Admission.objects.get(patient=patient).bed == "2"


def test_discharge_before_admission_on_the_page_is_refused(browser_as, nurse, admission):
    client = browser_as(nurse)
    early = (timezone.localtime(admission.admitted_at) - timezone.timedelta(hours=2)).strftime(
        "%Y-%m-%dT%H:%M"
    )
    response = client.post(
        reverse("patients:discharge", args=[admission.patient.pk]),
        {"discharged_at": early},
        follow=True,
    )
    assert "Discharge must be after admission." in response.content.decode()
    admission.refresh_from_db()
    assert admission.is_open


def test_pages_need_login_and_the_right_role(client, pharmacist, patient):
    assert client.get(reverse("patients:list")).status_code == 302
    client.force_login(pharmacist)
    assert client.get(reverse("patients:list")).status_code == 200
    assert client.get(reverse("patients:detail", args=[patient.pk])).status_code == 200
    assert client.get(reverse("patients:create")).status_code == 403
    assert client.post(reverse("patients:create"), VALID).status_code == 403
    assert Patient.objects.count() == 1


def test_patient_list_search_and_htmx_partial(browser_as, nurse):
    AdmissionFactory(
        patient__family_name="Lindqvist", patient__mrn="IL2-3333", ward="HDU", bed="H1"
    )
    AdmissionFactory(patient__family_name="Okafor", ward="7B", bed="1")
    client = browser_as(nurse)

    page = client.get(reverse("patients:list"), {"q": "lindq"}).content.decode()
    assert "LINDQVIST" in page and "OKAFOR" not in page
    partial = client.get(
        reverse("patients:list"), {"ward": "7B"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "<html" not in partial and "OKAFOR" in partial and "LINDQVIST" not in partial
