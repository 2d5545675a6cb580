"""Supportive medications given: their category matters to CRS grading (fever masking)."""

from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from il2monitor.choices import text_choices
from patients import vocabulary
from patients.models.observation_base import Observation
from patients.validators import validate_not_future

MedicationCategory = text_choices(
    "MedicationCategory",
    vocabulary.MedicationCategory,
    {
        vocabulary.MedicationCategory.ANTIPYRETIC: "Antipyretic",
        vocabulary.MedicationCategory.ANTICYTOKINE: "Anticytokine",
        vocabulary.MedicationCategory.CORTICOSTEROID: "Corticosteroid",
        vocabulary.MedicationCategory.ANTIEMETIC: "Antiemetic",
        vocabulary.MedicationCategory.OTHER: "Other",
    },
    module=__name__,
)


class SupportiveMedication(Observation):
    CLINICAL_TIME = "administered_at"
    KIND = "medications"

    drug = models.CharField(max_length=100)
    category = models.CharField(max_length=20, choices=MedicationCategory.choices)
    administered_at = models.DateTimeField(validators=[validate_not_future])
    history = HistoricalRecords()

    class Meta(Observation.Meta):
        ordering = ["-administered_at", "-created_at"]
        indexes = [
            models.Index(fields=["patient", "-administered_at"], name="medications_patient_time")
        ]
        constraints = [
            *Observation.Meta.constraints,
            models.CheckConstraint(
                condition=Q(category__in=MedicationCategory.values),
                name="medications_category_valid",
            ),
            models.CheckConstraint(condition=~Q(drug=""), name="medications_drug_named"),
        ]

    def __str__(self) -> str:
        return f"{self.drug} ({self.category})"
