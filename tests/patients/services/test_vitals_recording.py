"""The vitals recording service: NEWS2 stored in the same transaction, idempotency that holds
under a race, the monitor told once on commit, and rules the database keeps on its own."""

import threading
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from patients import monitor_hook, news2
from patients.errors import ConflictError
from patients.models import (
    Consciousness,
    OxygenDevice,
    Patient,
    VasopressorInfusion,
    VitalSigns,
)
from patients.services import recording
from patients.services.recording import observation_mark_entered_in_error
from patients.services.vitals import vitals_record
from tests.support.clock import FromNow, as_aware
from tests.support.factories import AdmissionFactory, PatientFactory, UserFactory
from tests.support.observation_factories import NORMAL_VITALS, VitalSignsFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard(monkeypatch):  # type: ignore[no-untyped-def]
    calls: list[tuple[object, str]] = []
    monkeypatch.setattr(
        monitor_hook, "_listeners", [lambda pid, reason: calls.append((pid, reason))]
    )
    return calls


def record(admission, by, **values):  # type: ignore[no-untyped-def]
    values.setdefault("taken_at", timezone.now() - timedelta(minutes=5))
    return vitals_record(patient=admission.patient, by=by, **values)


def test_the_choices_are_the_news2_modules_own():
    assert OxygenDevice.values == [device.value for device in news2.OxygenDevice]
    assert Consciousness.values == [level.value for level in news2.Consciousness]


def test_news2_is_stored_with_its_version_subscores_and_scale(admission, nurse):
    recorded = record(admission, nurse, **NORMAL_VITALS)

    vitals = VitalSigns.objects.get(pk=recorded.record.pk)
    assert recorded.created
    assert vitals.news2() == {
        "total": 0,
        "band": "low",
        "red_flag": False,
        "subscores": {
            "respiratory_rate": 0,
            "spo2": 0,
            "air_or_oxygen": 0,
            "systolic_bp": 0,
            "heart_rate": 0,
            "consciousness": 0,
            "temperature": 0,
        },
        "algorithm_version": "news2-rcp-2017",
        "spo2_scale": 1,
    }
    assert vitals.news2_missing == []


def test_a_single_red_score_is_low_medium(admission, nurse):
    vitals = record(admission, nurse, **{**NORMAL_VITALS, "consciousness": "new_confusion"})
    assert (vitals.record.news2_total, vitals.record.news2_band) == (3, "low_medium")
    assert vitals.record.news2_red_flag


def test_the_patients_spo2_scale_2_is_used(nurse):
    admission = AdmissionFactory(patient__spo2_scale=2)
    # SpO2 90 on air: scale 2 scores 0 (88-92); scale 1 would score 3.
    vitals = record(admission, nurse, **{**NORMAL_VITALS, "spo2": 90}).record
    assert vitals.news2_spo2 == 0 and vitals.news2_spo2_scale == 2
    assert vitals.news2()["spo2_scale"] == 2


def test_the_scale_is_read_fresh_inside_the_transaction(nurse, admission):
    stale = Patient.objects.get(pk=admission.patient.pk)
    Patient.objects.filter(pk=stale.pk).update(spo2_scale=2)
    vitals = vitals_record(
        patient=stale,
        by=nurse,
        taken_at=timezone.now(),
        **{**NORMAL_VITALS, "spo2": 90},
    ).record
    assert vitals.news2_spo2_scale == 2


def test_a_partial_set_keeps_the_subscores_it_has_and_names_what_is_missing(admission, nurse):
    vitals = record(admission, nurse, heart_rate=135, temperature_c=Decimal("39.4")).record
    assert vitals.news2_total is None and vitals.news2_band is None
    assert vitals.news2_subscores == {"heart_rate": 3, "temperature": 2}
    assert vitals.news2_red_flag
    assert vitals.news2_missing == [
        "respiratory_rate",
        "spo2",
        "oxygen_device",
        "systolic_bp",
        "consciousness",
    ]
    assert not vitals.vasopressors_recorded


def test_vasopressors_become_rows_and_an_empty_list_means_none_running(admission, nurse):
    running = record(
        admission,
        nurse,
        systolic_bp=84,
        vasopressors=[
            {"agent": "phenylephrine", "dose": Decimal("0.6"), "dose_unit": "mcg_kg_min"}
        ],
    ).record
    none = record(admission, nurse, systolic_bp=112, vasopressors=[]).record

    assert [(v.agent, v.dose) for v in running.vasopressors.all()] == [
        ("phenylephrine", Decimal("0.600"))
    ]
    assert none.vasopressors_recorded and not none.vasopressors.exists()


def test_the_monitor_is_told_once_after_commit_and_not_for_a_repeat(
    heard, admission, nurse, django_capture_on_commit_callbacks
):
    client_id = uuid.uuid4()
    with django_capture_on_commit_callbacks(execute=True):
        record(admission, nurse, client_id=client_id, **NORMAL_VITALS)
        assert heard == []
    with django_capture_on_commit_callbacks(execute=True):
        repeat = record(admission, nurse, client_id=client_id, **NORMAL_VITALS)
    assert not repeat.created
    assert heard == [(admission.patient.pk, "vitals")]


def test_a_refused_set_never_reaches_the_monitor(
    heard, admission, nurse, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        record(admission, nurse, systolic_bp=80, diastolic_bp=90)
    assert heard == [] and VitalSigns.objects.count() == 0


def test_the_losing_side_of_a_client_id_race_reads_the_winners_set(monkeypatch, admission, nurse):
    """Both requests looked for the key before either wrote it: the unique constraint lets one
    insert, the other gets the IntegrityError and returns the stored set."""
    client_id = uuid.uuid4()
    winner = record(admission, nurse, client_id=client_id, **NORMAL_VITALS).record
    looked = []
    real = recording.stored_by_client_id

    def missed_the_first_time(model, **kwargs):  # type: ignore[no-untyped-def]
        looked.append(kwargs["client_id"])
        return None if len(looked) == 1 else real(model, **kwargs)

    monkeypatch.setattr("patients.services.vitals.stored_by_client_id", missed_the_first_time)
    monkeypatch.setattr("patients.services.recording.stored_by_client_id", missed_the_first_time)
    loser = record(admission, nurse, client_id=client_id, **{**NORMAL_VITALS, "heart_rate": 99})

    assert not loser.created and loser.record.pk == winner.pk
    assert VitalSigns.objects.count() == 1 and len(looked) == 2


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_saves_with_one_client_id_store_one_set():
    nurse = UserFactory(role="nurse", username="nurse.race")
    admission = AdmissionFactory()
    client_id = uuid.uuid4()
    barrier = threading.Barrier(2)
    results: list[object] = []

    def save() -> None:
        try:
            barrier.wait(timeout=5)
            results.append(record(admission, nurse, client_id=client_id, **NORMAL_VITALS).created)
        except Exception as error:  # reported by the assertion below
            results.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=save) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)

    assert sorted(results, key=str) == [False, True]
    assert VitalSigns.objects.filter(client_id=client_id).count() == 1


def test_a_client_id_of_another_patient_is_a_conflict(admission, nurse):
    client_id = uuid.uuid4()
    record(admission, nurse, client_id=client_id, **NORMAL_VITALS)
    with pytest.raises(ConflictError):
        record(AdmissionFactory(), nurse, client_id=client_id, **NORMAL_VITALS)


def test_recording_needs_an_open_admission(nurse):
    patient = PatientFactory()
    with pytest.raises(ConflictError, match="no open admission"):
        vitals_record(patient=patient, by=nurse, taken_at=timezone.now(), **NORMAL_VITALS)


def test_a_set_goes_against_the_open_admission_and_keeps_both_times(admission, nurse):
    taken = timezone.now() - timedelta(hours=1)
    vitals = record(admission, nurse, taken_at=taken, **NORMAL_VITALS).record
    assert vitals.admission == admission and vitals.patient == admission.patient
    assert vitals.taken_at == taken and vitals.created_at > taken
    assert vitals.entered_by == nurse
    assert vitals.history.get().history_user == nurse


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"systolic_bp": 90, "diastolic_bp": 95}, "diastolic_bp"),
        ({"oxygen_device": "room_air", "oxygen_flow_l_min": Decimal("2")}, "oxygen_flow_l_min"),
        ({"oxygen_device": "venturi_mask"}, "oxygen_flow_l_min"),
        ({"oxygen_flow_l_min": Decimal("2")}, "oxygen_device"),
        ({"spo2": 30}, "spo2"),
        ({"temperature_c": Decimal("46")}, "temperature_c"),
        ({"oxygen_device": "tent"}, "oxygen_device"),
        ({"taken_at": FromNow(hours=1), "spo2": 97}, "taken_at"),
        ({}, "__all__"),
    ],
)
def test_the_service_validates_on_its_own(admission, nurse, values, field):
    with pytest.raises(ValidationError) as error:
        record(admission, nurse, **as_aware(values))
    assert field in error.value.message_dict
    assert VitalSigns.objects.count() == 0


def test_mechanical_ventilation_needs_no_flow(admission, nurse):
    vitals = record(admission, nurse, oxygen_device="mechanical_ventilation").record
    assert vitals.news2_air_or_oxygen == 2


DATABASE_RULES = [
    {"systolic_bp": 80, "diastolic_bp": 80},
    {"systolic_bp": 301},
    {"spo2": 49},
    {"respiratory_rate": 81},
    {"heart_rate": 19},
    {"temperature_c": Decimal("29.9")},
    {"weight_kg": Decimal("301")},
    {"edema_grade": 5},
    {"oxygen_device": "room_air", "oxygen_flow_l_min": Decimal("1")},
    {"oxygen_flow_l_min": Decimal("1")},
    {"oxygen_device": "nasal_cannula"},
    {"oxygen_device": "tent"},
    {"consciousness": "drowsy"},
    {},
]


@pytest.mark.parametrize("values", DATABASE_RULES, ids=[str(v) for v in DATABASE_RULES])
def test_the_database_refuses_what_the_service_would(admission, nurse, values):
    """Check constraints hold even for a write that skips the service (a script, a bug)."""
    with pytest.raises(IntegrityError), transaction.atomic():
        VitalSigns.objects.create(
            patient=admission.patient,
            admission=admission,
            entered_by=nurse,
            taken_at=timezone.now(),
            news2_algorithm_version=news2.ALGORITHM_VERSION,
            **values,
        )


def test_the_database_refuses_a_second_row_of_one_agent_and_a_dose_out_of_range(admission, nurse):
    vitals = record(admission, nurse, systolic_bp=85).record
    VasopressorInfusion.objects.create(
        vital_signs=vitals, agent="norepinephrine", dose=Decimal("0.1"), dose_unit="mcg_kg_min"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        VasopressorInfusion.objects.create(
            vital_signs=vitals, agent="norepinephrine", dose=Decimal("0.2"), dose_unit="mcg_kg_min"
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        VasopressorInfusion.objects.create(
            vital_signs=vitals, agent="vasopressin", dose=Decimal("5"), dose_unit="units_min"
        )


def test_the_database_refuses_a_repeated_client_id(admission, nurse):
    client_id = uuid.uuid4()
    record(admission, nurse, client_id=client_id, **NORMAL_VITALS)
    with pytest.raises(IntegrityError), transaction.atomic():
        VitalSigns.objects.create(
            patient=admission.patient,
            admission=admission,
            taken_at=timezone.now(),
            client_id=client_id,
            spo2=97,
        )


def test_entered_in_error_needs_a_reason_and_is_kept_in_history(
    heard, admission, nurse, physician, django_capture_on_commit_callbacks
):
    vitals = VitalSignsFactory(admission=admission)
    with pytest.raises(ValidationError):
        observation_mark_entered_in_error(observation=vitals, by=nurse, reason="  ")
    with django_capture_on_commit_callbacks(execute=True):
        marked = observation_mark_entered_in_error(
            observation=vitals, by=physician, reason="Taken on the wrong patient"
        )
    assert marked.entered_in_error and marked.entered_in_error_by == physician
    assert heard == [(admission.patient.pk, "vitals")]
    with pytest.raises(ConflictError):
        observation_mark_entered_in_error(observation=vitals, by=nurse, reason="again")
    history = list(VitalSigns.history.filter(id=vitals.pk).order_by("history_date"))
    assert [h.entered_in_error for h in history] == [False, True]
    assert history[-1].history_user == physician
    with pytest.raises(IntegrityError), transaction.atomic():
        VitalSigns.objects.filter(pk=vitals.pk).update(entered_in_error_reason="")
