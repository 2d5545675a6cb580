"""Real Celery worker processes on real Redis (issue #2 and #6): work enqueued on commit in the
web process is done by the worker and its effect is in PostgreSQL; a vitals POST with a
grade 3 CRS picture gives exactly one emergency alert; a broker outage loses nothing; a worker
killed mid-task has its task redelivered and the alert raised once."""

import os
import signal

import psycopg2
import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from patients.models import VitalSigns
from patients.services import patients as services
from tests.support.factories import AdmissionFactory, PatientFactory, UserFactory
from tests.support.worker_process import RedisServer, publishing_to, start_worker, stop, wait_for
from therapy.models import Alert, Notification, PatientEvaluation

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

CRS_GRADE_3 = {
    "respiratory_rate": 20,
    "spo2": 95,
    "oxygen_device": "room_air",
    "systolic_bp": 84,
    "diastolic_bp": 50,
    "heart_rate": 118,
    "consciousness": "alert",
    "temperature_c": "38.7",
    "vasopressors": [{"agent": "norepinephrine", "dose": "0.08", "dose_unit": "mcg_kg_min"}],
}


def post_vitals(nurse, patient):  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_authenticate(nurse)
    return client.post(
        f"/api/v1/patients/{patient.pk}/vitals/",
        {**CRS_GRADE_3, "taken_at": timezone.now().isoformat()},
        format="json",
    )


@pytest.fixture
def worker():  # type: ignore[no-untyped-def]
    process = start_worker()
    yield process
    stop(process)


def test_admission_is_evaluated_by_a_real_worker(worker):
    nurse = UserFactory(role="nurse", username="nurse.worker")
    patient = PatientFactory()

    # No test transaction: the service's transaction commits and its on_commit callback
    # publishes the task to Redis.
    services.admission_open(
        patient=patient, by=nurse, ward="7B", bed="12", admitted_at=timezone.now()
    )

    assert wait_for(lambda: PatientEvaluation.objects.filter(patient=patient).exists())
    assert PatientEvaluation.objects.get(patient=patient).reason == "admission"
    assert worker.poll() is None


def test_vitals_post_with_grade_3_crs_raises_exactly_one_emergency_alert(worker):
    nurse = UserFactory(role="nurse", username="nurse.e2e")
    admission = AdmissionFactory()

    response = post_vitals(nurse, admission.patient)

    assert response.status_code == 201, response.json()
    assert wait_for(lambda: Alert.objects.filter(patient=admission.patient, kind="crs").exists())
    wait_for(
        lambda: PatientEvaluation.objects.filter(
            patient=admission.patient, reason="vitals"
        ).exists()
    )
    crs = Alert.objects.get(patient=admission.patient, kind="crs")
    assert crs.severity == "emergency" and crs.evidence["grade"] == 3
    assert Notification.objects.filter(alert=crs, event="opened").count() == 1


def test_broker_outage_loses_nothing_and_the_sweep_raises_the_alert():
    redis = RedisServer()
    redis.start()
    worker = start_worker(broker_url=redis.url)
    try:
        nurse = UserFactory(role="nurse", username="nurse.outage")
        admission = AdmissionFactory()
        with publishing_to(redis.url):
            redis.stop()
            response = post_vitals(nurse, admission.patient)
            assert response.status_code == 201, response.json()  # the nurse's save succeeds
            assert VitalSigns.objects.filter(patient=admission.patient).count() == 1
            assert not Alert.objects.filter(patient=admission.patient).exists()

            redis.start()  # the broker is back; beat's next sweep finds the unevaluated record
            from il2monitor.celery import app
            from therapy.tasks import evaluation_sweep

            # The worker reconnects on its own, with backoff; wait until it answers again.
            assert wait_for(lambda: bool(app.control.ping(timeout=1)), timeout=90, step=1)
            evaluation_sweep.delay()
            assert wait_for(
                lambda: Alert.objects.filter(patient=admission.patient, kind="crs").exists(),
                timeout=45,
            )
        assert Alert.objects.filter(patient=admission.patient, kind="crs").count() == 1
        assert PatientEvaluation.objects.get(patient=admission.patient).reason == "sweep"
    finally:
        stop(worker)
        redis.stop()


def test_worker_killed_mid_task_is_redelivered_and_alerts_once():
    redis = RedisServer()
    redis.start()
    env = {"TEST_VISIBILITY_TIMEOUT": "3"}
    first = start_worker(broker_url=redis.url, **env)
    second = None
    nurse = UserFactory(role="nurse", username="nurse.kill")
    admission = AdmissionFactory()
    # Hold a lock on the alert table so the first worker's evaluation blocks mid-task.
    db = connection.settings_dict
    blocker = psycopg2.connect(
        dbname=db["NAME"],
        user=db["USER"] or "postgres",
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
    )
    try:
        cursor = blocker.cursor()
        cursor.execute("LOCK TABLE therapy_alert IN EXCLUSIVE MODE")
        with publishing_to(redis.url):
            assert post_vitals(nurse, admission.patient).status_code == 201

        def blocked() -> bool:
            with connection.cursor() as check:
                check.execute(
                    "SELECT count(*) FROM pg_locks WHERE relation = 'therapy_alert'::regclass "
                    "AND NOT granted"
                )
                return check.fetchone()[0] > 0

        assert wait_for(blocked, timeout=30), "the worker never reached the alert table"
        os.kill(first.pid, signal.SIGKILL)  # mid-task, before it could acknowledge
        first.wait(timeout=10)
        blocker.rollback()  # release the lock
        second = start_worker(broker_url=redis.url, **env)
        redelivered = wait_for(
            lambda: Alert.objects.filter(patient=admission.patient, kind="crs").exists(), timeout=60
        )
        if not redelivered:
            stop(second)
            pytest.fail("not redelivered; worker said:\n" + second.said()[-3000:])
        assert Alert.objects.filter(patient=admission.patient, kind="crs").count() == 1
        assert (
            Notification.objects.filter(alert__patient=admission.patient, alert__kind="crs").count()
            == 1
        )
    finally:
        blocker.close()
        stop(first)
        if second is not None:
            stop(second)
        redis.stop()
