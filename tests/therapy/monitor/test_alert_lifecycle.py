"""Acknowledge, escalate and notify exactly once: duplicate and concurrent evaluations, the
escalation clock (explicit ``now``), and the email and signed-webhook channels."""

import base64
import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from patients.errors import ConflictError
from tests.support.factories import AdmissionFactory, UserFactory
from tests.support.therapy_fixtures import CRS_GRADE_3, HIGH_NEWS2, record_vitals
from therapy.models import Alert, AlertStatus, Notification
from therapy.monitor.alerts import alert_acknowledge, alerts_escalate, notify
from therapy.monitor.evaluation import evaluation_run
from therapy.monitor.notify import notification_send


def emergency_alert(admission, nurse):  # type: ignore[no-untyped-def]
    record_vitals(admission.patient, nurse, minutes_ago=5, **CRS_GRADE_3)
    evaluation_run(patient_id=admission.patient.pk, reason="vitals")
    return Alert.objects.get(patient=admission.patient, kind="crs")


@pytest.mark.django_db
def test_the_same_evaluation_twice_leaves_one_alert_and_one_notification(admission, nurse):
    record_vitals(admission.patient, nurse, minutes_ago=5, **HIGH_NEWS2)
    now = timezone.now()
    evaluation_run(patient_id=admission.patient.pk, reason="vitals", now=now)
    evaluation_run(patient_id=admission.patient.pk, reason="vitals", now=now)

    alerts = Alert.objects.filter(patient=admission.patient)
    assert alerts.count() == 1
    assert Notification.objects.filter(alert__in=alerts).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_evaluating_at_once_open_one_alert_and_notify_once():
    nurse = UserFactory(role="nurse", username="nurse.concurrent")
    admission = AdmissionFactory()
    record_vitals(admission.patient, nurse, minutes_ago=5, **CRS_GRADE_3)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            evaluation_run(patient_id=admission.patient.pk, reason="vitals")
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    crs = Alert.objects.filter(patient=admission.patient, kind="crs")
    assert crs.count() == 1
    assert Notification.objects.filter(alert__in=crs, event="opened").count() == 1


@pytest.mark.django_db
def test_notify_is_idempotent_per_event_and_channel(admission, nurse):
    alert = emergency_alert(admission, nurse)
    assert notify(alert, "opened") == []  # already notified when opened
    assert Notification.objects.filter(alert=alert).count() == 1


@pytest.mark.django_db
def test_emergency_escalates_after_15_minutes_once(admission, nurse):
    alert = emergency_alert(admission, nurse)
    since = alert.severity_since

    assert alerts_escalate(now=since + timedelta(minutes=14, seconds=59)) == 0
    assert alerts_escalate(now=since + timedelta(minutes=15)) == 1
    assert alerts_escalate(now=since + timedelta(minutes=16)) == 0

    alert.refresh_from_db()
    assert alert.escalated_at == since + timedelta(minutes=15)
    assert Notification.objects.filter(alert=alert, event="escalated_emergency").count() == 1


@pytest.mark.django_db
def test_urgent_escalates_after_60_minutes(admission, nurse):
    record_vitals(admission.patient, nurse, minutes_ago=5, respiratory_rate=26)
    evaluation_run(patient_id=admission.patient.pk, reason="vitals")
    alert = Alert.objects.get(patient=admission.patient, kind="news2_low_medium")
    assert alerts_escalate(now=alert.severity_since + timedelta(minutes=59)) == 0
    assert alerts_escalate(now=alert.severity_since + timedelta(minutes=60)) == 1


@pytest.mark.django_db
def test_routine_alerts_never_escalate(admission):
    evaluation_run(
        patient_id=admission.patient.pk,
        reason="admission",
        now=admission.admitted_at + timedelta(hours=13),
    )
    alert = Alert.objects.get(patient=admission.patient, kind="vitals_overdue")
    assert alert.severity == "routine"
    assert alerts_escalate(now=alert.opened_at + timedelta(days=1)) == 0


@pytest.mark.django_db
def test_acknowledged_alert_does_not_escalate_and_cannot_be_acknowledged_twice(
    admission, nurse, pharmacist
):
    alert = emergency_alert(admission, nurse)
    with pytest.raises(PermissionDenied):
        alert_acknowledge(alert=alert, by=pharmacist, note="seen", now=timezone.now())

    acked = alert_acknowledge(
        alert=alert, by=nurse, note="Dr Chen informed, bolus running", now=timezone.now()
    )

    assert acked.status == AlertStatus.ACKNOWLEDGED and acked.acknowledged_by == nurse
    alerts_escalate(now=alert.severity_since + timedelta(hours=1))
    acked.refresh_from_db()
    assert acked.escalated_at is None
    assert not Notification.objects.filter(alert=alert, event__startswith="escalated").exists()
    with pytest.raises(ConflictError, match="already acknowledged"):
        alert_acknowledge(alert=alert, by=nurse, note="again", now=timezone.now())


@pytest.mark.django_db
def test_a_rise_in_severity_reactivates_an_acknowledged_alert(admission, nurse):
    record_vitals(admission.patient, nurse, minutes_ago=20, respiratory_rate=26)
    evaluation_run(patient_id=admission.patient.pk, reason="vitals")
    alert = Alert.objects.get(patient=admission.patient, kind="news2_low_medium")
    alert_acknowledge(alert=alert, by=nurse, note="seen", now=timezone.now())
    record_vitals(admission.patient, nurse, minutes_ago=5, **CRS_GRADE_3)
    evaluation_run(patient_id=admission.patient.pk, reason="vitals")
    crs = Alert.objects.get(patient=admission.patient, kind="crs")
    assert crs.status == AlertStatus.ACTIVE and crs.severity == "emergency"


@pytest.mark.django_db
def test_acknowledge_through_the_api(api_as, nurse, api_reader, admission):
    alert = emergency_alert(admission, nurse)

    listed = api_as(api_reader).get("/api/v1/alerts/", {"status": "active", "kind": "crs"}).json()
    assert [a["id"] for a in listed["results"]] == [str(alert.pk)]
    assert {
        "id",
        "patient",
        "kind",
        "severity",
        "status",
        "opened_at",
        "last_seen_at",
        "acknowledged_by",
        "acknowledged_at",
        "resolved_at",
        "evidence",
        "rule_version",
    } <= set(listed["results"][0])
    assert (
        api_as(api_reader)
        .post(f"/api/v1/alerts/{alert.pk}/acknowledge/", {"note": "x"}, format="json")
        .status_code
        == 403
    )

    done = api_as(nurse).post(
        f"/api/v1/alerts/{alert.pk}/acknowledge/", {"note": "On it"}, format="json"
    )
    assert done.status_code == 200 and done.json()["acknowledged_by"] == "nurse.one"
    again = api_as(nurse).post(
        f"/api/v1/alerts/{alert.pk}/acknowledge/", {"note": "On it"}, format="json"
    )
    assert again.status_code == 409


@pytest.mark.django_db
def test_alert_list_query_count_is_fixed(api_as, nurse, django_assert_num_queries):
    client = api_as(nurse)
    for _ in range(3):
        emergency_alert(AdmissionFactory(), nurse)
    client.get("/api/v1/alerts/")
    with django_assert_num_queries(2):
        assert client.get("/api/v1/alerts/", {"kind": "crs"}).json()["count"] == 3
    for _ in range(5):
        emergency_alert(AdmissionFactory(), nurse)
    with django_assert_num_queries(2):
        assert client.get("/api/v1/alerts/", {"kind": "crs"}).json()["count"] == 8


@pytest.mark.django_db
def test_email_channel_sends_once_without_names(
    settings, admission, nurse, django_capture_on_commit_callbacks
):
    settings.IL2_ALERT_EMAIL_TO = ["oncall@example.org"]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        alert = emergency_alert(admission, nurse)
    email = Notification.objects.get(alert=alert, channel="email")
    assert email.status == "pending" and callbacks  # delivery is enqueued after commit

    assert notification_send(notification_id=email.pk) is True
    assert (
        notification_send(notification_id=email.pk) is False
    )  # a duplicate delivery sends nothing
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert "EMERGENCY" in message.subject and str(admission.patient.pk) in message.body
    assert admission.patient.family_name not in message.body + message.subject
    assert admission.patient.mrn not in message.body + message.subject


class Receiver(BaseHTTPRequestHandler):
    received: list[tuple[dict[str, str], bytes]] = []
    answers: list[int] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        headers = {name.lower(): value for name, value in self.headers.items()}
        Receiver.received.append((headers, body))
        self.send_response(Receiver.answers.pop(0) if Receiver.answers else 200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def receiver():  # type: ignore[no-untyped-def]
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    Receiver.received, Receiver.answers = [], []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook"
    server.shutdown()


@pytest.mark.django_db
def test_webhook_is_signed_and_retried_after_a_failure(settings, receiver, admission, nurse):
    settings.IL2_ALERT_WEBHOOK_URL = receiver
    settings.IL2_ALERT_WEBHOOK_SECRET = "shared-secret"
    alert = emergency_alert(admission, nurse)
    hook = Notification.objects.get(alert=alert, channel="webhook")
    Receiver.answers = [500]

    assert notification_send(notification_id=hook.pk) is False
    hook.refresh_from_db()
    assert hook.status == "failed" and hook.attempts == 1 and "500" in hook.last_error
    assert notification_send(notification_id=hook.pk) is False  # not due again yet

    assert notification_send(notification_id=hook.pk, now=hook.next_attempt_at) is True
    hook.refresh_from_db()
    assert hook.status == "sent" and hook.attempts == 2
    headers, body = Receiver.received[-1]
    expected = hmac.new(
        b"shared-secret", headers["x-il2-timestamp"].encode() + b"." + body, hashlib.sha256
    )
    assert headers["x-il2-signature"] == f"sha256={expected.hexdigest()}"
    # Standard Webhooks: the stock verifier accepts it, with the text secret as its key.
    secret = "whsec_" + base64.b64encode(b"shared-secret").decode()
    assert Webhook(secret).verify(body, headers) == json.loads(body)
    assert headers["webhook-id"] == f"msg_{hook.pk}"
    sent = json.loads(body)
    assert sent["alert"]["kind"] == "crs" and sent["alert"]["severity"] == "emergency"
    assert admission.patient.family_name not in body.decode()


@pytest.mark.django_db
def test_webhook_verifies_with_the_stock_standard_webhooks_library(
    settings, receiver, admission, nurse
):
    secret = "whsec_" + base64.b64encode(b"a 32-byte key for the test ward!").decode()
    settings.IL2_ALERT_WEBHOOK_URL = receiver
    settings.IL2_ALERT_WEBHOOK_SECRET = secret
    alert = emergency_alert(admission, nurse)
    hook = Notification.objects.get(alert=alert, channel="webhook")
    assert notification_send(notification_id=hook.pk) is True
    headers, body = Receiver.received[-1]
    assert headers["webhook-signature"].startswith("v1,")
    assert Webhook(secret).verify(body, headers)["alert"]["id"] == str(alert.pk)
    tampered = body.replace(b"emergency", b"routine")
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(tampered, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + base64.b64encode(b"another key").decode()).verify(body, headers)


@pytest.mark.django_db
def test_monitor_logs_carry_the_patient_id_never_names_or_mrn(admission, nurse, caplog):
    caplog.set_level("INFO")
    alert = emergency_alert(admission, nurse)
    alerts_escalate(now=alert.severity_since + timedelta(minutes=15))

    text = caplog.text
    assert str(admission.patient.pk) in text and "alert opened" in text and "escalated" in text
    patient = admission.patient
    for private in (patient.mrn, patient.family_name, patient.given_name):
        assert private not in text
