"""The HL7 v2 messages received (docs/hl7.md): one row per (sending facility, control id), so a
repeated message is answered with the stored ACK and writes nothing again."""

import uuid

from django.db import models

from patients.models.records import Patient
from patients.models.vitals import VitalSigns


class Hl7AckCode(models.TextChoices):
    # HL7 table 0008; an AR (rejected, not processed) is not stored: the sender may resend.
    ACCEPTED = "AA", "Accepted"
    ERROR = "AE", "Error"


class Hl7Message(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    sending_facility = models.CharField(max_length=180, help_text="MSH-4, as sent.")
    control_id = models.CharField(max_length=199, help_text="MSH-10, as sent.")
    message_type = models.CharField(max_length=20, help_text="MSH-9, e.g. ORU^R01.")
    received_at = models.DateTimeField(auto_now_add=True)
    ack_code = models.CharField(max_length=2, choices=Hl7AckCode.choices)
    ack = models.TextField(help_text="The ACK sent, sent again for a repeat.")
    reason = models.TextField(blank=True, default="", help_text="Why AE, in words.")
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    vitals = models.ManyToManyField(VitalSigns, related_name="+", blank=True)

    class Meta:
        verbose_name = "HL7 v2 message"
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["sending_facility", "control_id"],
                name="hl7_message_once_per_facility",
            ),
            models.CheckConstraint(
                condition=models.Q(ack_code__in=Hl7AckCode.values), name="hl7_message_ack_code"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.message_type} {self.sending_facility}/{self.control_id} {self.ack_code}"
