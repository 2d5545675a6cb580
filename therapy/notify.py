"""Delivering notifications: in-app (the row itself), email, and a signed JSON webhook.

The webhook body is signed with HMAC-SHA256 over ``<timestamp>.<body>`` using
``IL2_ALERT_WEBHOOK_SECRET``; receivers check ``X-IL2-Signature: sha256=<hex>`` and
``X-IL2-Timestamp``. Messages carry ids, kinds and severities, never names or MRNs: the
recipient opens the app to see the patient."""

import hashlib
import hmac
import json
import time
import urllib.request
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from therapy.models import Notification, NotificationChannel, NotificationStatus


class DeliveryError(Exception):
    """A channel could not deliver; the task retries with backoff."""


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
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def _send_webhook(notification: Notification) -> None:
    body = json.dumps(payload(notification), sort_keys=True).encode()
    timestamp = str(int(time.time()))
    request = urllib.request.Request(  # noqa: S310 (the URL is the site's own configuration)
        settings.IL2_ALERT_WEBHOOK_URL,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "X-IL2-Timestamp": timestamp,
            "X-IL2-Signature": sign(body, timestamp, settings.IL2_ALERT_WEBHOOK_SECRET),
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


def notification_send(*, notification_id: Any) -> bool:
    """Send one notification if nobody has; True when this call sent it."""
    with transaction.atomic():
        claimed = Notification.objects.filter(
            pk=notification_id, status__in=[NotificationStatus.PENDING, NotificationStatus.FAILED]
        ).update(status=NotificationStatus.SENDING, attempts=F("attempts") + 1)
    if claimed != 1:
        return False  # sent already, or being sent by another worker
    notification = Notification.objects.select_related("alert").get(pk=notification_id)
    try:
        SENDERS[NotificationChannel(notification.channel)](notification)
    except Exception as error:
        Notification.objects.filter(pk=notification_id).update(
            status=NotificationStatus.FAILED, last_error=str(error)[:500]
        )
        raise DeliveryError(str(error)) from error
    Notification.objects.filter(pk=notification_id).update(
        status=NotificationStatus.SENT, sent_at=timezone.now(), last_error=""
    )
    return True
