"""Admissions: one open stay per patient and per bed (enforced by the database), discharge after
admission, moves, and the refusals a ward would expect."""

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from patients.errors import ConflictError
from patients.models import Admission
from patients.services import patients as services
from tests.support.factories import AdmissionFactory, PatientFactory

pytestmark = pytest.mark.django_db


def test_admit_opens_a_stay_with_history(nurse, patient):
    admission = services.admission_open(
        patient=patient, by=nurse, ward="7B", bed="4", admitted_at=timezone.now()
    )
    assert admission.is_open
    assert admission.admitted_by == nurse
    assert admission.history.first().history_user == nurse


def test_second_open_admission_is_a_conflict(nurse, patient):
    services.admission_open(
        patient=patient, by=nurse, ward="7B", bed="4", admitted_at=timezone.now()
    )

    with pytest.raises(ConflictError, match="already has an open admission"):
        services.admission_open(
            patient=patient, by=nurse, ward="7B", bed="5", admitted_at=timezone.now()
        )
    assert Admission.objects.count() == 1


def test_database_allows_only_one_open_admission_per_patient(patient):
    Admission.objects.create(patient=patient, ward="7B", bed="1", admitted_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        Admission.objects.create(patient=patient, ward="7B", bed="2", admitted_at=timezone.now())


def test_database_allows_only_one_open_admission_per_bed():
    AdmissionFactory(ward="7B", bed="1")
    with pytest.raises(IntegrityError), transaction.atomic():
        AdmissionFactory(ward="7B", bed="1")


def test_occupied_bed_is_refused_with_the_bed_named(nurse):
    AdmissionFactory(ward="7B", bed="3")
    other = PatientFactory()
    with pytest.raises(ConflictError) as caught:
        services.admission_open(
            patient=other, by=nurse, ward="7B", bed="3", admitted_at=timezone.now()
        )
    assert caught.value.message_dict["bed"] == [
        "Bed 3 on ward 7B is occupied by another admitted patient."
    ]


@pytest.mark.parametrize(
    ("admitted_at", "field", "message"),
    [
        (
            lambda: timezone.now() + timedelta(minutes=10),
            "admitted_at",
            "Time cannot be in the future.",
        ),
        (
            lambda: timezone.now().replace(year=1900),
            "admitted_at",
            "Admission cannot be before the patient's birth date.",
        ),
    ],
)
def test_bad_admission_times_are_refused(nurse, patient, admitted_at, field, message):
    with pytest.raises(ValidationError) as caught:
        services.admission_open(
            patient=patient, by=nurse, ward="7B", bed="1", admitted_at=admitted_at()
        )
    assert message in caught.value.message_dict[field]
    assert Admission.objects.count() == 0


def test_blank_ward_and_bed_are_refused(nurse, patient):
    with pytest.raises(ValidationError) as caught:
        services.admission_open(
            patient=patient, by=nurse, ward=" ", bed="", admitted_at=timezone.now()
        )
    assert {"ward", "bed"} <= set(caught.value.message_dict)


def test_discharge_closes_the_stay_and_a_second_discharge_is_a_conflict(nurse, admission):
    services.admission_discharge(admission=admission, by=nurse, discharged_at=timezone.now())
    admission.refresh_from_db()
    assert not admission.is_open

    with pytest.raises(ConflictError, match="already discharged"):
        services.admission_discharge(admission=admission, by=nurse, discharged_at=timezone.now())


def test_discharge_before_admission_is_refused_and_writes_nothing(nurse, admission):
    with pytest.raises(ValidationError) as caught:
        services.admission_discharge(
            admission=admission,
            by=nurse,
            discharged_at=admission.admitted_at - timedelta(minutes=1),
        )
    assert caught.value.message_dict["discharged_at"] == ["Discharge must be after admission."]
    admission.refresh_from_db()
    assert admission.is_open


def test_database_refuses_discharge_before_admission(admission):
    with pytest.raises(IntegrityError), transaction.atomic():
        Admission.objects.filter(pk=admission.pk).update(
            discharged_at=admission.admitted_at - timedelta(hours=1)
        )


def test_readmission_after_discharge_cannot_overlap_the_previous_stay(nurse, admission):
    discharged_at = timezone.now() - timedelta(hours=1)
    services.admission_discharge(admission=admission, by=nurse, discharged_at=discharged_at)
    with pytest.raises(ValidationError, match="overlap the previous stay"):
        services.admission_open(
            patient=admission.patient,
            by=nurse,
            ward="7B",
            bed="9",
            admitted_at=discharged_at - timedelta(minutes=5),
        )
    again = services.admission_open(
        patient=admission.patient, by=nurse, ward="7B", bed="9", admitted_at=timezone.now()
    )
    assert again.is_open


def test_move_bed_and_its_refusals(nurse, admission):
    AdmissionFactory(ward="HDU", bed="H1")

    moved = services.admission_move_bed(admission=admission, by=nurse, ward="HDU", bed="H2")
    assert (moved.ward, moved.bed) == ("HDU", "H2")
    with pytest.raises(ConflictError):
        services.admission_move_bed(admission=admission, by=nurse, ward="HDU", bed="H1")
    with pytest.raises(ValidationError, match="already in this bed"):
        services.admission_move_bed(admission=admission, by=nurse, ward="HDU", bed="H2")
    services.admission_discharge(admission=admission, by=nurse, discharged_at=timezone.now())
    with pytest.raises(ConflictError, match="discharged"):
        services.admission_move_bed(admission=admission, by=nurse, ward="7B", bed="20")


@pytest.mark.django_db(transaction=True)
def test_concurrent_admissions_of_one_patient_open_exactly_one(nurse):
    patient = PatientFactory()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def admit(bed: str) -> None:
        try:
            barrier.wait()
            services.admission_open(
                patient=patient, by=nurse, ward="7B", bed=bed, admitted_at=timezone.now()
            )
            outcomes.append("admitted")
        except ConflictError:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=admit, args=(bed,)) for bed in ("1", "2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["admitted", "conflict"]
    assert Admission.objects.filter(patient=patient).count() == 1
