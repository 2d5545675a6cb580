import uuid

from django.db import models

from patients.models import Patient


class PatientEvaluation(models.Model):
    """One run of the monitor over a patient's record.

    ``record_as_of`` is the newest recorded change the run saw; the sweep re-evaluates any
    admitted patient with a newer change, which is how work lost while the broker was down is
    caught up. Later issues add the findings (NEWS2, CRS, VLS, pre-check) to each run.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="evaluations")
    reason = models.CharField(max_length=40)
    record_as_of = models.DateTimeField()
    evaluated_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-evaluated_at"]
        constraints = [
            # A duplicate delivery of the same evaluation cannot write a second row.
            models.UniqueConstraint(
                fields=["patient", "record_as_of"], name="one_evaluation_per_record_state"
            ),
        ]

    def __str__(self) -> str:
        return f"evaluation of {self.patient_id} as of {self.record_as_of:%Y-%m-%d %H:%M}"
