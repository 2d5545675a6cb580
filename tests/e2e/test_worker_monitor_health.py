"""Real Celery worker processes on real Redis (issue 11 items 3 and 7): the incident's
half-second urine row no longer silences a patient whose NEWS2 is 19; and a webhook that is
down when an alert opens gets the notification from the outbox sweep once it answers."""

import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from patients.models import FluidEntry
from tests.support.factories import AdmissionFactory, UserFactory
from tests.support.worker_process import start_worker, stop, wait_for
from therapy.models import Alert, Notification, PatientEvaluation

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

NEWS2_19 = {
    "respiratory_rate": 30,
    "spo2": 85,
    "oxygen_device": "simple_face_mask",
    "oxygen_flow_l_min": "6",
    "systolic_bp": 85,
    "diastolic_bp": 50,
    "heart_rate": 140,
    "consciousness": "voice",
    "temperature_c": "39.5",
    "vasopressors": [],
}


def post_vitals(nurse, patient, values):  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_authenticate(nurse)
    return client.post(
        f"/api/v1/patients/{patient.pk}/vitals/",
        {**values, "taken_at": timezone.now().isoformat()},
        format="json",
    )


class Webhook(BaseHTTPRequestHandler):
    down = True
    statuses: list[int] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        status = 503 if Webhook.down else 200
        Webhook.statuses.append(status)
        self.send_response(status)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_a_half_second_urine_row_does_not_silence_news2_19():
    worker = start_worker()
    try:
        nurse = UserFactory(role="nurse", username="nurse.incident")
        stay = AdmissionFactory()
        end = timezone.now() - timedelta(minutes=20)
        row = FluidEntry.objects.create(
            patient=stay.patient,
            admission=stay,
            direction="output",
            route="urine",
            volume_ml=400,
            period_start=end - timedelta(milliseconds=500),
            period_end=end,
        )

        assert post_vitals(nurse, stay.patient, NEWS2_19).status_code == 201

        high = Alert.objects.filter(patient=stay.patient, kind="news2_high")
        assert wait_for(high.exists), worker.said()
        assert wait_for(
            lambda: PatientEvaluation.objects.filter(patient=stay.patient, reason="vitals").exists()
        )
        evaluation = PatientEvaluation.objects.get(patient=stay.patient, reason="vitals")
        assert evaluation.succeeded, evaluation.error
        assert high.get().evidence["total"] == 19
        assert not Alert.objects.filter(patient=stay.patient, kind="monitor_failure").exists()
        named = [s["id"] for s in evaluation.findings["skipped"]]
        assert named == [str(row.pk)]
    finally:
        stop(worker)


def test_a_webhook_down_when_the_alert_opens_gets_it_from_the_sweep_once_it_answers():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Webhook)
    Webhook.down, Webhook.statuses = True, []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/hook"
    # Backoff 0: the next sweep may retry at once (the clock is real here, not a test's).
    worker = start_worker(
        IL2_ALERT_WEBHOOK_URL=url,
        IL2_ALERT_WEBHOOK_SECRET="s",
        IL2_NOTIFY_BACKOFF_MAX_MINUTES="0",
    )
    try:
        nurse = UserFactory(role="nurse", username="nurse.webhook")
        stay = AdmissionFactory()
        assert post_vitals(nurse, stay.patient, NEWS2_19).status_code == 201
        hooks = Notification.objects.filter(alert__patient=stay.patient, channel="webhook")
        assert wait_for(lambda: hooks.filter(status="failed").exists(), timeout=45), worker.said()
        assert 200 not in Webhook.statuses

        Webhook.down = False
        from therapy.tasks import notifications_send_due

        notifications_send_due.delay()
        assert wait_for(
            lambda: hooks.exists() and not hooks.exclude(status="sent").exists(), timeout=45
        ), worker.said()
        assert hooks.count() >= 1 and Webhook.statuses.count(200) == hooks.count()  # once each
    finally:
        stop(worker)
        server.shutdown()
        server.server_close()
