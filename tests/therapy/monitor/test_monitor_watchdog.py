"""The monitor watched (clinical-rules.md §6 (v2), issue 11 item 3): beat's watchdog raises
``monitor_failure`` for an admitted patient with no successful evaluation for
``IL2_MONITOR_STALE_MINUTES`` (10), including one never evaluated since an admission that
long ago; explicit clock (``now``)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from il2monitor.celery import app
from tests.support.factories import AdmissionFactory
from therapy import tasks
from therapy.models import Alert, MonitorState, Notification
from therapy.monitor.evaluation import evaluation_run, monitor_watchdog
from therapy.pages.wording import evidence_lines

pytestmark = pytest.mark.django_db


def failures(patient):  # type: ignore[no-untyped-def]
    return Alert.objects.filter(patient=patient, kind="monitor_failure")


def test_no_successful_evaluation_for_10_minutes_raises_monitor_failure_9_does_not():
    stay = AdmissionFactory()
    t0 = timezone.now()
    evaluation_run(patient_id=stay.patient.pk, reason="admission", now=t0)

    assert monitor_watchdog(now=t0 + timedelta(minutes=9, seconds=59)) == 0
    assert not failures(stay.patient).exists()

    assert monitor_watchdog(now=t0 + timedelta(minutes=10)) == 1
    alert = failures(stay.patient).get()
    assert alert.severity == "emergency" and alert.status == "active"
    assert alert.evidence["scope"] == "stale"
    assert alert.evidence["last_success_at"] == t0.isoformat()
    assert alert.evidence["stale_minutes"] == 10
    assert Notification.objects.filter(alert=alert, event="opened").count() == 1
    assert "No evaluation of this patient has succeeded since" in evidence_lines(alert)[0]

    # Once open it is not raised again, however long the silence lasts.
    assert monitor_watchdog(now=t0 + timedelta(minutes=11)) == 0
    assert monitor_watchdog(now=t0 + timedelta(hours=3)) == 0
    assert failures(stay.patient).count() == 1


def test_never_evaluated_since_an_admission_10_minutes_ago_raises_it_9_minutes_does_not():
    now = timezone.now()
    old = AdmissionFactory(admitted_at=now - timedelta(minutes=10))
    new = AdmissionFactory(admitted_at=now - timedelta(minutes=9))

    assert monitor_watchdog(now=now) == 1

    assert failures(old.patient).get().evidence["last_success_at"] is None
    assert not failures(new.patient).exists()


def test_a_success_from_an_earlier_stay_does_not_count_for_this_one():
    now = timezone.now()
    stay = AdmissionFactory(admitted_at=now - timedelta(minutes=5))
    MonitorState.objects.create(
        patient=stay.patient,
        assessed_at=now - timedelta(days=3),
        last_success_at=now - timedelta(days=3),
        findings={},
        rule_version="x",
    )
    assert monitor_watchdog(now=now) == 0  # admitted 5 min ago: not yet
    assert monitor_watchdog(now=now + timedelta(minutes=5)) == 1


def test_discharged_patients_are_not_watched():
    now = timezone.now()
    AdmissionFactory(admitted_at=now - timedelta(hours=3), discharged_at=now - timedelta(hours=1))
    assert monitor_watchdog(now=now) == 0
    assert not Alert.objects.exists()


def test_the_stale_alert_clears_once_evaluations_succeed_again():
    stay = AdmissionFactory()
    t0 = timezone.now()
    evaluation_run(patient_id=stay.patient.pk, reason="admission", now=t0)
    monitor_watchdog(now=t0 + timedelta(minutes=15))

    evaluation_run(patient_id=stay.patient.pk, reason="tick", now=t0 + timedelta(minutes=16))

    alert = failures(stay.patient).get()
    assert alert.clear_since == t0 + timedelta(minutes=16)  # absent: the normal resolution path
    state = MonitorState.objects.get(patient=stay.patient)
    assert state.last_success_at == t0 + timedelta(minutes=16)
    evaluation_run(patient_id=stay.patient.pk, reason="tick", now=t0 + timedelta(hours=15))
    alert.refresh_from_db()
    assert alert.status == "resolved"


def test_beat_runs_the_watchdog_and_the_outbox_every_minute():
    schedule = app.conf.beat_schedule
    assert schedule["monitor-watchdog"] == {
        "task": "therapy.tasks.monitor_watchdog",
        "schedule": 60.0,
    }
    assert schedule["notifications-send-due"] == {
        "task": "therapy.tasks.notifications_send_due",
        "schedule": 60.0,
    }
    assert tasks.monitor_watchdog.name == "therapy.tasks.monitor_watchdog"
    assert tasks.notifications_send_due.name == "therapy.tasks.notifications_send_due"


def test_the_stale_minutes_are_a_setting(settings):
    settings.IL2_MONITOR_STALE_MINUTES = 30
    now = timezone.now()
    AdmissionFactory(admitted_at=now - timedelta(minutes=20))
    assert monitor_watchdog(now=now) == 0
    assert monitor_watchdog(now=now + timedelta(minutes=10)) == 1
