"""Reconcile a patient's alerts with what the monitor found; acknowledge; escalate.

Every state change is a conditional UPDATE acted on only when exactly one row changed, and
the unique constraints on open alerts and on notifications turn a duplicate into a no-op: a
task delivered twice, retried, or run by two workers at once opens one alert and sends one
notification (healthchecks ``Flip`` / ``sendalerts``)."""

import logging
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from patients.errors import ConflictError
from therapy.models import (
    OPEN_STATUSES,
    SEVERITY_RANK,
    Alert,
    AlertStatus,
    Notification,
    NotificationChannel,
    Severity,
    StateDocument,
)
from therapy.monitor.assessment import Assessment, Finding
from therapy.monitor.queue import DELIVER_NOTIFICATION, enqueue

logger = logging.getLogger(__name__)


def channels() -> list[str]:
    """In-app always; email and webhook where configured."""
    configured: list[str] = [NotificationChannel.IN_APP]
    if settings.IL2_ALERT_EMAIL_TO:
        configured.append(NotificationChannel.EMAIL)
    if settings.IL2_ALERT_WEBHOOK_URL:
        configured.append(NotificationChannel.WEBHOOK)
    return configured


def _enqueue_delivery(notification_id: Any) -> None:
    try:
        enqueue(DELIVER_NOTIFICATION, str(notification_id))
    except Exception as error:
        # The row is committed: the outbox sweep (beat, every minute) sends it instead.
        logger.warning(
            "broker unavailable (%s); notification %s left for the outbox sweep",
            type(error).__name__,
            notification_id,
        )


def notify(alert: Alert, event: str) -> list[Notification]:
    """Create the notifications of one alert event, once per channel (the outbox rows);
    deliver after commit."""
    created = []
    for channel in channels():
        try:
            with transaction.atomic():
                notification = Notification.objects.create(
                    alert=alert, event=event, channel=channel
                )
        except IntegrityError:
            continue  # this event was already notified on this channel
        created.append(notification)
        if channel == NotificationChannel.IN_APP:
            Notification.objects.filter(pk=notification.pk).update(
                status="sent", sent_at=alert.last_seen_at
            )
        else:
            transaction.on_commit(partial(_enqueue_delivery, notification.pk))
    return created


def _open(patient_id: Any, finding: Finding, now: datetime) -> Alert | None:
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                patient_id=patient_id,
                kind=finding.kind,
                severity=finding.severity,
                severity_rank=SEVERITY_RANK[Severity(finding.severity)],
                opened_at=now,
                severity_since=now,
                last_seen_at=now,
                evidence=finding.evidence,
                rule_version=finding.rule_version,
            )
    except IntegrityError:
        return None  # opened a moment ago by a concurrent evaluation
    logger.info(
        "alert opened patient=%s kind=%s severity=%s", patient_id, finding.kind, finding.severity
    )
    notify(alert, "opened")
    return alert


def _seen(alert: Alert, finding: Finding, now: datetime) -> None:
    rank = SEVERITY_RANK[Severity(finding.severity)]
    Alert.objects.filter(pk=alert.pk, status__in=OPEN_STATUSES, last_seen_at__lte=now).update(
        last_seen_at=now,
        clear_since=None,
        evidence=finding.evidence,
        rule_version=finding.rule_version,
    )
    # Severity only rises while an alert is open; claim the rise so it is notified once.
    raised = Alert.objects.filter(
        pk=alert.pk, status__in=OPEN_STATUSES, severity_rank__lt=rank
    ).update(
        severity=finding.severity,
        severity_rank=rank,
        severity_since=now,
        status=AlertStatus.ACTIVE,
        escalated_at=None,
    )
    if raised == 1:
        alert.refresh_from_db()
        logger.info(
            "alert raised patient=%s kind=%s severity=%s",
            alert.patient_id,
            alert.kind,
            alert.severity,
        )
        notify(alert, f"raised_to_{finding.severity}")


def _absent(alert: Alert, due_interval: timedelta, now: datetime) -> None:
    if alert.clear_since is None:
        Alert.objects.filter(
            pk=alert.pk, status__in=OPEN_STATUSES, clear_since__isnull=True
        ).update(clear_since=now)
        return
    if now - alert.clear_since >= due_interval:
        minutes = int(due_interval.total_seconds() // 60)
        resolved = Alert.objects.filter(pk=alert.pk, status__in=OPEN_STATUSES).update(
            status=AlertStatus.RESOLVED,
            resolved_at=now,
            resolution=(
                f"Condition absent since {alert.clear_since.isoformat()} "
                f"({minutes} min due interval)."
            ),
        )
        if resolved == 1:
            logger.info("alert resolved patient=%s kind=%s", alert.patient_id, alert.kind)


def alerts_reconcile(*, patient_id: Any, assessment: Assessment) -> None:
    """Open, update, raise or resolve the patient's alerts to match the findings. The kinds
    of a part that failed are unknown, not absent: they are left exactly as they are."""
    now = assessment.at
    open_alerts = {
        a.kind: a for a in Alert.objects.filter(patient_id=patient_id, status__in=OPEN_STATUSES)
    }
    for kind, finding in assessment.findings.items():
        alert = open_alerts.get(kind)
        if alert is None:
            _open(patient_id, finding, now)
        else:
            _seen(alert, finding, now)
    unknown = assessment.unknown_kinds
    for kind, alert in open_alerts.items():
        if kind not in assessment.findings and kind not in unknown:
            _absent(alert, assessment.due_interval, now)


def alert_raise(*, patient_id: Any, finding: Finding, now: datetime) -> Alert | None:
    """Open one alert, or update the open one of its kind: for findings made outside an
    assessment (a failed evaluation, the watchdog). Idempotent like the reconcile."""
    alert = Alert.objects.filter(
        patient_id=patient_id, kind=finding.kind, status__in=OPEN_STATUSES
    ).first()
    if alert is None:
        return _open(patient_id, finding, now)
    _seen(alert, finding, now)
    StateDocument.objects.invalidate([patient_id])
    return alert


def alerts_close_for_discharge(*, patient_id: Any, now: datetime) -> int:
    """A discharged patient is no longer monitored: resolve what is open, recorded as such."""
    StateDocument.objects.invalidate([patient_id])
    return Alert.objects.filter(patient_id=patient_id, status__in=OPEN_STATUSES).update(
        status=AlertStatus.RESOLVED,
        resolved_at=now,
        resolution="Patient discharged.",
    )


# An acknowledgement says what was done (api-contract.md v2): the page and the API share
# this rule and its words.
ACK_NOTE_MAX_LENGTH = 1000
ACK_NOTE_REQUIRED = "Say what was done (for example, who was informed) before acknowledging."
ACK_NOTE_TOO_LONG = f"Keep the note under {ACK_NOTE_MAX_LENGTH} characters."


@transaction.atomic
def alert_acknowledge(*, alert: Alert, by: Any, note: str, now: datetime) -> Alert:
    """Acknowledge an active alert with a note of 1–1,000 characters (after trimming)."""
    if not by.has_perm("therapy.acknowledge_alert"):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("Only a nurse or physician may acknowledge an alert.")
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": [ACK_NOTE_REQUIRED]}, code="note_required")
    if len(note) > ACK_NOTE_MAX_LENGTH:
        raise ValidationError({"note": [ACK_NOTE_TOO_LONG]}, code="note_too_long")
    claimed = Alert.objects.filter(pk=alert.pk, status=AlertStatus.ACTIVE).update(
        status=AlertStatus.ACKNOWLEDGED,
        acknowledged_by=by,
        acknowledged_at=now,
        acknowledge_note=note,
    )
    if claimed != 1:
        alert.refresh_from_db()
        raise ConflictError(f"This alert is already {alert.status}.")
    StateDocument.objects.invalidate([alert.patient_id])
    alert.refresh_from_db()
    return alert


def escalation_delay(severity: str) -> timedelta | None:
    minutes = {
        Severity.EMERGENCY: settings.IL2_ESCALATE_EMERGENCY_MINUTES,
        Severity.URGENT: settings.IL2_ESCALATE_URGENT_MINUTES,
    }.get(Severity(severity))
    return None if minutes is None else timedelta(minutes=minutes)


def alerts_escalate(*, now: datetime) -> int:
    """Escalate every active (unacknowledged) alert past its severity's delay, once each."""
    escalated = 0
    for severity in (Severity.EMERGENCY, Severity.URGENT):
        delay = escalation_delay(severity)
        if delay is None:
            continue
        due = Alert.objects.filter(
            status=AlertStatus.ACTIVE,
            severity=severity,
            escalated_at__isnull=True,
            severity_since__lte=now - delay,
        )
        for alert in due:
            with transaction.atomic():
                claimed = Alert.objects.filter(
                    pk=alert.pk,
                    status=AlertStatus.ACTIVE,
                    escalated_at__isnull=True,
                    severity_since=alert.severity_since,
                ).update(escalated_at=now)
                if claimed == 1:
                    StateDocument.objects.invalidate([alert.patient_id])
                    alert.escalated_at = now
                    logger.info("alert escalated patient=%s kind=%s", alert.patient_id, alert.kind)
                    notify(alert, f"escalated_{alert.severity}")
                    escalated += 1
    return escalated
