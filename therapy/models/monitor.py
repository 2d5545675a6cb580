import uuid

from django.db import models

from patients.models import Patient


class PatientEvaluation(models.Model):
    """One run of the monitor over a patient's record.

    ``record_as_of`` is the newest recorded change the run saw; the sweep re-evaluates any
    admitted patient with a newer change, which is how work lost while the broker was down is
    caught up. Each row keeps the findings of that run and the rule version that produced them.
    Periodic re-evaluations (overdue care) reconcile alerts without writing a row.
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

    class Meta:
        ordering = ["-evaluated_at"]
        indexes = [models.Index(fields=["patient", "-record_as_of"])]

    def __str__(self) -> str:
        return f"evaluation of {self.patient_id} as of {self.record_as_of:%Y-%m-%d %H:%M}"


class MonitorState(models.Model):
    """The latest assessment of each patient, replaced by every evaluation (ticks included):
    what the ward board and the summary read, in one row per patient, whatever the history."""

    patient = models.OneToOneField(
        Patient, on_delete=models.PROTECT, primary_key=True, related_name="monitor_state"
    )
    assessed_at = models.DateTimeField()
    findings = models.JSONField(default=dict)
    rule_version = models.CharField(max_length=120)

    def __str__(self) -> str:
        return f"state of {self.patient_id} at {self.assessed_at:%Y-%m-%d %H:%M}"
