import uuid

from django.db import models

from patients.models import Patient


class PatientEvaluation(models.Model):
    """One run of the monitor over a patient's record.

    ``record_as_of`` is the newest recorded change the run saw; the sweep re-evaluates any
    admitted patient with a newer change, which is how work lost while the broker was down is
    caught up. Each row keeps the findings of that run and the rule version that produced them.
    Periodic re-evaluations (overdue care) reconcile alerts without writing a row. An
    evaluation that failed is logged too (``succeeded`` false, with its ``error``): the whole
    run, or the parts of it named in ``findings["failures"]``.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="evaluations")
    reason = models.CharField(max_length=40)
    record_as_of = models.DateTimeField()
    evaluated_at = models.DateTimeField(auto_now_add=True)
    findings = models.JSONField(
        default=dict, help_text="NEWS2, CRS, VLS and the next dose's pre-check, as evaluated."
    )
    rule_version = models.CharField(max_length=120, blank=True)
    succeeded = models.BooleanField(
        default=True, help_text="False when the run, or a part of it, failed (see error)."
    )
    error = models.TextField(blank=True, help_text="What failed, and where; never a name or MRN.")

    class Meta:
        ordering = ["-evaluated_at"]
        indexes = [models.Index(fields=["patient", "-record_as_of"])]

    def __str__(self) -> str:
        return f"evaluation of {self.patient_id} as of {self.record_as_of:%Y-%m-%d %H:%M}"


class MonitorState(models.Model):
    """The latest assessment of each patient, replaced by every evaluation (ticks included):
    what the ward board and the summary read, in one row per patient, whatever the history.

    And the monitor's health for the patient: when an evaluation last succeeded
    (``last_success_at``, every part of it), and while evaluations fail, since when
    (``failing_since``), the latest failure (``failed_at``) and what failed (``failure``).
    ``assessed_at`` is null when no evaluation has produced an assessment yet (the first one
    failed as a whole)."""

    patient = models.OneToOneField(
        Patient, on_delete=models.PROTECT, primary_key=True, related_name="monitor_state"
    )
    assessed_at = models.DateTimeField(null=True, blank=True)
    findings = models.JSONField(default=dict)
    rule_version = models.CharField(max_length=120)
    findings_digest = models.CharField(
        max_length=64,
        blank=True,
        default="",
        help_text="A digest of the rule version and the findings with the assessment's own time "
        "taken out: the same digest is the same findings at another moment (issue 16).",
    )
    last_success_at = models.DateTimeField(null=True, blank=True)
    failing_since = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    failure = models.JSONField(
        default=dict,
        blank=True,
        help_text="The latest failure: scope (parts or evaluation), parts, error, record.",
    )

    def __str__(self) -> str:
        return f"state of {self.patient_id} at {self.assessed_at or self.failed_at}"
