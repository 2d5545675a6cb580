"""Alerts as durable rows (healthchecks' Flip pattern): one open alert per patient and kind;
every state change is claimed with a conditional UPDATE, so duplicate deliveries, retries and
concurrent workers never open two alerts or notify twice."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from patients.models import Patient


class AlertKind(models.TextChoices):
    NEWS2_LOW_MEDIUM = "news2_low_medium", "NEWS2 single parameter 3"
    NEWS2_MEDIUM = "news2_medium", "NEWS2 5–6"
    NEWS2_HIGH = "news2_high", "NEWS2 7 or more"
    CRS = "crs", "Cytokine release syndrome"
    VLS = "vls", "Vascular leak syndrome"
    HOLD_CRITERIA = "hold_criteria", "Hold criteria before the next dose"
    # (v2) No vitals set yet in the 2 h before a dose: a task, not a hold.
    PREDOSE_VITALS_DUE = "predose_vitals_due", "Pre-dose vitals due"
    # (v2) A series projected to cross a hold threshold before the next dose (§7).
    TREND = "trend", "Projected to cross a threshold before the next dose"
    VITALS_OVERDUE = "vitals_overdue", "Vitals overdue"
    DOSE_OVERDUE = "dose_overdue", "Dose overdue"
    # (v2) The monitor could not evaluate the patient: an error, or no evaluation for 10 min.
    MONITOR_FAILURE = "monitor_failure", "Monitor could not evaluate the patient"
    # (v2) Acute kidney injury, KDIGO 2012 stage >= 1 (clinical-rules.md §3a).
    AKI = "aki", "Acute kidney injury"


class Severity(models.TextChoices):
    ROUTINE = "routine", "Routine"
    URGENT = "urgent", "Urgent"
    EMERGENCY = "emergency", "Emergency"


SEVERITY_RANK = {Severity.ROUTINE: 0, Severity.URGENT: 1, Severity.EMERGENCY: 2}


class AlertStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    RESOLVED = "resolved", "Resolved"


OPEN_STATUSES = (AlertStatus.ACTIVE, AlertStatus.ACKNOWLEDGED)


class Alert(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="alerts")
    kind = models.CharField(max_length=20, choices=AlertKind.choices)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    severity_rank = models.PositiveSmallIntegerField(help_text="0 routine, 1 urgent, 2 emergency")
    status = models.CharField(
        max_length=12, choices=AlertStatus.choices, default=AlertStatus.ACTIVE
    )
    opened_at = models.DateTimeField()
    severity_since = models.DateTimeField(help_text="When the alert reached its severity.")
    last_seen_at = models.DateTimeField()
    clear_since = models.DateTimeField(
        null=True, blank=True, help_text="First evaluation that found the condition absent."
    )
    # (v2) What stops an alert flapping (clinical-rules.md §6): how many consecutive
    # evaluations on new data have seen the condition absent, the newest recorded change
    # the alert has been judged on, and the due interval in force when it was last found.
    absent_evaluations = models.PositiveSmallIntegerField(
        default=0, help_text="Consecutive evaluations on new data that found it absent."
    )
    data_as_of = models.DateTimeField(
        null=True, blank=True, help_text="The newest recorded change it was last judged on."
    )
    seen_due_minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text="The vitals due interval when it was last found."
    )
    # Not "history": that name is django-simple-history's manager on the models that keep one.
    lifecycle = models.JSONField(
        default=list,
        blank=True,
        help_text="Opened, resolved and reopened, each with its time (a reopen shows the gap).",
    )
    evidence = models.JSONField(help_text="The values and thresholds that raised it.")
    rule_version = models.CharField(max_length=120)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledge_note = models.TextField(blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField(blank=True)

    class Meta:
        ordering = ["-severity_rank", "-opened_at"]
        permissions = [("acknowledge_alert", "Can acknowledge an alert")]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "kind"],
                condition=Q(status__in=["active", "acknowledged"]),
                name="one_open_alert_per_patient_and_kind",
            ),
            models.CheckConstraint(
                condition=~Q(status="acknowledged")
                | (Q(acknowledged_by__isnull=False) & Q(acknowledged_at__isnull=False)),
                name="acknowledged_alert_has_who_and_when",
            ),
            models.CheckConstraint(
                condition=~Q(status="resolved") | Q(resolved_at__isnull=False),
                name="resolved_alert_has_when",
            ),
        ]
        indexes = [models.Index(fields=["status", "severity_rank"])]

    def __str__(self) -> str:
        return f"{self.kind} ({self.severity}) for {self.patient_id}"


class NotificationChannel(models.TextChoices):
    IN_APP = "in_app", "In the app"
    EMAIL = "email", "Email"
    WEBHOOK = "webhook", "Webhook"


class NotificationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class Notification(models.Model):
    """One message about one alert event on one channel; the unique constraint makes a
    repeated event (duplicate task, two workers) a no-op instead of a second message.

    An outbox (healthchecks ``sendalerts``): the row is written with the alert change and sent
    after commit; the beat sweep sends what is still ``pending`` (the enqueue was lost),
    ``failed`` rows whose ``next_attempt_at`` has come (backoff, up to a capped number of
    attempts) and rows left ``sending`` by a worker that died (``claimed_at``). Every send is
    claimed with a conditional UPDATE, so it happens once however many senders race."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    alert = models.ForeignKey(Alert, on_delete=models.PROTECT, related_name="notifications")
    event = models.CharField(max_length=30, help_text="opened, raised_to_<severity>, escalated")
    channel = models.CharField(max_length=10, choices=NotificationChannel.choices)
    status = models.CharField(
        max_length=10, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    claimed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the current (or last) send was claimed."
    )
    next_attempt_at = models.DateTimeField(
        null=True, blank=True, help_text="A failed send is tried again from then; null: no more."
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["alert", "event", "channel"],
                name="one_notification_per_alert_event_channel",
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="notification_outbox")]

    def __str__(self) -> str:
        return f"{self.channel} {self.event} for alert {self.alert_id}"
