"""An escalation records each channel it went through and says so in words; with no channel
beyond the app it says nobody outside the app was notified, and never that "the physician on
call was notified" (clinical-rules.md §6 (v2), issue 11 item 7)."""

import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.urls import reverse

from tests.support.therapy_fixtures import CRS_GRADE_3, record_vitals
from therapy.models import Alert, Notification
from therapy.monitor.alerts import alerts_escalate
from therapy.monitor.evaluation import evaluation_run
from therapy.monitor.notify import notifications_sweep
from therapy.pages.wording import escalation_words, when

pytestmark = pytest.mark.django_db


class Hook(BaseHTTPRequestHandler):
    status = 200

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(Hook.status)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def hook_url():  # type: ignore[no-untyped-def]
    server = HTTPServer(("127.0.0.1", 0), Hook)
    Hook.status = 200
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/hook"
    server.shutdown()
    server.server_close()


def escalated(admission, nurse, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=False):  # deliveries left to the sweep
        record_vitals(admission.patient, nurse, minutes_ago=5, **CRS_GRADE_3)
        evaluation_run(patient_id=admission.patient.pk, reason="vitals")
        alert = Alert.objects.get(patient=admission.patient, kind="crs")
        at = alert.severity_since + timedelta(minutes=15)
        assert alerts_escalate(now=at) >= 1
    alert.refresh_from_db()
    return alert, at


def test_without_channels_it_says_nobody_outside_the_app_was_notified(
    client, admission, nurse, django_capture_on_commit_callbacks
):
    alert, at = escalated(admission, nurse, django_capture_on_commit_callbacks)

    channels = Notification.objects.filter(alert=alert, event="escalated_emergency")
    assert [n.channel for n in channels] == ["in_app"]
    words = escalation_words(alert, at)
    assert words == (
        f"Escalated {when(at)}: no channel beyond this app is configured — "
        "nobody outside the app was notified."
    )
    assert "on call" not in words
    client.force_login(nurse)
    inbox = client.get(reverse("therapy:alert-inbox")).content.decode()
    assert "nobody outside the app was notified" in inbox and "on call" not in inbox
    handover = client.get(reverse("therapy:handover")).content.decode()
    assert "nobody outside the app was notified" in handover


def test_with_channels_it_names_them_and_what_is_still_pending_or_failed(
    settings, hook_url, admission, nurse, django_capture_on_commit_callbacks
):
    settings.IL2_ALERT_EMAIL_TO = ["oncall@example.org"]
    settings.IL2_ALERT_WEBHOOK_URL = hook_url
    settings.IL2_ALERT_WEBHOOK_SECRET = "s"
    alert, at = escalated(admission, nurse, django_capture_on_commit_callbacks)
    channels = Notification.objects.filter(alert=alert, event="escalated_emergency")
    assert sorted(n.channel for n in channels) == ["email", "in_app", "webhook"]

    assert escalation_words(alert, at).endswith(
        ": email still pending; webhook still pending. "
        "Nobody outside the app has been notified yet."
    )

    Hook.status = 502
    notifications_sweep(now=at)
    alert = Alert.objects.get(pk=alert.pk)  # no cached notifications
    assert escalation_words(alert, at).endswith(
        ": sent by email; webhook failed (1 attempt), trying again."
    )

    Hook.status = 200
    notifications_sweep(now=at + timedelta(minutes=1))
    alert = Alert.objects.get(pk=alert.pk)
    assert escalation_words(alert, at).endswith(": sent by email and webhook.")


def test_a_channel_given_up_on_says_it_was_not_delivered(
    settings, hook_url, admission, nurse, django_capture_on_commit_callbacks
):
    settings.IL2_ALERT_WEBHOOK_URL = hook_url
    settings.IL2_ALERT_WEBHOOK_SECRET = "s"
    settings.IL2_NOTIFY_MAX_ATTEMPTS = 1
    alert, at = escalated(admission, nurse, django_capture_on_commit_callbacks)
    Hook.status = 500
    notifications_sweep(now=at)

    words = escalation_words(Alert.objects.get(pk=alert.pk), at)

    assert words.endswith(
        ": webhook failed (1 attempt) — given up, not delivered. "
        "Nobody outside the app has been notified yet."
    )
