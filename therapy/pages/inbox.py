"""The alert inbox: open alerts across the ward, most severe and newest first, each with its
evidence in plain words and its escalation state. Also used by the handover sheet and the
chart header, so an alert reads the same on every page."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from patients.models import Admission
from patients.selectors.patients import wards
from therapy.models import (
    OPEN_STATUSES,
    Alert,
    AlertStatus,
    Notification,
)
from therapy.monitor.selectors import alerts_visible
from therapy.pages.wording import escalation_words, evidence_lines


def escalation_prefetch() -> Prefetch[str, QuerySet[Notification], str]:
    """The escalation notifications of a list of alerts, in one query (``escalations``)."""
    rows = Notification.objects.filter(event__startswith="escalated").order_by("created_at")
    return Prefetch("notifications", queryset=rows, to_attr="escalations")


@dataclass
class InboxAlert:
    alert: Alert
    lines: list[str]
    escalation: str

    @property
    def escalated(self) -> bool:
        return self.alert.escalated_at is not None


@dataclass
class Inbox:
    active: list[InboxAlert]
    acknowledged: list[InboxAlert]
    ward: str
    generated_at: datetime
    wards: list[str] = field(default_factory=list)


def inbox_alerts(*, user: Any, ward: str = "", patient_id: Any = None) -> Any:
    """Open alerts of admitted patients, most severe then newest first, with ward and bed."""
    stay = Admission.objects.filter(patient_id=OuterRef("patient_id"), discharged_at__isnull=True)
    alerts = (
        alerts_visible(user=user)
        .filter(status__in=OPEN_STATUSES, patient__admissions__discharged_at__isnull=True)
        .select_related("patient")
        .prefetch_related(escalation_prefetch())
        .annotate(
            ward=Subquery(stay.values("ward")[:1]),
            bed=Subquery(stay.values("bed")[:1]),
        )
        .order_by("-severity_rank", "-opened_at")
    )
    if ward:
        alerts = alerts.filter(patient__admissions__ward=ward)
    if patient_id:
        alerts = alerts.filter(patient_id=patient_id)
    return alerts


def alert_inbox(
    *, user: Any, ward: str = "", patient_id: Any = None, now: datetime | None = None
) -> Inbox:
    now = now or timezone.now()
    items = [
        InboxAlert(alert=a, lines=evidence_lines(a), escalation=escalation_words(a, now))
        for a in inbox_alerts(user=user, ward=ward, patient_id=patient_id)
    ]
    return Inbox(
        active=[i for i in items if i.alert.status == AlertStatus.ACTIVE],
        acknowledged=[i for i in items if i.alert.status == AlertStatus.ACKNOWLEDGED],
        ward=ward,
        generated_at=now,
        wards=wards(user=user),
    )


def active_alert_counts(*, user: Any) -> dict[str, int]:
    """The header badge: alerts of admitted patients waiting for acknowledgement, and how many
    of them are emergencies — what the inbox's "Waiting for acknowledgement" and the board's
    "waiting for acknowledgement" count (issue 14 item 6). One aggregate query."""
    return (
        alerts_visible(user=user)
        .filter(status=AlertStatus.ACTIVE, patient__admissions__discharged_at__isnull=True)
        .aggregate(total=Count("pk"), emergency=Count("pk", filter=Q(severity_rank=2)))
    )
