"""Field limits shared by the model, the API serializers and the forms (one message each)."""

import re
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import BaseValidator, MaxValueValidator, MinValueValidator
from django.utils import timezone

# Dosing weight: the product's plausibility range for an adult on HD IL-2 (issue #2).
WEIGHT_MIN_KG = Decimal("20")
WEIGHT_MAX_KG = Decimal("300")
BASELINE_SBP_MIN = 50
BASELINE_SBP_MAX = 250
CREATININE_MIN_MG_DL = Decimal("0.1")
CREATININE_MAX_MG_DL = Decimal("20")
WEIGHT_MESSAGE = f"Weight must be between {WEIGHT_MIN_KG} and {WEIGHT_MAX_KG} kg."
BASELINE_SBP_MESSAGE = (
    f"Baseline systolic BP must be between {BASELINE_SBP_MIN} and {BASELINE_SBP_MAX} mmHg."
)
CREATININE_MESSAGE = (
    f"Baseline creatinine must be between {CREATININE_MIN_MG_DL} and {CREATININE_MAX_MG_DL} mg/dL."
)
MRN_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9-]{2,31}$")


def weight_validators() -> list[BaseValidator]:
    message = WEIGHT_MESSAGE
    return [
        MinValueValidator(WEIGHT_MIN_KG, message=message),
        MaxValueValidator(WEIGHT_MAX_KG, message=message),
    ]


def baseline_sbp_validators() -> list[BaseValidator]:
    message = BASELINE_SBP_MESSAGE
    return [
        MinValueValidator(BASELINE_SBP_MIN, message=message),
        MaxValueValidator(BASELINE_SBP_MAX, message=message),
    ]


def creatinine_validators() -> list[BaseValidator]:
    message = CREATININE_MESSAGE
    return [
        MinValueValidator(CREATININE_MIN_MG_DL, message=message),
        MaxValueValidator(CREATININE_MAX_MG_DL, message=message),
    ]


def normalize_mrn(value: str) -> str:
    return value.strip().upper()


def validate_mrn(value: str) -> None:
    if not MRN_PATTERN.match(normalize_mrn(value)):
        raise ValidationError(
            "MRN must be 3–32 letters, digits or hyphens, starting with a letter or digit.",
            code="invalid_mrn",
        )


def validate_birth_date(value: date | None) -> None:
    if value is not None and value > timezone.localdate():
        raise ValidationError("Birth date cannot be in the future.", code="future_birth_date")


def validate_not_future(value: datetime | None) -> None:
    """Clinical times may run up to 5 minutes ahead of the server clock (device skew)."""
    if value is not None and value > timezone.now() + timedelta(minutes=5):
        raise ValidationError("Time cannot be in the future.", code="future_time")
