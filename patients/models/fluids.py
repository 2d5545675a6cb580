"""Fluid intake and output, one row per measured period: urine output over time comes from here."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from il2monitor.choices import text_choices
from patients import limits, vocabulary
from patients.models.observation_base import Observation
from patients.validators import validate_not_future

MAX_PERIOD = timedelta(hours=limits.FLUID_PERIOD_MAX_HOURS)


FluidDirection = text_choices(
    "FluidDirection",
    vocabulary.FluidDirection,
    {vocabulary.FluidDirection.INTAKE: "Intake", vocabulary.FluidDirection.OUTPUT: "Output"},
    module=__name__,
)

FluidRoute = text_choices(
    "FluidRoute",
    vocabulary.FluidRoute,
    {
        vocabulary.FluidRoute.URINE: "Urine",
        vocabulary.FluidRoute.IV: "IV",
        vocabulary.FluidRoute.ORAL: "Oral",
        vocabulary.FluidRoute.EMESIS: "Emesis",
        vocabulary.FluidRoute.STOOL: "Stool",
        vocabulary.FluidRoute.DRAIN: "Drain",
        vocabulary.FluidRoute.OTHER: "Other",
    },
    module=__name__,
)


class FluidEntry(Observation):
    # A period's clinical time is its end: the volume is known once the period is over.
    CLINICAL_TIME = "period_end"
    KIND = "fluids"

    direction = models.CharField(max_length=6, choices=FluidDirection.choices)
    route = models.CharField(max_length=10, choices=FluidRoute.choices)
    volume_ml = models.PositiveIntegerField(
        "volume (mL)", validators=limits.FLUID_VOLUME.validators()
    )
    period_start = models.DateTimeField(validators=[validate_not_future])
    period_end = models.DateTimeField(validators=[validate_not_future])
    history = HistoricalRecords()

    class Meta(Observation.Meta):
        verbose_name = "fluid entry"
        verbose_name_plural = "fluid entries"
        ordering = ["-period_end", "-created_at"]
        indexes = [models.Index(fields=["patient", "-period_end"], name="fluids_patient_end")]
        constraints = [
            *Observation.Meta.constraints,
            limits.FLUID_VOLUME.constraint("fluids"),
            models.CheckConstraint(
                condition=Q(period_end__gt=F("period_start")),
                name="fluids_period_ends_after_start",
                violation_error_message=limits.PERIOD_END_NOT_AFTER_START,
            ),
            models.CheckConstraint(
                condition=Q(period_end__lte=F("period_start") + MAX_PERIOD),
                name="fluids_period_at_most_24_hours",
                violation_error_message=limits.PERIOD_TOO_LONG,
            ),
            models.CheckConstraint(
                condition=Q(direction="intake", route__in=[*limits.INTAKE_ROUTES, "other"])
                | Q(direction="output", route__in=[*limits.OUTPUT_ROUTES, "other"]),
                name="fluids_route_matches_direction",
                violation_error_message="The route does not match the direction.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.direction} {self.route} {self.volume_ml} mL"

    def clean(self) -> None:
        errors = limits.fluid_cross_field_errors(
            {
                "direction": self.direction,
                "route": self.route,
                "period_start": self.period_start,
                "period_end": self.period_end,
            }
        )
        if errors:
            raise ValidationError(errors)
