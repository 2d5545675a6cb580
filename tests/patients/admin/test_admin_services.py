"""The admin cannot bypass the services: clinical records are read-only there (no add, change
or delete), and editing patients and admissions goes through the same services as the pages,
with their checks and side effects (discharging tells the monitor, which closes the alerts)."""

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from patients import monitor_hook
from patients.models import Admission, Patient
from tests.support.factories import AdmissionFactory, PatientFactory
from tests.support.rows import snapshot
from tests.support.therapy_fixtures import CRS_GRADE_3, admitted, order_course
from therapy.models import (
    Alert,
    AlertStatus,
    MonitorState,
    Notification,
    PatientEvaluation,
)
from therapy.monitor.evaluation import evaluation_run

pytestmark = pytest.mark.django_db

READ_ONLY = [
    "patients.vitalsigns",
    "patients.fluidentry",
    "patients.labresult",
    "patients.supportivemedication",
    "patients.clinicalevent",
    "therapy.course",
    "therapy.dose",
    "therapy.alert",
    "therapy.notification",
    "therapy.monitorstate",
    "therapy.patientevaluation",
]


@pytest.fixture
def admin_client(client, make_user):  # type: ignore[no-untyped-def]
    client.force_login(make_user("admin", username="ward.admin"))
    return client


@pytest.fixture
def ward(nurse, physician):  # type: ignore[no-untyped-def]
    """A patient with one record of each kind, an open CRS alert and its notification."""
    stay = admitted(nurse, physician, vitals=CRS_GRADE_3)
    from tests.support.observation_factories import (
        ClinicalEventFactory,
        FluidEntryFactory,
        LabResultFactory,
        SupportiveMedicationFactory,
    )

    FluidEntryFactory(admission=stay, by=nurse)
    LabResultFactory(admission=stay, by=nurse)
    SupportiveMedicationFactory(admission=stay, by=nurse)
    ClinicalEventFactory(admission=stay, by=nurse)
    assert Notification.objects.exists() and MonitorState.objects.exists()
    assert PatientEvaluation.objects.exists()
    return stay


def one_of(label: str) -> Any:
    from django.apps import apps

    return apps.get_model(label).objects.first()


@pytest.mark.parametrize("label", READ_ONLY)
def test_clinical_records_are_shown_but_never_added_changed_or_deleted(admin_client, ward, label):
    app, model = label.split(".")
    record = one_of(label)
    assert record is not None, label
    before = snapshot()

    assert admin_client.get(reverse(f"admin:{app}_{model}_changelist")).status_code == 200
    change_url = reverse(f"admin:{app}_{model}_change", args=[record.pk])
    page = admin_client.get(change_url)
    assert page.status_code == 200  # shown, read-only
    assert 'type="submit"' not in page.content.decode().split('id="content-main"')[1]
    assert admin_client.get(reverse(f"admin:{app}_{model}_add")).status_code == 403
    assert admin_client.post(reverse(f"admin:{app}_{model}_add"), {}).status_code == 403
    assert admin_client.post(change_url, {"status": "resolved"}).status_code == 403
    delete = reverse(f"admin:{app}_{model}_delete", args=[record.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert snapshot() == before


def patient_form(patient: Patient, **changes: Any) -> dict[str, Any]:
    data = {
        "mrn": patient.mrn,
        "given_name": patient.given_name,
        "family_name": patient.family_name,
        "birth_date": patient.birth_date.isoformat(),
        "sex": patient.sex,
        "diagnosis": patient.diagnosis,
        "baseline_weight_kg": str(patient.baseline_weight_kg),
        "baseline_systolic_bp": "",
        "baseline_creatinine_mg_dl": "",
        "spo2_scale": str(patient.spo2_scale),
        "admissions-TOTAL_FORMS": "0",
        "admissions-INITIAL_FORMS": "0",
        "admissions-MIN_NUM_FORMS": "0",
        "admissions-MAX_NUM_FORMS": "1000",
        **changes,
    }
    return data


def test_editing_a_patient_goes_through_patient_update(admin_client, patient):
    url = reverse("admin:patients_patient_change", args=[patient.pk])
    response = admin_client.post(url, patient_form(patient, mrn=" il2-4242 ", given_name="Ada"))

    assert response.status_code == 302, response.content.decode()[:3000]
    patient.refresh_from_db()
    assert patient.mrn == "IL2-4242" and patient.given_name == "Ada"  # the service normalises
    assert patient.history.first().history_user.username == "ward.admin"


def test_the_services_refusals_show_on_the_admin_form(admin_client, patient):
    PatientFactory(mrn="IL2-0007")
    mrn = patient.mrn
    url = reverse("admin:patients_patient_change", args=[patient.pk])
    response = admin_client.post(url, patient_form(patient, mrn="il2-0007"))

    assert response.status_code == 200
    assert "A patient with this MRN already exists." in response.content.decode()
    patient.refresh_from_db()
    # Unchanged (a save that bypassed the service would have stored "il2-0007", which is
    # not "IL2-0007" either).
    assert patient.mrn == mrn


def test_registering_a_patient_goes_through_patient_register(admin_client):
    template = PatientFactory.build(mrn="adm-1")
    response = admin_client.post(reverse("admin:patients_patient_add"), patient_form(template))
    assert response.status_code == 302, response.content.decode()[:3000]
    stored = Patient.objects.get(mrn="ADM-1")
    assert response["Location"].endswith(
        reverse("admin:patients_patient_change", args=[stored.pk])
    ) or response["Location"] == reverse("admin:patients_patient_changelist")


def test_admissions_are_read_only_in_the_patients_page(admin_client, admission):
    page = admin_client.get(reverse("admin:patients_patient_change", args=[admission.patient.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert admission.ward in text  # shown
    assert 'name="admissions-0-discharged_at_0"' not in text  # not editable
    assert 'name="admissions-0-ward"' not in text


def split(moment: Any) -> dict[str, str]:
    local = timezone.localtime(moment)
    return {"date": local.strftime("%Y-%m-%d"), "time": local.strftime("%H:%M:%S")}


def admission_form(admission: Admission, **changes: Any) -> dict[str, Any]:
    return {"ward": admission.ward, "bed": admission.bed, **changes}


def test_discharging_in_the_admin_goes_through_the_service_and_closes_the_alerts(
    admin_client, nurse, monkeypatch, django_capture_on_commit_callbacks
):
    stay = admitted(nurse, vitals=CRS_GRADE_3)
    assert Alert.objects.filter(patient=stay.patient, status=AlertStatus.ACTIVE).exists()
    # The monitor as the worker would run it once the admin's transaction commits.
    monkeypatch.setattr(
        monitor_hook,
        "_listeners",
        [lambda patient_id, reason: evaluation_run(patient_id=patient_id, reason=reason)],
    )
    when = split(timezone.now() - timedelta(minutes=5))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = admin_client.post(
            reverse("admin:patients_admission_change", args=[stay.pk]),
            admission_form(stay, discharged_at_0=when["date"], discharged_at_1=when["time"]),
        )

    assert response.status_code == 302, response.content.decode()[:3000]
    assert len(callbacks) == 1  # the service told the monitor once (the dry run did not)
    stay.refresh_from_db()
    assert not stay.is_open
    alerts = Alert.objects.filter(patient=stay.patient)
    assert alerts.exists()
    assert set(alerts.values_list("status", flat=True)) == {AlertStatus.RESOLVED}
    assert set(alerts.values_list("resolution", flat=True)) == {"Patient discharged."}
    # A discharged stay is read-only from then on.
    again = admin_client.post(
        reverse("admin:patients_admission_change", args=[stay.pk]),
        admission_form(stay, ward="HDU"),
    )
    assert again.status_code == 403


def test_a_discharge_before_admission_is_refused_on_the_admin_form(admin_client, admission):
    when = split(admission.admitted_at - timedelta(hours=1))
    response = admin_client.post(
        reverse("admin:patients_admission_change", args=[admission.pk]),
        admission_form(admission, discharged_at_0=when["date"], discharged_at_1=when["time"]),
    )
    assert response.status_code == 200
    assert "Discharge must be after admission." in response.content.decode()
    admission.refresh_from_db()
    assert admission.is_open


def test_moving_bed_in_the_admin_checks_the_bed_is_free(admin_client, admission):
    AdmissionFactory(ward="HDU", bed="H3")
    url = reverse("admin:patients_admission_change", args=[admission.pk])

    taken = admin_client.post(url, admission_form(admission, ward="HDU", bed="H3"))
    assert taken.status_code == 200
    assert "Bed H3 on ward HDU is occupied by another admitted patient." in (taken.content.decode())
    moved = admin_client.post(url, admission_form(admission, ward="HDU", bed="H4"))
    assert moved.status_code == 302
    admission.refresh_from_db()
    assert (admission.ward, admission.bed) == ("HDU", "H4")


def test_admitting_in_the_admin_goes_through_admission_open(admin_client, patient, physician):
    order_course(AdmissionFactory().patient, physician)  # another patient, on a course
    when = split(timezone.now() - timedelta(minutes=30))
    data = {
        "patient": str(patient.pk),
        "ward": " HDU ",
        "bed": " H2 ",
        "admitted_at_0": when["date"],
        "admitted_at_1": when["time"],
    }
    response = admin_client.post(reverse("admin:patients_admission_add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    stay = Admission.objects.get(patient=patient)
    assert (stay.ward, stay.bed) == ("HDU", "H2")  # the service trims
    assert stay.admitted_by.username == "ward.admin"

    twice = admin_client.post(reverse("admin:patients_admission_add"), data)
    assert twice.status_code == 200
    assert "already has an open admission" in twice.content.decode()
    assert Admission.objects.filter(patient=patient).count() == 1


def test_history_cannot_revert_a_record_to_an_old_version(admin_client, nurse, admission):
    """django-simple-history's revert view saves on POST whatever its settings say: it would
    un-mark a record entered in error, or reopen a discharged stay, behind the services."""
    from patients.services.patients import admission_discharge
    from patients.services.recording import observation_mark_entered_in_error
    from tests.support.observation_factories import VitalSignsFactory

    vitals = VitalSignsFactory(admission=admission, by=nurse)
    first_version = vitals.history.earliest().history_id
    observation_mark_entered_in_error(observation=vitals, by=nurse, reason="wrong patient")
    admission_discharge(admission=admission, by=nurse, discharged_at=timezone.now())
    stay_version = admission.history.earliest().history_id
    before = snapshot()

    for url in (
        reverse("admin:patients_vitalsigns_simple_history", args=[vitals.pk, first_version]),
        reverse("admin:patients_admission_simple_history", args=[admission.pk, stay_version]),
    ):
        assert admin_client.get(url).status_code == 200  # an old version may be read
        assert "Revert" not in admin_client.get(url).content.decode()
        assert admin_client.post(url, {"ward": "HDU", "bed": "H1"}).status_code == 403

    vitals.refresh_from_db()
    admission.refresh_from_db()
    assert vitals.entered_in_error and not admission.is_open
    assert snapshot() == before
