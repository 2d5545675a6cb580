"""One vital-signs set per row: narrow typed columns, with its NEWS2 stored beside it."""

import uuid
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from il2monitor.choices import text_choices
from patients import limits, news2, vocabulary
from patients.models.observation_base import Observation
from patients.validators import validate_not_future

# The vocabularies are news2's and patients.vocabulary's; the labels are the words people see.
OxygenDevice = text_choices(
    "OxygenDevice",
    news2.OxygenDevice,
    {
        news2.OxygenDevice.ROOM_AIR: "Room air",
        news2.OxygenDevice.BLOW_BY: "Blow-by",
        news2.OxygenDevice.NASAL_CANNULA: "Nasal cannula",
        news2.OxygenDevice.HIGH_FLOW_NASAL_CANNULA: "High-flow nasal cannula",
        news2.OxygenDevice.SIMPLE_FACE_MASK: "Simple face mask",
        news2.OxygenDevice.VENTURI_MASK: "Venturi mask",
        news2.OxygenDevice.NON_REBREATHER_MASK: "Non-rebreather mask",
        news2.OxygenDevice.CPAP: "CPAP",
        news2.OxygenDevice.BIPAP: "BiPAP",
        news2.OxygenDevice.MECHANICAL_VENTILATION: "Mechanical ventilation",
    },
    module=__name__,
)

# ACVPU.
Consciousness = text_choices(
    "Consciousness",
    news2.Consciousness,
    {
        news2.Consciousness.ALERT: "Alert",
        news2.Consciousness.NEW_CONFUSION: "New confusion",
        news2.Consciousness.VOICE: "Voice",
        news2.Consciousness.PAIN: "Pain",
        news2.Consciousness.UNRESPONSIVE: "Unresponsive",
    },
    module=__name__,
)

News2Band = text_choices(
    "News2Band",
    news2.Band,
    {
        news2.Band.LOW: "Low",
        news2.Band.LOW_MEDIUM: "Low–medium",
        news2.Band.MEDIUM: "Medium",
        news2.Band.HIGH: "High",
    },
    module=__name__,
)

VasopressorAgent = text_choices(
    "VasopressorAgent",
    vocabulary.VasopressorAgent,
    {
        vocabulary.VasopressorAgent.NOREPINEPHRINE: "Norepinephrine",
        vocabulary.VasopressorAgent.EPINEPHRINE: "Epinephrine",
        vocabulary.VasopressorAgent.PHENYLEPHRINE: "Phenylephrine",
        vocabulary.VasopressorAgent.DOPAMINE: "Dopamine",
        vocabulary.VasopressorAgent.VASOPRESSIN: "Vasopressin",
        vocabulary.VasopressorAgent.OTHER: "Other",
    },
    module=__name__,
)

DoseUnit = text_choices(
    "DoseUnit",
    vocabulary.DoseUnit,
    {
        vocabulary.DoseUnit.MCG_KG_MIN: "µg/kg/min",
        vocabulary.DoseUnit.MCG_MIN: "µg/min",
        vocabulary.DoseUnit.UNITS_MIN: "units/min",
        vocabulary.DoseUnit.UNITS_H: "units/h",
    },
    module=__name__,
)


class VitalsSource(models.TextChoices):
    """Who took the set: a nurse at the bedside (the tablet, the API) or a monitor through the
    HL7 v2 feed (docs/hl7.md). A device's set is its own row, never merged into a nurse's."""

    NURSE = "nurse", "Nurse"
    DEVICE = "device", "Device"


# NEWS2 subscores, one column each, keyed as in the contract's ``subscores``.
SUBSCORE_COLUMNS = {
    "respiratory_rate": "news2_respiratory_rate",
    "spo2": "news2_spo2",
    "air_or_oxygen": "news2_air_or_oxygen",
    "systolic_bp": "news2_systolic_bp",
    "heart_rate": "news2_heart_rate",
    "consciousness": "news2_consciousness",
    "temperature": "news2_temperature",
}


def _small_int(
    limit: limits.Limit, verbose_name: str | None = None
) -> models.PositiveSmallIntegerField[int | None, int | None]:
    return models.PositiveSmallIntegerField(
        verbose_name, null=True, blank=True, validators=limit.validators()
    )


def _decimal(
    limit: limits.Limit, verbose_name: str, max_digits: int
) -> models.DecimalField[Decimal | None, Decimal | None]:
    return models.DecimalField(
        verbose_name,
        max_digits=max_digits,
        decimal_places=1,
        null=True,
        blank=True,
        validators=limit.validators(),
    )


def _subscore() -> models.PositiveSmallIntegerField[int | None, int | None]:
    return models.PositiveSmallIntegerField(null=True, blank=True, editable=False)


def _choice_condition(field: str, choices: type[models.TextChoices]) -> Q:
    return Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__in": choices.values})


def _at_least_one_measurement() -> Q:
    condition = Q()
    for name in limits.MEASUREMENT_FIELDS:
        condition |= Q(**{f"{name}__isnull": False})
    return condition


class VitalSigns(Observation):
    CLINICAL_TIME = "taken_at"
    KIND = "vitals"
    CHILDREN_FIELD = "vasopressors"

    taken_at = models.DateTimeField(validators=[validate_not_future])
    respiratory_rate = _small_int(limits.RESPIRATORY_RATE)
    spo2 = _small_int(limits.SPO2, "SpO2")
    # NULL, not "": not measured, like every other measurement of a set.
    oxygen_device = models.CharField(  # noqa: DJ001
        max_length=30, choices=OxygenDevice.choices, null=True, blank=True
    )
    oxygen_flow_l_min = _decimal(limits.OXYGEN_FLOW, "oxygen flow (L/min)", 3)
    systolic_bp = _small_int(limits.SYSTOLIC_BP, "systolic BP")
    diastolic_bp = _small_int(limits.DIASTOLIC_BP, "diastolic BP")
    heart_rate = _small_int(limits.HEART_RATE)
    consciousness = models.CharField(  # noqa: DJ001
        max_length=20, choices=Consciousness.choices, null=True, blank=True
    )
    temperature_c = _decimal(limits.TEMPERATURE, "temperature (°C)", 3)
    weight_kg = _decimal(limits.WEIGHT, "weight (kg)", 5)
    edema_grade = _small_int(limits.EDEMA_GRADE)
    # (v2) The oxygen is for comfort only, not for hypoxia: NEWS2 still scores it, CRS does
    # not grade it (clinical-rules.md §2, [S13]). Only with a supplemental oxygen device.
    oxygen_for_comfort = models.BooleanField(default=False)
    # False: the set says nothing about vasopressors; True with no rows: none running.
    vasopressors_recorded = models.BooleanField(default=False)
    source = models.CharField(
        max_length=10, choices=VitalsSource.choices, default=VitalsSource.NURSE, editable=False
    )
    # The monitor that sent a device set (HL7 OBX-18); blank for a nurse's set.
    device_id = models.CharField(max_length=100, blank=True, default="", editable=False)

    # NEWS2, computed by the recording service in the same transaction [S15].
    news2_total = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    news2_band = models.CharField(  # noqa: DJ001 (NULL: no total for a partial set)
        max_length=12, choices=News2Band.choices, null=True, blank=True, editable=False
    )
    news2_red_flag = models.BooleanField(default=False, editable=False)
    news2_respiratory_rate = _subscore()
    news2_spo2 = _subscore()
    news2_air_or_oxygen = _subscore()
    news2_systolic_bp = _subscore()
    news2_heart_rate = _subscore()
    news2_consciousness = _subscore()
    news2_temperature = _subscore()
    news2_missing = models.JSONField(default=list, blank=True, editable=False)
    news2_spo2_scale = models.PositiveSmallIntegerField(default=1, editable=False)
    news2_algorithm_version = models.CharField(max_length=40, editable=False)
    history = HistoricalRecords()

    class Meta(Observation.Meta):
        verbose_name = "vital-signs set"
        verbose_name_plural = "vital-signs sets"
        ordering = ["-taken_at", "-created_at"]
        indexes = [models.Index(fields=["patient", "-taken_at"], name="vitals_patient_taken")]
        constraints = [
            *Observation.Meta.constraints,
            *(limit.constraint("vitals") for limit in limits.VITALS_LIMITS),
            models.CheckConstraint(
                condition=Q(diastolic_bp__isnull=True)
                | Q(systolic_bp__isnull=True)
                | Q(diastolic_bp__lt=F("systolic_bp")),
                name="vitals_diastolic_below_systolic",
                violation_error_message=limits.DIASTOLIC_NOT_BELOW_SYSTOLIC,
            ),
            models.CheckConstraint(
                condition=Q(oxygen_flow_l_min__isnull=True)
                | (Q(oxygen_device__isnull=False) & ~Q(oxygen_device=limits.ROOM_AIR)),
                name="vitals_flow_needs_oxygen_device",
                violation_error_message=limits.FLOW_WITH_ROOM_AIR,
            ),
            models.CheckConstraint(
                condition=Q(oxygen_flow_l_min__isnull=False)
                | Q(oxygen_device__isnull=True)
                | Q(oxygen_device__in=limits.DEVICES_WITHOUT_FLOW),
                name="vitals_oxygen_device_needs_flow",
                violation_error_message=limits.FLOW_REQUIRED,
            ),
            models.CheckConstraint(
                condition=Q(oxygen_for_comfort=False)
                | (Q(oxygen_device__isnull=False) & ~Q(oxygen_device=limits.ROOM_AIR)),
                name="vitals_comfort_oxygen_needs_device",
                violation_error_message=limits.COMFORT_NEEDS_OXYGEN,
            ),
            models.CheckConstraint(
                condition=_choice_condition("oxygen_device", OxygenDevice),
                name="vitals_oxygen_device_valid",
            ),
            models.CheckConstraint(
                condition=_choice_condition("consciousness", Consciousness),
                name="vitals_consciousness_valid",
            ),
            models.CheckConstraint(
                condition=_at_least_one_measurement(),
                name="vitals_at_least_one_measurement",
                violation_error_message=limits.AT_LEAST_ONE_MEASUREMENT,
            ),
            models.CheckConstraint(
                condition=(Q(news2_total__isnull=True) & Q(news2_band__isnull=True))
                | (
                    Q(news2_total__gte=0)
                    & Q(news2_total__lte=20)
                    & Q(news2_band__in=News2Band.values)
                ),
                name="vitals_news2_total_and_band",
            ),
            models.CheckConstraint(
                condition=Q(news2_spo2_scale__in=[1, 2]), name="vitals_news2_spo2_scale"
            ),
            models.CheckConstraint(
                condition=(Q(source=VitalsSource.NURSE) & Q(device_id=""))
                | (Q(source=VitalsSource.DEVICE) & ~Q(device_id="")),
                name="vitals_device_set_names_its_device",
            ),
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{column}__isnull": True})
                    | Q(**{f"{column}__lte": news2.RED_SCORE}),
                    name=f"vitals_{column}_0_to_3",
                )
                for column in SUBSCORE_COLUMNS.values()
            ),
        ]

    def __str__(self) -> str:
        return f"vitals {self.taken_at:%Y-%m-%d %H:%M}"

    def clean(self) -> None:
        values = {name: getattr(self, name) for name in limits.MEASUREMENT_FIELDS}
        values["oxygen_for_comfort"] = self.oxygen_for_comfort
        errors = limits.vitals_cross_field_errors(values)
        if "non_field_errors" in errors:
            errors["__all__"] = errors.pop("non_field_errors")
        if errors:
            raise ValidationError(errors)

    def store_news2(self, result: news2.News2Result) -> None:
        self.news2_total = result.total
        self.news2_band = None if result.band is None else result.band.value
        self.news2_red_flag = result.red_flag
        for key, column in SUBSCORE_COLUMNS.items():
            setattr(self, column, result.subscores.get(key))
        self.news2_missing = list(result.missing)
        self.news2_spo2_scale = result.spo2_scale
        self.news2_algorithm_version = result.algorithm_version

    @property
    def news2_subscores(self) -> dict[str, int]:
        return {
            key: getattr(self, column)
            for key, column in SUBSCORE_COLUMNS.items()
            if getattr(self, column) is not None
        }

    def news2(self) -> dict[str, Any] | None:
        """The contract's ``news2`` object, or None when a NEWS2 input is missing."""
        if self.news2_total is None:
            return None
        return {
            "total": self.news2_total,
            "band": self.news2_band,
            "red_flag": self.news2_red_flag,
            "subscores": self.news2_subscores,
            "algorithm_version": self.news2_algorithm_version,
            "spo2_scale": self.news2_spo2_scale,
        }


class VasopressorInfusion(models.Model):
    """A vasopressor running at the set's ``taken_at``; part of the set, never edited alone."""

    PARENT_FIELD = "vital_signs"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    vital_signs = models.ForeignKey(
        VitalSigns, on_delete=models.PROTECT, related_name="vasopressors"
    )
    agent = models.CharField(max_length=20, choices=VasopressorAgent.choices)
    dose = models.DecimalField(max_digits=8, decimal_places=3)
    dose_unit = models.CharField(max_length=12, choices=DoseUnit.choices)
    history = HistoricalRecords()

    class Meta:
        ordering = ["agent"]
        constraints = [
            models.CheckConstraint(
                condition=limits.vasopressor_dose_condition(),
                name="vasopressor_dose_in_range_for_unit",
                violation_error_message="The vasopressor dose is out of range for its unit.",
            ),
            models.CheckConstraint(
                condition=Q(agent__in=VasopressorAgent.values), name="vasopressor_agent_valid"
            ),
            models.UniqueConstraint(
                fields=["vital_signs", "agent"],
                condition=~Q(agent=vocabulary.VasopressorAgent.OTHER.value),
                name="one_row_per_vasopressor_agent",
                violation_error_message=limits.DUPLICATE_VASOPRESSOR,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agent} {self.dose} {self.get_dose_unit_display()}"

    def clean(self) -> None:
        error = limits.vasopressor_dose_error(self.dose, self.dose_unit)
        if error:
            raise ValidationError({"dose": [error]})
