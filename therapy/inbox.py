"""The alert inbox: open alerts across the ward, most severe and newest first, each with its
evidence in plain words and its escalation state. Also used by the handover sheet and the
chart header, so an alert reads the same on every page."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count, OuterRef, Prefetch, Q, Subquery
from django.utils import dateformat, timezone

from patients.models import Admission, News2Band
from patients.selectors import wards
from therapy.alerts import escalation_delay
from therapy.models import (
    OPEN_STATUSES,
    Alert,
    AlertKind,
    AlertStatus,
    Notification,
    NotificationChannel,
    NotificationStatus,
)
from therapy.monitor_health import failure_words
from therapy.notify import max_attempts
from therapy.selectors import alerts_visible

VLS_SIGN_WORDS = {
    "hypotension": "Hypotension",
    "weight_gain": "Weight gain",
    "oliguria": "Low urine output",
    "hypoxia": "Hypoxia",
    "creatinine_rise": "Creatinine rise",
    "hypoalbuminemia": "Low albumin",
    "edema": "Oedema",
}
NEWS2_PARAMETER_WORDS = {
    "respiratory_rate": "respiratory rate",
    "spo2": "SpO2",
    "air_or_oxygen": "on oxygen",
    "systolic_bp": "systolic BP",
    "heart_rate": "heart rate",
    "consciousness": "consciousness",
    "temperature": "temperature",
}


def when(value: Any) -> str:
    """An evidence timestamp (ISO text or datetime) in the site's time, e.g. "3 Mar 14:05"."""
    if not value:
        return "unknown time"
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return dateformat.format(timezone.localtime(moment), "j M H:i")


def _news2(evidence: dict[str, Any]) -> list[str]:
    band = evidence.get("band")
    band_words = News2Band(band).label.lower() if band else "no band"
    lines = [
        f"NEWS2 {evidence.get('total')} ({band_words}) from the vitals taken "
        f"{when(evidence.get('taken_at'))}."
    ]
    scoring = [
        f"{NEWS2_PARAMETER_WORDS.get(name, name)} {score}"
        for name, score in (evidence.get("subscores") or {}).items()
        if score
    ]
    if scoring:
        lines.append("Scoring: " + ", ".join(scoring) + ".")
    if evidence.get("red_flag"):
        lines.append("A single parameter scores 3 (red score).")
    return lines


def _crs(evidence: dict[str, Any]) -> list[str]:
    lines = [f"CRS grade {evidence.get('grade')} (ASTCT)."]
    lines += [str(reason) for reason in evidence.get("reasons") or []]
    if evidence.get("fever_masked"):
        lines.append("Fever may be masked by antipyretic, anticytokine or steroid therapy.")
    if evidence.get("missing"):
        lines.append("Not recorded: " + ", ".join(evidence["missing"]) + ".")
    return lines


def _vls(evidence: dict[str, Any]) -> list[str]:
    critical = evidence.get("severity") == "critical"
    lines = ["Vascular leak suspected" + (", critical." if critical else ".")]
    for sign in evidence.get("signs") or []:
        if sign.get("status") != "present":
            continue
        words = VLS_SIGN_WORDS.get(sign.get("code"), str(sign.get("code")))
        value = f": {sign['value']}" if sign.get("value") is not None else ""
        threshold = f" (threshold {sign['threshold']})" if sign.get("threshold") else ""
        note = f"; {sign['note']}" if sign.get("note") else ""
        lines.append(f"{words}{value}{threshold}{note}.")
    return lines


def _hold(evidence: dict[str, Any]) -> list[str]:
    recommendation = str(evidence.get("recommendation", "")).replace("_", " ").upper()
    lines = [
        f"Pre-dose check for cycle {evidence.get('cycle')} dose {evidence.get('dose_number')} "
        f"(due {when(evidence.get('scheduled_at'))}) says {recommendation}."
    ]
    for criterion in evidence.get("criteria") or []:
        lines.append(
            f"{str(criterion.get('action', '')).upper()}: {criterion.get('code')}, value "
            f"{criterion.get('value')} meets “{criterion.get('threshold')}”."
        )
    if evidence.get("vitals_stale"):
        lines.append("No vitals in the 2 hours before the dose.")
    return lines


def _vitals_overdue(evidence: dict[str, Any]) -> list[str]:
    last = evidence.get("last_vitals_at")
    interval = evidence.get("due_interval_minutes")
    return [
        (f"Last vitals {when(last)}." if last else "No vitals recorded this admission.")
        + f" Due every {interval} min; overdue since {when(evidence.get('overdue_since'))}."
    ]


def _dose_overdue(evidence: dict[str, Any]) -> list[str]:
    return [
        f"Cycle {evidence.get('cycle')} dose {evidence.get('number')} was due "
        f"{when(evidence.get('scheduled_at'))}; neither given nor held "
        f"{evidence.get('overdue_after_minutes')} min later."
    ]


def _skipped(evidence: dict[str, Any]) -> list[str]:
    """Records the rule left out (§6 (v2): it says so in the evidence)."""
    return [
        f"Not used: {item.get('kind')} record {item.get('id')} ({item.get('reason')})."
        for item in evidence.get("skipped") or []
    ]


def _monitor_failure(evidence: dict[str, Any]) -> list[str]:
    scope = evidence.get("scope")
    if scope == "stale":
        since = evidence.get("not_monitored_since") or evidence.get("last_success_at")
        return [
            f"No evaluation of this patient has succeeded since {when(since)} "
            f"({evidence.get('stale_minutes')} min or more): the patient is not monitored.",
            "Check that the monitor's workers are running; watch the patient at the bedside.",
        ]
    lines = [f"The monitor could not evaluate this patient: {failure_words(evidence)}."]
    for failure in evidence.get("failures") or []:
        if failure.get("where"):
            lines.append(f"{failure.get('rule')} stopped at {failure['where']}.")
    checked = evidence.get("parts_checked")
    if checked:
        lines.append("Still checked: " + ", ".join(checked) + ".")
    lines.append("Until an evaluation succeeds, watch the patient at the bedside.")
    return lines


EVIDENCE_WORDS = {
    AlertKind.NEWS2_LOW_MEDIUM: _news2,
    AlertKind.NEWS2_MEDIUM: _news2,
    AlertKind.NEWS2_HIGH: _news2,
    AlertKind.CRS: _crs,
    AlertKind.VLS: _vls,
    AlertKind.HOLD_CRITERIA: _hold,
    AlertKind.VITALS_OVERDUE: _vitals_overdue,
    AlertKind.DOSE_OVERDUE: _dose_overdue,
    AlertKind.MONITOR_FAILURE: _monitor_failure,
}


def evidence_lines(alert: Alert) -> list[str]:
    """The evidence that raised an alert, in sentences a ward clinician reads."""
    words = EVIDENCE_WORDS.get(alert.kind)
    try:
        if not words:
            return [str(alert.evidence)]
        return words(alert.evidence or {}) + _skipped(alert.evidence or {})
    except (TypeError, ValueError, KeyError):
        # Never hide an alert because its evidence has an unexpected shape: show it raw.
        return [str(alert.evidence)]


CHANNEL_WORDS = {NotificationChannel.EMAIL: "email", NotificationChannel.WEBHOOK: "webhook"}


def escalation_prefetch() -> Prefetch:
    """The escalation notifications of a list of alerts, in one query (``escalations``)."""
    rows = Notification.objects.filter(event__startswith="escalated").order_by("created_at")
    return Prefetch("notifications", queryset=rows, to_attr="escalations")


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _escalation_rows(alert: Alert) -> list[Notification]:
    rows = getattr(alert, "escalations", None)
    if rows is None:
        rows = list(alert.notifications.filter(event__startswith="escalated"))
    event = f"escalated_{alert.severity}"
    return [n for n in rows if n.event == event] or list(rows)


def channel_words(rows: list[Notification]) -> str:
    """How an escalation went out, channel by channel; never claims someone was notified
    (clinical-rules.md §6 (v2))."""
    if not rows:
        return "no notification of it was recorded — nobody outside the app was notified."
    order = list(CHANNEL_WORDS)
    beyond = sorted(
        (n for n in rows if n.channel != NotificationChannel.IN_APP),
        key=lambda n: order.index(n.channel) if n.channel in order else len(order),
    )
    if not beyond:
        return "no channel beyond this app is configured — nobody outside the app was notified."
    sent = [CHANNEL_WORDS.get(n.channel, n.channel) for n in beyond if n.status == "sent"]
    said = [f"sent by {_and(sent)}"] if sent else []
    for n in beyond:
        label = CHANNEL_WORDS.get(n.channel, n.channel)
        if n.status in (NotificationStatus.PENDING, NotificationStatus.SENDING):
            said.append(f"{label} still pending")
        elif n.status == NotificationStatus.FAILED:
            tries = f"{n.attempts} attempt{'s' if n.attempts != 1 else ''}"
            if n.next_attempt_at is not None and n.attempts < max_attempts():
                said.append(f"{label} failed ({tries}), trying again")
            else:
                said.append(f"{label} failed ({tries}) — given up, not delivered")
    text = "; ".join(said) + "."
    if not sent:
        text += " Nobody outside the app has been notified yet."
    return text


def escalation_words(alert: Alert, now: datetime) -> str:
    """Where the alert stands on the escalation ladder (clinical-rules.md §6), and for an
    escalated one, through which channels it went."""
    if alert.escalated_at is not None:
        return f"Escalated {when(alert.escalated_at)}: {channel_words(_escalation_rows(alert))}"
    if alert.status == AlertStatus.ACKNOWLEDGED:
        return "Acknowledged: does not escalate."
    if alert.status == AlertStatus.RESOLVED:
        return "Resolved."
    delay = escalation_delay(alert.severity)
    if delay is None:
        return "Routine: does not escalate."
    due = alert.severity_since + delay
    if due <= now:
        return f"Escalation due since {when(due)}."
    return f"Escalates {when(due)} unless acknowledged."


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
    """The header badge: active (unacknowledged) alerts, and how many are emergencies. One
    aggregate query on the (status, severity_rank) index."""
    return (
        alerts_visible(user=user)
        .filter(status=AlertStatus.ACTIVE)
        .aggregate(total=Count("pk"), emergency=Count("pk", filter=Q(severity_rank=2)))
    )
