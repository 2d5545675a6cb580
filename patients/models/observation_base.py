"""What every bedside record shares: who, when, against which stay, and its correction state."""

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q

from patients.models.records import Admission, Patient

ENTERED_IN_ERROR_NEEDS_REASON = "A record entered in error needs a reason and a time."


class Observation(models.Model):
    """Abstract: one clinical record about a patient, recorded against the open admission.

    Append-only: nothing is deleted or edited; a wrong record is marked ``entered_in_error``
    with a reason (and simple-history on each concrete model keeps who did it). ``created_at``
    is entry time; each kind has its own clinical time (``CLINICAL_TIME``). ``client_id`` is the
    tablet's idempotency key: unique per kind, so a retried save reads the stored row.
    """

    # Set by each kind: the field filtered by ``since``/``until``, and the monitor reason.
    CLINICAL_TIME: ClassVar[str]
    KIND: ClassVar[str]
    # Set by a kind whose records are saved with child rows (vital signs: vasopressors).
    CHILDREN_FIELD: ClassVar[str]

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    admission = models.ForeignKey(Admission, on_delete=models.PROTECT, related_name="+")
    client_id = models.UUIDField(
        null=True, blank=True, help_text="Idempotency key made by the tablet (optional)."
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    entered_in_error = models.BooleanField(default=False)
    entered_in_error_reason = models.TextField(blank=True, default="")
    entered_in_error_at = models.DateTimeField(null=True, blank=True)
    entered_in_error_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        abstract = True
        constraints = [
            models.UniqueConstraint(
                fields=["client_id"],
                name="%(app_label)s_%(class)s_client_id_unique",
                violation_error_message="This client_id was already used.",
            ),
            models.CheckConstraint(
                condition=(Q(entered_in_error=False) & Q(entered_in_error_reason=""))
                | (
                    Q(entered_in_error=True)
                    & ~Q(entered_in_error_reason="")
                    & Q(entered_in_error_at__isnull=False)
                ),
                name="%(app_label)s_%(class)s_error_has_reason",
                violation_error_message=ENTERED_IN_ERROR_NEEDS_REASON,
            ),
        ]

    @property
    def clinical_time(self) -> object:
        return getattr(self, self.CLINICAL_TIME)
