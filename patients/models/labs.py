"""Lab results of the tests the toxicity rules read, each in its one unit (api-contract.md)."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from il2monitor.choices import text_choices
from patients import limits, vocabulary
from patients.models.observation_base import Observation
from patients.validators import validate_not_future

LabTestCode = text_choices(
    "LabTestCode",
    vocabulary.LabTest,
    {
        vocabulary.LabTest.CREATININE: "Creatinine (mg/dL)",
        vocabulary.LabTest.ALBUMIN: "Albumin (g/dL)",
        vocabulary.LabTest.PLATELETS: "Platelets (10^3/µL)",
        vocabulary.LabTest.BILIRUBIN: "Bilirubin (mg/dL)",
        vocabulary.LabTest.BICARBONATE: "Bicarbonate (mmol/L)",
        vocabulary.LabTest.POTASSIUM: "Potassium (mmol/L)",
        vocabulary.LabTest.TROPONIN: "Troponin (ng/L)",
        vocabulary.LabTest.FOBT: "Faecal occult blood (positive/negative)",
    },
    module=__name__,
)

FobtResult = text_choices(
    "FobtResult",
    vocabulary.FobtResult,
    {vocabulary.FobtResult.POSITIVE: "Positive", vocabulary.FobtResult.NEGATIVE: "Negative"},
    module=__name__,
)


class LabResult(Observation):
    CLINICAL_TIME = "collected_at"
    KIND = "labs"

    test = models.CharField(max_length=20, choices=LabTestCode.choices)
    # A numeric result in ``unit``; FOBT has no number and no unit, only ``qualitative``.
    value = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    unit = models.CharField(max_length=12, blank=True, default="")
    qualitative = models.CharField(max_length=8, choices=FobtResult.choices, blank=True, default="")
    collected_at = models.DateTimeField(validators=[validate_not_future])
    history = HistoricalRecords()

    class Meta(Observation.Meta):
        verbose_name = "lab result"
        ordering = ["-collected_at", "-created_at"]
        indexes = [
            models.Index(fields=["patient", "test", "-collected_at"], name="labs_patient_test"),
            models.Index(fields=["patient", "-collected_at"], name="labs_patient_collected"),
        ]
        constraints = [
            *Observation.Meta.constraints,
            models.CheckConstraint(
                condition=Q(test__in=LabTestCode.values), name="labs_test_valid"
            ),
            models.CheckConstraint(
                condition=limits.lab_value_condition(),
                name="labs_value_and_unit_match_test",
                violation_error_message="The value or unit does not match the test.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.test} {self.result}"

    @property
    def result(self) -> Decimal | str | None:
        """The contract's ``value``: a number, or 'positive'/'negative' for FOBT."""
        return self.qualitative or self.value

    def clean(self) -> None:
        errors = limits.lab_cross_field_errors(
            {"test": self.test, "value": self.result, "unit": self.unit}
        )
        if errors:
            raise ValidationError(errors)
