"""Reconcile a patient's alerts with what the monitor found; acknowledge; escalate.

Every state change is a conditional UPDATE acted on only when exactly one row changed, and
the unique constraints on open alerts and on notifications turn a duplicate into a no-op: a
task delivered twice, retried, or run by two workers at once opens one alert and sends one
notification (healthchecks ``Flip`` / ``sendalerts``)."""

import logging
from datetime import datetime, timedelta
from enum import StrEnum
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q

from patients.errors import ConflictError
from therapy.models import (
    OPEN_STATUSES,
    SEVERITY_RANK,
    Alert,
    AlertKind,
    AlertStatus,
    Notification,
    NotificationChannel,
    Severity,
    StateDocument,
)
from therapy.monitor.assessment import Assessment, Finding, moment_free
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


def notify(alert: Alert, event: str, *, fresh: bool = False) -> list[Notification]:
    """Create the notifications of one alert event, once per channel (the outbox rows);
    deliver after commit. ``fresh``: the alert was created in this transaction, so nothing
    can have notified it yet (no savepoint needed to catch a duplicate)."""
    created = []
    for channel in channels():
        # In the app, the row is the message: it is sent as it is written.
        in_app = channel == NotificationChannel.IN_APP
        sent: dict[str, Any] = {"status": "sent", "sent_at": alert.last_seen_at} if in_app else {}
        if fresh:
            notification = Notification.objects.create(
                alert=alert, event=event, channel=channel, **sent
            )
        else:
            try:
                with transaction.atomic():
                    notification = Notification.objects.create(
                        alert=alert, event=event, channel=channel, **sent
                    )
            except IntegrityError:
                continue  # this event was already notified on this channel
        created.append(notification)
        if not in_app:
            transaction.on_commit(partial(_enqueue_delivery, notification.pk))
    return created


class Resolution(StrEnum):
    """How an alert of a kind resolves itself (clinical-rules.md §6).

    ``steady`` (v2, every finding about the patient): absent for at least the longer of
    ``resolve_min_absent_minutes`` and the due interval in force when last found, counted from
    the last evaluation that found it, and seen absent by ``resolve_absent_evaluations``
    consecutive evaluations on new data; a "not assessable" evaluation changes nothing; found
    again within ``reopen_within_minutes`` of resolving, the same alert reopens.
    ``interval`` (v1, overdue care and the monitor's own failure): absent for a whole due
    interval from the first evaluation that found it absent. ``at_once``: a reminder whose task
    is done (pre-dose vitals taken, or the dose decided)."""

    STEADY = "steady"
    INTERVAL = "interval"
    AT_ONCE = "at_once"


# Kinds not listed resolve ``steady`` (a new finding kind is a finding about the patient).
RESOLUTION_BY_KIND: dict[str, Resolution] = {
    AlertKind.VITALS_OVERDUE: Resolution.INTERVAL,
    AlertKind.DOSE_OVERDUE: Resolution.INTERVAL,
    AlertKind.MONITOR_FAILURE: Resolution.INTERVAL,
    AlertKind.PREDOSE_VITALS_DUE: Resolution.AT_ONCE,
}
DISCHARGE_RESOLUTION = "Patient discharged."


def resolution_of(kind: str) -> Resolution:
    return RESOLUTION_BY_KIND.get(kind, Resolution.STEADY)


def _minutes(interval: timedelta) -> int:
    return int(interval.total_seconds() // 60)


def _event(event: str, at: datetime, **details: Any) -> dict[str, Any]:
    return {"event": event, "at": at.isoformat(), **details}


def _reopenable_q(assessment: Assessment) -> Q:
    """Alerts resolved less than ``reopen_within_minutes`` before the assessment (not by
    discharge): those a finding of their kind reopens (§6 (v2))."""
    now = assessment.at
    since = now - timedelta(minutes=assessment.monitoring.reopen_within_minutes)
    return Q(status=AlertStatus.RESOLVED, resolved_at__gt=since, resolved_at__lte=now) & ~Q(
        resolution=DISCHARGE_RESOLUTION
    )


def _reopenable(patient_id: Any, assessment: Assessment, kind: str) -> Any:
    """The patient's reopenable alerts of ``kind``, newest first."""
    return (
        Alert.objects.filter(_reopenable_q(assessment), patient_id=patient_id, kind=kind)
        .select_related("acknowledged_by")
        .order_by("-resolved_at")
    )


_UNREAD = object()  # the reopenable alert of a kind, not read yet


def _reopen(
    patient_id: Any,
    finding: Finding,
    assessment: Assessment,
    now: datetime,
    resolved: Any = _UNREAD,
) -> Alert | None:
    """The same kind resolved less than ``reopen_within_minutes`` ago (§6 (v2)): reopen that
    alert, its history showing the gap, rather than open a second one. None when there is none
    to reopen (then a new alert opens). ``resolved``: that alert (or None), when the
    reconciliation has read them for every kind at once."""
    if resolved is _UNREAD:
        resolved = _reopenable(patient_id, assessment, finding.kind).first()
    if not isinstance(resolved, Alert) or resolved.resolved_at is None:
        return None
    gap = now - resolved.resolved_at
    reopens = sum(1 for item in resolved.lifecycle if item.get("event") == "reopened")
    event = _event(
        "reopened",
        now,
        resolved_at=resolved.resolved_at.isoformat(),
        gap_minutes=_minutes(gap),
        resolution=resolved.resolution,
        severity=finding.severity,
        acknowledged_by=resolved.acknowledged_by.get_username()
        if resolved.acknowledged_by
        else None,
    )
    try:
        with transaction.atomic():
            claimed = Alert.objects.filter(
                pk=resolved.pk, status=AlertStatus.RESOLVED, resolved_at=resolved.resolved_at
            ).update(
                status=AlertStatus.ACTIVE,
                severity=finding.severity,
                severity_rank=SEVERITY_RANK[Severity(finding.severity)],
                severity_since=now,
                last_seen_at=now,
                clear_since=None,
                absent_evaluations=0,
                data_as_of=assessment.data_as_of,
                seen_due_minutes=_minutes(assessment.due_interval),
                evidence=finding.evidence,
                rule_version=finding.rule_version,
                acknowledged_by=None,
                acknowledged_at=None,
                acknowledge_note="",
                escalated_at=None,
                resolved_at=None,
                resolution="",
                lifecycle=[*resolved.lifecycle, event],
            )
    except IntegrityError:
        return None  # an alert of this kind was opened a moment ago by a concurrent evaluation
    if claimed != 1:
        return None
    resolved.refresh_from_db()
    logger.info(
        "alert reopened patient=%s kind=%s severity=%s gap_minutes=%s",
        patient_id,
        finding.kind,
        finding.severity,
        _minutes(gap),
    )
    notify(resolved, f"reopened_{reopens + 1}")
    return resolved


def _open(
    patient_id: Any, finding: Finding, assessment: Assessment, resolved: Any = _UNREAD
) -> Alert | None:
    now = assessment.at
    if resolution_of(finding.kind) is Resolution.STEADY:
        reopened = _reopen(patient_id, finding, assessment, now, resolved)
        if reopened is not None:
            return reopened
    try:
        with transaction.atomic():
            # bulk_create: no post_save signal, whose only receiver makes the summary document
            # out of date; every caller has done that once for the whole change already.
            (alert,) = Alert.objects.bulk_create(
                [
                    Alert(
                        patient_id=patient_id,
                        kind=finding.kind,
                        severity=finding.severity,
                        severity_rank=SEVERITY_RANK[Severity(finding.severity)],
                        opened_at=now,
                        severity_since=now,
                        last_seen_at=now,
                        evidence=finding.evidence,
                        rule_version=finding.rule_version,
                        data_as_of=assessment.data_as_of,
                        seen_due_minutes=_minutes(assessment.due_interval),
                        lifecycle=[_event("opened", now, severity=finding.severity)],
                    )
                ]
            )
    except IntegrityError:
        return None  # opened a moment ago by a concurrent evaluation
    logger.info(
        "alert opened patient=%s kind=%s severity=%s", patient_id, finding.kind, finding.severity
    )
    notify(alert, "opened", fresh=True)
    return alert


def _seen(alert: Alert, finding: Finding, assessment: Assessment) -> bool:
    """The open alert found again: its times and evidence brought up to date, its severity
    raised if the finding's is higher. True if what the pages show of it changed (evidence,
    rule version, severity); a finding repeated on the same data changes only its times."""
    now = assessment.at
    rank = SEVERITY_RANK[Severity(finding.severity)]
    Alert.objects.filter(pk=alert.pk, status__in=OPEN_STATUSES, last_seen_at__lte=now).update(
        last_seen_at=now,
        clear_since=None,
        absent_evaluations=0,
        data_as_of=assessment.data_as_of,
        seen_due_minutes=_minutes(assessment.due_interval),
        evidence=finding.evidence,
        rule_version=finding.rule_version,
    )
    # The same evidence found a moment later (its own time in it) is not a change.
    shown = alert.rule_version != finding.rule_version or moment_free(
        alert.evidence, alert.last_seen_at
    ) != moment_free(finding.evidence, now)
    # Severity only rises while an alert is open; claim the rise so it is notified once.
    # Read at this rank or above already, it cannot be below it now: nothing to claim.
    if alert.severity_rank >= rank:
        return shown
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
    return shown or raised == 1


def _resolve(alert: Alert, now: datetime, resolution: str, **guard: Any) -> bool:
    """Resolve once (the claim); its lifecycle records it."""
    event = _event("resolved", now, resolution=resolution)
    resolved = Alert.objects.filter(pk=alert.pk, status__in=OPEN_STATUSES, **guard).update(
        status=AlertStatus.RESOLVED,
        resolved_at=now,
        resolution=resolution,
        lifecycle=[*alert.lifecycle, event],
    )
    if resolved == 1:
        logger.info("alert resolved patient=%s kind=%s", alert.patient_id, alert.kind)
    return resolved == 1


def _absent_interval(alert: Alert, due_interval: timedelta, now: datetime) -> bool:
    """v1: a whole due interval from the first evaluation that found it absent. True if it
    resolved."""
    if alert.clear_since is None:
        Alert.objects.filter(
            pk=alert.pk, status__in=OPEN_STATUSES, clear_since__isnull=True
        ).update(clear_since=now)
        return False
    if now - alert.clear_since >= due_interval:
        return _resolve(
            alert,
            now,
            f"Condition absent since {alert.clear_since.isoformat()} "
            f"({_minutes(due_interval)} min due interval).",
        )
    return False


def _absent_steady(alert: Alert, assessment: Assessment) -> bool:
    """v2: see :class:`Resolution`. Each absent evaluation on new data is claimed by a
    conditional UPDATE on the count it read, so a duplicate or concurrent run counts once.
    True if it resolved."""
    now, settings = assessment.at, assessment.monitoring
    data = assessment.data_as_of
    new_data = data is not None and (alert.data_as_of is None or data > alert.data_as_of)
    changes: dict[str, Any] = {}
    if alert.clear_since is None:
        changes["clear_since"] = now
    if new_data:
        changes.update(absent_evaluations=alert.absent_evaluations + 1, data_as_of=data)
    if changes:
        claimed = Alert.objects.filter(
            pk=alert.pk,
            status__in=OPEN_STATUSES,
            absent_evaluations=alert.absent_evaluations,
            last_seen_at=alert.last_seen_at,
        ).update(**changes)
        if claimed != 1:
            return False  # counted by a concurrent evaluation, or found again meanwhile
        for name, value in changes.items():
            setattr(alert, name, value)
    seen_interval = timedelta(minutes=alert.seen_due_minutes or 0)
    wait = max(timedelta(minutes=settings.resolve_min_absent_minutes), seen_interval)
    if alert.absent_evaluations < settings.resolve_absent_evaluations:
        return False
    if now - alert.last_seen_at < wait:
        return False
    return _resolve(
        alert,
        now,
        f"Condition not found since {alert.last_seen_at.isoformat()}: absent for "
        f"{_minutes(now - alert.last_seen_at)} min (at least {_minutes(wait)}) and in "
        f"{alert.absent_evaluations} consecutive evaluations on new data.",
        last_seen_at=alert.last_seen_at,
        absent_evaluations=alert.absent_evaluations,
    )


def _absent(alert: Alert, assessment: Assessment) -> bool:
    """The open alert not found: resolved now, or counted towards it. True if it resolved."""
    resolution = resolution_of(alert.kind)
    if resolution is Resolution.AT_ONCE:
        return _resolve(alert, assessment.at, "Done: no longer due.")
    if resolution is Resolution.INTERVAL:
        return _absent_interval(alert, assessment.due_interval, assessment.at)
    if assessment.assessable(alert.kind, alert.evidence):
        return _absent_steady(alert, assessment)
    return False  # not assessable: the alert stays exactly as it was (§6 (v2))


def alerts_reconcile(*, patient_id: Any, assessment: Assessment) -> bool:
    """Open (or reopen), update, raise or resolve the patient's alerts to match the findings.
    The kinds of a part that failed are unknown, not absent: they are left exactly as they
    are; so are the kinds whose absence the data cannot show (``not_assessable``).

    True if what the pages and the summary show of the alerts changed (one opened, reopened,
    raised or resolved, or its evidence changed): the caller then makes the patient's summary
    document out of date. The times an alert is seen at and its count of absent evaluations
    move without that (the monitor's evaluation stores the document again anyway)."""
    # One read: the open alerts, and those a finding may reopen (newest first per kind).
    open_alerts: dict[str, Alert] = {}
    reopenable: dict[str, Alert] = {}
    for alert in (
        Alert.objects.filter(
            Q(status__in=OPEN_STATUSES) | _reopenable_q(assessment), patient_id=patient_id
        )
        .select_related("acknowledged_by")
        .order_by("-resolved_at")
    ):
        if alert.status in OPEN_STATUSES:
            open_alerts[alert.kind] = alert
        else:
            reopenable.setdefault(alert.kind, alert)
    shown = False
    # In the order of their kinds: concurrent evaluations of a patient take the rows' locks in
    # the same order.
    for kind in sorted(assessment.findings):
        finding, found = assessment.findings[kind], open_alerts.get(kind)
        if found is None:
            opened = _open(patient_id, finding, assessment, reopenable.get(kind))
            shown = opened is not None or shown
        else:
            shown = _seen(found, finding, assessment) or shown
    unknown = assessment.unknown_kinds
    for kind in sorted(open_alerts):
        if kind not in assessment.findings and kind not in unknown:
            shown = _absent(open_alerts[kind], assessment) or shown
    return shown


def alert_raise(*, patient_id: Any, finding: Finding, now: datetime) -> Alert | None:
    """Open one alert, or update the open one of its kind: for findings made outside an
    assessment (a failed evaluation, the watchdog). Idempotent like the reconcile."""
    alert = Alert.objects.filter(
        patient_id=patient_id, kind=finding.kind, status__in=OPEN_STATUSES
    ).first()
    outside = Assessment(at=now, rule_version=finding.rule_version, due_interval=timedelta(0))
    StateDocument.objects.invalidate([patient_id])
    if alert is None:
        return _open(patient_id, finding, outside)
    _seen(alert, finding, outside)
    return alert


def alerts_close_for_discharge(*, patient_id: Any, now: datetime) -> int:
    """A discharged patient is no longer monitored: resolve what is open, recorded as such."""
    StateDocument.objects.invalidate([patient_id])
    return Alert.objects.filter(patient_id=patient_id, status__in=OPEN_STATUSES).update(
        status=AlertStatus.RESOLVED,
        resolved_at=now,
        resolution=DISCHARGE_RESOLUTION,
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
