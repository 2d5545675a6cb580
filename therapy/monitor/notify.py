"""Delivering notifications: in-app (the row itself), email, and a signed JSON webhook.

The webhook is signed the Standard Webhooks way (https://www.standardwebhooks.com/): headers
``webhook-id`` (the notification's id, the same on every retry), ``webhook-timestamp`` (Unix
seconds) and ``webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">``
keyed with ``IL2_ALERT_WEBHOOK_SECRET`` (``whsec_<base64 key>``), so a receiver verifies it
with the stock libraries. The older ``X-IL2-Timestamp`` / ``X-IL2-Signature: sha256=<hex>``
(HMAC over ``<timestamp>.<body>`` with the secret's text) are still sent, for receivers
written against them. Messages carry ids, kinds and severities, never names or MRNs: the
recipient opens the app to see the patient.

Notifications are an outbox (healthchecks ``sendalerts``): the row is written with the alert
change; after commit a task sends it, and the beat sweep (``notifications_sweep``, every
minute) sends whatever is still due: ``pending`` rows whose task was lost (a broker blip),
``failed`` rows whose backoff has passed (1, 2, 4... min, at most
``IL2_NOTIFY_BACKOFF_MAX_MINUTES`` apart, up to ``IL2_NOTIFY_MAX_ATTEMPTS`` attempts), and
rows left ``sending`` for ``IL2_NOTIFY_SENDING_TIMEOUT_MINUTES`` by a worker that died. Each
send is claimed with one conditional UPDATE, so the task and any number of sweeps racing
send a row once."""

import base64
import hashlib
import hmac
import json
import logging
import time
import urllib.request
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import F, Q
from django.utils import timezone

from therapy.models import Notification, NotificationChannel, NotificationStatus

logger = logging.getLogger(__name__)
# The sweep stops claiming new sends after this long, within the task's 45 s soft limit
# (a webhook may take its whole 10 s timeout); the next sweep carries on.
SWEEP_BUDGET_SECONDS = 30
SWEEP_BATCH = 200


class DeliveryError(Exception):
    """A channel could not deliver; the outbox tries again after a backoff."""


def payload(notification: Notification) -> dict[str, Any]:
    alert = notification.alert
    return {
        "notification_id": str(notification.pk),
        "event": notification.event,
        "alert": {
            "id": str(alert.pk),
            "patient": str(alert.patient_id),
            "kind": alert.kind,
            "severity": alert.severity,
            "status": alert.status,
            "opened_at": alert.opened_at.isoformat(),
            "rule_version": alert.rule_version,
        },
    }


def sign(body: bytes, timestamp: str, secret: str) -> str:
    """The older signature (``X-IL2-Signature``)."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


SECRET_PREFIX = "whsec_"  # noqa: S105 (the prefix of Standard Webhooks secrets, no secret)


def signing_key(secret: str) -> bytes:
    """The Standard Webhooks key: the base64 after ``whsec_``; a secret without the prefix is
    used as its UTF-8 bytes (a receiver's stock code then takes ``whsec_`` + its base64)."""
    if secret.startswith(SECRET_PREFIX):
        return base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    return secret.encode()


def standard_signature(message_id: str, timestamp: str, body: bytes, secret: str) -> str:
    """``webhook-signature``: ``v1,`` then the base64 HMAC-SHA256 of ``id.timestamp.body``."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(signing_key(secret), signed, hashlib.sha256).digest()
    return f"v1,{base64.b64encode(digest).decode()}"


def _send_webhook(notification: Notification) -> None:
    body = json.dumps(payload(notification), sort_keys=True).encode()
    timestamp = str(int(time.time()))
    message_id = f"msg_{notification.pk}"  # the same on every retry: receivers de-duplicate
    secret = settings.IL2_ALERT_WEBHOOK_SECRET
    request = urllib.request.Request(  # noqa: S310 (the URL is the site's own configuration)
        settings.IL2_ALERT_WEBHOOK_URL,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "webhook-id": message_id,
            "webhook-timestamp": timestamp,
            "webhook-signature": standard_signature(message_id, timestamp, body, secret),
            "X-IL2-Timestamp": timestamp,
            "X-IL2-Signature": sign(body, timestamp, secret),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            if not 200 <= response.status < 300:
                raise DeliveryError(f"webhook answered {response.status}")
    except OSError as error:
        raise DeliveryError(f"webhook failed: {error}") from error


def _send_email(notification: Notification) -> None:
    alert = notification.alert
    event = notification.event.replace("_", " ")
    subject = f"[IL-2 Monitor] {alert.severity.upper()}: {alert.get_kind_display()} ({event})"
    body = (
        f"Alert {alert.kind} ({alert.severity}) {event} for patient {alert.patient_id}.\n"
        "Open IL-2 Monitor to see the patient and the evidence.\n"
        f"Rule version: {alert.rule_version}\n"
    )
    send_mail(
        subject, body, settings.DEFAULT_FROM_EMAIL, settings.IL2_ALERT_EMAIL_TO, fail_silently=False
    )


SENDERS = {NotificationChannel.WEBHOOK: _send_webhook, NotificationChannel.EMAIL: _send_email}


def max_attempts() -> int:
    return int(settings.IL2_NOTIFY_MAX_ATTEMPTS)


def backoff(attempts: int) -> timedelta:
    """Wait after the ``attempts``-th failed send: 1, 2, 4... minutes, capped."""
    minutes = min(2 ** max(attempts - 1, 0), settings.IL2_NOTIFY_BACKOFF_MAX_MINUTES)
    return timedelta(minutes=minutes)


def _sending_timeout() -> timedelta:
    return timedelta(minutes=settings.IL2_NOTIFY_SENDING_TIMEOUT_MINUTES)


def due(now: datetime) -> Q:
    """Rows a sender may claim at ``now``: never sent, failed and due again, or left sending
    by a worker that died; all under the attempt cap."""
    return (
        Q(status=NotificationStatus.PENDING)
        | Q(status=NotificationStatus.FAILED, next_attempt_at__lte=now)
        | Q(status=NotificationStatus.SENDING, claimed_at__lte=now - _sending_timeout())
    ) & Q(attempts__lt=max_attempts())


def notification_send(*, notification_id: Any, now: datetime | None = None) -> bool:
    """Send one notification if it is due and nobody else has claimed it; True when this call
    sent it. A failed send is recorded (``failed``, its error, when to try again) and never
    raised: the outbox sweep retries it."""
    now = now or timezone.now()
    claimed = (
        Notification.objects.filter(pk=notification_id)
        .filter(due(now))
        .update(
            status=NotificationStatus.SENDING,
            attempts=F("attempts") + 1,
            claimed_at=now,
            next_attempt_at=None,
        )
    )
    if claimed != 1:
        return False  # sent already, not due yet, or being sent by another worker
    notification = Notification.objects.select_related("alert").get(pk=notification_id)
    ours = Notification.objects.filter(
        pk=notification_id, status=NotificationStatus.SENDING, claimed_at=now
    )
    try:
        SENDERS[NotificationChannel(notification.channel)](notification)
    except Exception as error:
        retry = notification.attempts < max_attempts()
        ours.update(
            status=NotificationStatus.FAILED,
            last_error=str(error)[:500],
            next_attempt_at=now + backoff(notification.attempts) if retry else None,
        )
        logger.warning(
            "notification failed id=%s alert=%s channel=%s attempt=%s %s",
            notification.pk,
            notification.alert_id,
            notification.channel,
            notification.attempts,
            "will retry" if retry else "gave up: attempt cap reached",
        )
        return False
    ours.update(status=NotificationStatus.SENT, sent_at=timezone.now(), last_error="")
    return True


def notifications_sweep(*, now: datetime | None = None) -> int:
    """Send every notification that is due (see the module docstring), most severe alert
    first; returns how many were sent. Rows left ``sending`` with no attempt left are marked
    failed, so nothing stays "sending" for ever."""
    now = now or timezone.now()
    Notification.objects.filter(
        status=NotificationStatus.SENDING,
        claimed_at__lte=now - _sending_timeout(),
        attempts__gte=max_attempts(),
    ).update(
        status=NotificationStatus.FAILED,
        last_error="The worker sending it stopped, and no attempt is left.",
        next_attempt_at=None,
    )
    ids = list(
        Notification.objects.exclude(channel=NotificationChannel.IN_APP)
        .filter(due(now))
        .order_by("-alert__severity_rank", "created_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    deadline = time.monotonic() + SWEEP_BUDGET_SECONDS
    sent = 0
    for notification_id in ids:
        if time.monotonic() > deadline:
            break
        sent += notification_send(notification_id=notification_id, now=now)
    return sent
