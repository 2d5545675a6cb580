"""Notifications are an outbox (issue 11 item 7; healthchecks ``sendalerts``): beat's sweep
sends what the on-commit task lost, retries failed sends with backoff up to a cap, re-sends
what a dead worker left ``sending``, and every send is claimed once however many senders
race. A real local HTTP server plays the webhook; the clock is explicit (``now``)."""

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from tests.support.factories import AdmissionFactory
from tests.support.therapy_fixtures import CRS_GRADE_3, record_vitals
from therapy.models import Alert, Notification
from therapy.monitor.evaluation import evaluation_run
from therapy.monitor.notify import backoff, notification_send, notifications_sweep


class Webhook(BaseHTTPRequestHandler):
    """Answers 503 while ``down``, 200 otherwise; records what it was sent."""

    down = False
    received: list[dict[str, object]] = []
    answered: list[int] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        status = 503 if Webhook.down else 200
        Webhook.received.append(body)
        Webhook.answered.append(status)
        self.send_response(status)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass

    @classmethod
    def delivered(cls) -> list[str]:
        """Ids of the notifications the receiver accepted (200), in order."""
        return [
            str(body["notification_id"])
            for body, status in zip(cls.received, cls.answered, strict=True)
            if status == 200
        ]


@pytest.fixture
def webhook(settings):  # type: ignore[no-untyped-def]
    server = ThreadingHTTPServer(("127.0.0.1", 0), Webhook)
    Webhook.down, Webhook.received, Webhook.answered = False, [], []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.IL2_ALERT_WEBHOOK_URL = f"http://127.0.0.1:{server.server_port}/hook"
    settings.IL2_ALERT_WEBHOOK_SECRET = "shared-secret"
    yield Webhook
    server.shutdown()
    server.server_close()


def alert_with_rows(channels=("webhook",), **alert):  # type: ignore[no-untyped-def]
    """An emergency alert and one pending notification per channel, written as ``notify``
    writes them, with no delivery task enqueued: the task is lost."""
    now = timezone.now()
    row = Alert.objects.create(
        patient=AdmissionFactory().patient,
        kind="crs",
        severity="emergency",
        severity_rank=2,
        opened_at=now,
        severity_since=now,
        last_seen_at=now,
        evidence={},
        rule_version="test",
        **alert,
    )
    return [Notification.objects.create(alert=row, event="opened", channel=c) for c in channels]


@pytest.mark.django_db
def test_a_notification_whose_enqueue_was_lost_is_sent_by_the_sweep(
    settings, django_capture_on_commit_callbacks
):
    settings.IL2_ALERT_EMAIL_TO = ["oncall@example.org"]
    admission = AdmissionFactory()
    from tests.support.factories import UserFactory

    nurse = UserFactory(role="nurse")
    with django_capture_on_commit_callbacks(execute=False):  # the enqueue never happens
        record_vitals(admission.patient, nurse, minutes_ago=5, **CRS_GRADE_3)
        evaluation_run(patient_id=admission.patient.pk, reason="vitals")
    emails = Notification.objects.filter(alert__patient=admission.patient, channel="email")
    assert emails.count() == 2  # crs and news2_low_medium opened
    assert {e.status for e in emails} == {"pending"} and mail.outbox == []

    assert notifications_sweep(now=timezone.now()) == 2

    assert {(e.status, e.attempts) for e in emails.all()} == {("sent", 1)}
    assert len(mail.outbox) == 2
    assert notifications_sweep(now=timezone.now() + timedelta(minutes=1)) == 0
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_a_broker_blip_at_enqueue_leaves_the_row_for_the_sweep(
    settings, nurse, admission, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    settings.IL2_ALERT_EMAIL_TO = ["oncall@example.org"]
    from celery import current_app

    def broker_down(*args: object, **kwargs: object) -> None:
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(current_app, "send_task", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        record_vitals(admission.patient, nurse, minutes_ago=5, **CRS_GRADE_3)
        evaluation_run(patient_id=admission.patient.pk, reason="vitals")

    assert "left for the outbox sweep" in caplog.text
    emails = Notification.objects.filter(channel="email")
    assert emails.count() == 2 and {e.status for e in emails} == {"pending"}
    assert notifications_sweep(now=timezone.now()) == 2 and len(mail.outbox) == 2


@pytest.mark.django_db
def test_a_webhook_down_for_10_minutes_loses_nothing(webhook):
    rows = [alert_with_rows()[0] for _ in range(3)]
    t0 = timezone.now()
    webhook.down = True
    minute = 0
    while minute <= 10:  # down: every due row is tried, fails, and waits its backoff
        notifications_sweep(now=t0 + timedelta(minutes=minute))
        minute += 1
    assert webhook.delivered() == []
    assert {r.status for r in Notification.objects.filter(pk__in=[r.pk for r in rows])} == {
        "failed"
    }
    tries_while_down = len(webhook.received)

    webhook.down = False
    while Notification.objects.filter(channel="webhook").exclude(status="sent").exists():
        assert minute <= 10 + 5, "not all sent within the longest backoff after recovery"
        notifications_sweep(now=t0 + timedelta(minutes=minute))
        minute += 1

    assert sorted(webhook.delivered()) == sorted(str(r.pk) for r in rows)  # each once
    for row in Notification.objects.filter(pk__in=[r.pk for r in rows]):
        assert row.sent_at is not None and row.last_error == ""
    # Backoff 1, 2, 4, 5... min: tries at 0, 1, 3 and 7 min in the outage, not one a minute.
    assert tries_while_down == 3 * 4


@pytest.mark.django_db
def test_a_failed_send_waits_for_its_backoff(webhook):
    (row,) = alert_with_rows()
    webhook.down = True
    t0 = timezone.now()
    assert notification_send(notification_id=row.pk, now=t0) is False
    row.refresh_from_db()
    assert row.status == "failed" and row.next_attempt_at == t0 + backoff(1)
    assert "503" in row.last_error

    webhook.down = False
    assert notifications_sweep(now=t0 + timedelta(seconds=59)) == 0
    assert notifications_sweep(now=t0 + timedelta(minutes=1)) == 1
    assert [backoff(n).total_seconds() // 60 for n in range(1, 7)] == [1, 2, 4, 5, 5, 5]


@pytest.mark.django_db
def test_a_send_left_sending_by_a_dead_worker_is_sent_again_once(webhook):
    stuck, recent = (alert_with_rows()[0] for _ in range(2))
    now = timezone.now()
    Notification.objects.filter(pk=stuck.pk).update(
        status="sending", attempts=1, claimed_at=now - timedelta(minutes=5)
    )
    Notification.objects.filter(pk=recent.pk).update(
        status="sending", attempts=1, claimed_at=now - timedelta(minutes=4)
    )

    assert notifications_sweep(now=now) == 1
    assert notifications_sweep(now=now + timedelta(seconds=30)) == 0

    assert webhook.delivered() == [str(stuck.pk)]
    stuck.refresh_from_db()
    recent.refresh_from_db()
    assert stuck.status == "sent" and stuck.attempts == 2
    assert recent.status == "sending"  # its worker may still be sending it


@pytest.mark.django_db
def test_the_retry_cap_is_respected(settings, webhook):
    settings.IL2_NOTIFY_MAX_ATTEMPTS = 3
    (row,) = alert_with_rows()
    webhook.down = True
    t0 = timezone.now()
    for minute in range(0, 120):
        notifications_sweep(now=t0 + timedelta(minutes=minute))

    row.refresh_from_db()
    assert len(webhook.received) == 3 and row.attempts == 3
    assert row.status == "failed" and row.next_attempt_at is None
    webhook.down = False
    assert notifications_sweep(now=t0 + timedelta(days=1)) == 0
    assert notification_send(notification_id=row.pk, now=t0 + timedelta(days=1)) is False
    assert len(webhook.received) == 3


@pytest.mark.django_db
def test_a_dead_worker_on_the_last_attempt_leaves_the_row_failed_not_sending(settings, webhook):
    settings.IL2_NOTIFY_MAX_ATTEMPTS = 2
    (row,) = alert_with_rows()
    now = timezone.now()
    Notification.objects.filter(pk=row.pk).update(
        status="sending", attempts=2, claimed_at=now - timedelta(minutes=10)
    )
    assert notifications_sweep(now=now) == 0
    row.refresh_from_db()
    assert row.status == "failed" and "no attempt is left" in row.last_error
    assert webhook.received == []


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_send_each_notification_once(webhook):
    rows = [alert_with_rows()[0] for _ in range(4)]
    now = timezone.now()
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []
    sent: list[int] = []

    def sweep() -> None:
        try:
            barrier.wait()
            sent.append(notifications_sweep(now=now))
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sum(sent) == 4
    assert sorted(webhook.delivered()) == sorted(str(r.pk) for r in rows)
    assert {n.attempts for n in Notification.objects.all()} == {1}


@pytest.mark.django_db
def test_the_delivery_task_and_the_sweep_racing_send_once(webhook):
    (row,) = alert_with_rows()
    now = timezone.now()
    assert notification_send(notification_id=row.pk, now=now) is True  # the on-commit task
    assert notifications_sweep(now=now) == 0  # the sweep finds nothing left to claim
    assert notification_send(notification_id=row.pk, now=now) is False  # a redelivery
    assert webhook.delivered() == [str(row.pk)]


@pytest.mark.django_db
def test_in_app_notifications_are_never_swept(webhook):
    # Both rows pending, as notify writes them: the sweep sends the webhook and leaves the
    # in-app row (the inbox shows it; nothing is sent), however long it waits.
    in_app, hook = alert_with_rows(channels=("in_app", "webhook"))
    before = Notification.objects.filter(pk=in_app.pk).values().get()

    assert notifications_sweep(now=timezone.now() + timedelta(hours=1)) == 1

    assert webhook.delivered() == [str(hook.pk)]
    assert Notification.objects.filter(pk=in_app.pk).values().get() == before
