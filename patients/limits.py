"""Plausibility limits and alarming ranges of bedside observations: one table, one message each.

The same table builds the model validators and database check constraints, the API serializer
fields and the tablet form fields, so a nurse and a REST client read the same words.

A value outside its *limits* is refused (it cannot be a real reading of an adult on the ward:
most likely a typo or a unit mix-up). A value inside the limits but in its *alarming* range is
possible and stored, but the tablet form asks the nurse to confirm it first; the API stores it
without asking (a device integration has no one to ask).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from patients import validators, vocabulary
from patients.vocabulary import DoseUnit


@dataclass(frozen=True)
class Limit:
    """The accepted range of one numeric field, inclusive at both ends."""

    field: str
    label: str
    low: Decimal | int
    high: Decimal | int
    unit: str
    # Possible but alarming: at or below ``alarm_at_or_below`` / above ``alarm_above``.
    alarm_at_or_below: Decimal | int | None = None
    alarm_above: Decimal | int | None = None
    alarm_source: str = ""

    @property
    def message(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        return f"{self.label} must be between {self.low} and {self.high}{unit}."

    @property
    def template(self) -> str:
        """The message as Django and DRF validators take it: they %-format it (SpO2's "%")."""
        return self.message.replace("%", "%%")

    def validators(self) -> list[Any]:
        return [
            MinValueValidator(self.low, message=self.template),
            MaxValueValidator(self.high, message=self.template),
        ]

    def condition(self) -> Q:
        return Q(**{f"{self.field}__isnull": True}) | (
            Q(**{f"{self.field}__gte": self.low}) & Q(**{f"{self.field}__lte": self.high})
        )

    def constraint(self, prefix: str) -> models.CheckConstraint:
        return models.CheckConstraint(
            condition=self.condition(),
            name=f"{prefix}_{self.field}_range",
            violation_error_message=self.template,
        )

    def alarm(self, value: Decimal | int | None) -> str | None:
        """Why this value is alarming, or None when it is not (or absent)."""
        if value is None:
            return None
        shown = f"{value} {self.unit}"
        if self.alarm_at_or_below is not None and value <= self.alarm_at_or_below:
            return f"{self.label} {shown} is very low."
        if self.alarm_above is not None and value > self.alarm_above:
            return f"{self.label} {shown} is very high."
        return None


def _d(value: str) -> Decimal:
    return Decimal(value)


# --- Vital signs --------------------------------------------------------------------------
# Limits: physiological plausibility for an adult, wide enough for a deteriorating patient.
# Alarms: the NEWS2 "red score" edges [S15], the IL-2 standing-order notify thresholds [S9],
# CTCAE v5 grade 3 fever [S11]; documented in docs/bedside-entry.md.
RESPIRATORY_RATE = Limit(
    "respiratory_rate", "Respiratory rate", 0, 80, "breaths/min",
    alarm_at_or_below=8, alarm_above=30, alarm_source="[S15] ≤ 8 scores 3; [S9] > 30",
)  # fmt: skip
SPO2 = Limit(
    "spo2", "SpO2", 50, 100, "%",
    alarm_at_or_below=89, alarm_source="[S1] SpO2 < 90 % withholds the dose",
)  # fmt: skip
OXYGEN_FLOW = Limit("oxygen_flow_l_min", "Oxygen flow", _d("0.1"), _d("80"), "L/min")
SYSTOLIC_BP = Limit(
    "systolic_bp", "Systolic BP", 40, 300, "mmHg",
    alarm_at_or_below=79, alarm_above=219,
    alarm_source="[S10] pressors titrated to SBP ≥ 80; [S15] ≥ 220 scores 3",
)  # fmt: skip
DIASTOLIC_BP = Limit("diastolic_bp", "Diastolic BP", 20, 200, "mmHg")
HEART_RATE = Limit(
    "heart_rate", "Heart rate", 20, 300, "beats/min",
    alarm_at_or_below=40, alarm_above=140,
    alarm_source="[S15] ≤ 40 scores 3; [S9] notify > 140",
)  # fmt: skip
TEMPERATURE = Limit(
    "temperature_c", "Temperature", _d("30.0"), _d("45.0"), "°C",
    alarm_at_or_below=_d("35.0"), alarm_above=_d("40.0"),
    alarm_source="[S15] ≤ 35.0 scores 3; [S11] > 40.0 is grade 3 fever; [S9] notify > 104 °F",
)  # fmt: skip
WEIGHT = Limit("weight_kg", "Weight", validators.WEIGHT_MIN_KG, validators.WEIGHT_MAX_KG, "kg")
EDEMA_GRADE = Limit("edema_grade", "Edema grade", 0, 4, "")
# A weight this far from the baseline (either way) asks for confirmation: CTCAE v5 grade 2
# weight gain starts at 10 % [S11], and a kg/lb mix-up is a factor of 2.2.
WEIGHT_ALARM_FRACTION = Decimal("0.10")

VITALS_LIMITS = (
    RESPIRATORY_RATE,
    SPO2,
    OXYGEN_FLOW,
    SYSTOLIC_BP,
    DIASTOLIC_BP,
    HEART_RATE,
    TEMPERATURE,
    WEIGHT,
    EDEMA_GRADE,
)
VITALS_LIMITS_BY_FIELD = {limit.field: limit for limit in VITALS_LIMITS}

# The ten measurements of a set; at least one is required.
MEASUREMENT_FIELDS = (
    "respiratory_rate",
    "spo2",
    "oxygen_device",
    "oxygen_flow_l_min",
    "systolic_bp",
    "diastolic_bp",
    "heart_rate",
    "consciousness",
    "temperature_c",
    "weight_kg",
    "edema_grade",
)
ROOM_AIR = "room_air"
MECHANICAL_VENTILATION = "mechanical_ventilation"
# Devices whose flow is optional: room air has none (refused), a ventilator is set otherwise.
DEVICES_WITHOUT_FLOW = (ROOM_AIR, MECHANICAL_VENTILATION)

AT_LEAST_ONE_MEASUREMENT = "Enter at least one measurement."
DIASTOLIC_NOT_BELOW_SYSTOLIC = "Diastolic BP must be lower than systolic BP."
FLOW_WITH_ROOM_AIR = "Room air has no oxygen flow: clear the flow, or choose the oxygen device."
FLOW_REQUIRED = "Enter the oxygen flow (L/min) for this device."
DEVICE_REQUIRED_FOR_FLOW = "Choose the oxygen device that gives this flow."
COMFORT_NEEDS_OXYGEN = (
    "Oxygen for comfort needs an oxygen device: choose the device, or untick comfort."
)
DUPLICATE_VASOPRESSOR = "Each vasopressor may appear once per set (except 'other')."
# One row per agent: five named agents and "other" make six; more is a mistake.
MAX_VASOPRESSORS = 6
TOO_MANY_VASOPRESSORS = f"A set lists at most {MAX_VASOPRESSORS} vasopressors, one row per agent."


def vitals_cross_field_errors(
    values: Mapping[str, Any], *, failed: Collection[str] = ()
) -> dict[str, list[str]]:
    """The rules between fields of one vital-signs set, on the values that parsed.

    ``failed`` names fields that already have an error: a rule reading one of them is skipped,
    so every field is named once, with its own problem.
    """
    errors: dict[str, list[str]] = {}

    def present(name: str) -> bool:
        return values.get(name) is not None

    if not any(name in failed or present(name) for name in MEASUREMENT_FIELDS):
        errors.setdefault("non_field_errors", []).append(AT_LEAST_ONE_MEASUREMENT)
    both_pressures = present("systolic_bp") and present("diastolic_bp")
    if both_pressures and values["diastolic_bp"] >= values["systolic_bp"]:
        errors.setdefault("diastolic_bp", []).append(DIASTOLIC_NOT_BELOW_SYSTOLIC)
    device, flow = values.get("oxygen_device"), present("oxygen_flow_l_min")
    needs_flow = device is not None and device not in DEVICES_WITHOUT_FLOW
    if flow and device is None and "oxygen_device" not in failed:
        errors.setdefault("oxygen_device", []).append(DEVICE_REQUIRED_FOR_FLOW)
    elif flow and device == ROOM_AIR:
        errors.setdefault("oxygen_flow_l_min", []).append(FLOW_WITH_ROOM_AIR)
    elif needs_flow and not flow and "oxygen_flow_l_min" not in failed:
        errors.setdefault("oxygen_flow_l_min", []).append(FLOW_REQUIRED)
    comfort_without_oxygen = device is None or device == ROOM_AIR
    if (
        values.get("oxygen_for_comfort")
        and comfort_without_oxygen
        and "oxygen_device" not in failed
    ):
        errors.setdefault("oxygen_for_comfort", []).append(COMFORT_NEEDS_OXYGEN)
    vasopressors_error = vasopressor_list_error(values.get("vasopressors"))
    if vasopressors_error:
        errors.setdefault("vasopressors", []).append(vasopressors_error)
    return errors


def vasopressor_list_error(vasopressors: Any) -> str | None:
    """At most six rows, one per named agent ('other' may repeat): the API, the form and the
    service share this rule."""
    if vasopressors and len(vasopressors) > MAX_VASOPRESSORS:
        return TOO_MANY_VASOPRESSORS
    named = [dose["agent"] for dose in vasopressors or () if dose["agent"] != "other"]
    return DUPLICATE_VASOPRESSOR if len(named) != len(set(named)) else None


@dataclass(frozen=True)
class Alarm:
    field: str
    message: str

    def token(self, value: object) -> str:
        return f"{self.field}={value}"


def vitals_alarms(
    values: Mapping[str, Any], *, baseline_weight_kg: Decimal | None = None
) -> list[Alarm]:
    """Values that are possible but alarming, each with the sentence the nurse confirms."""
    alarms = []
    for limit in VITALS_LIMITS:
        reason = limit.alarm(values.get(limit.field))
        if reason is not None:
            alarms.append(Alarm(limit.field, reason))
    weight = values.get("weight_kg")
    if weight is not None and baseline_weight_kg:
        change = (Decimal(weight) - baseline_weight_kg) / baseline_weight_kg
        if abs(change) >= WEIGHT_ALARM_FRACTION:
            direction = "above" if change > 0 else "below"
            alarms.append(
                Alarm(
                    "weight_kg",
                    f"Weight {weight} kg is {abs(change) * 100:.0f} % {direction} the baseline "
                    f"{baseline_weight_kg} kg (kg and lb mixed up?).",
                )
            )
    return alarms


def alarm_signature(alarms: list[Alarm], values: Mapping[str, Any]) -> str:
    """What the nurse confirmed: the alarming fields with their values. Changing any of them
    after confirming asks again."""
    return ";".join(alarm.token(values.get(alarm.field)) for alarm in alarms)


# --- Vasopressors ---------------------------------------------------------------------------
# Dose limits by unit: well above any infusion rate used on a ward or HDU, below the typos
# (a dose entered in the wrong unit is usually off by 60 or by the patient's weight).
VASOPRESSOR_DOSE_LIMITS: dict[str, tuple[Decimal, Decimal, str]] = {
    DoseUnit.MCG_KG_MIN: (Decimal("0.001"), Decimal("50"), "µg/kg/min"),
    DoseUnit.MCG_MIN: (Decimal("0.1"), Decimal("1000"), "µg/min"),
    DoseUnit.UNITS_MIN: (Decimal("0.001"), Decimal("1"), "units/min"),
    DoseUnit.UNITS_H: (Decimal("0.01"), Decimal("60"), "units/h"),
}


def vasopressor_dose_message(unit: str) -> str:
    low, high, shown = VASOPRESSOR_DOSE_LIMITS[unit]
    return f"A dose in {shown} must be between {low} and {high}."


def vasopressor_dose_error(dose: Decimal | None, unit: str | None) -> str | None:
    if dose is None or unit not in VASOPRESSOR_DOSE_LIMITS:
        return None
    low, high, _ = VASOPRESSOR_DOSE_LIMITS[unit]
    return None if low <= dose <= high else vasopressor_dose_message(unit)


def vasopressor_dose_condition() -> Q:
    condition = Q()
    for unit, (low, high, _) in VASOPRESSOR_DOSE_LIMITS.items():
        condition |= Q(dose_unit=str(unit), dose__gte=low, dose__lte=high)
    return condition


# --- Fluids ---------------------------------------------------------------------------------
FLUID_VOLUME = Limit("volume_ml", "Volume", 0, 10000, "mL")
FLUID_PERIOD_MAX_HOURS = 24
# A period shorter than a minute is a slip (From and To the same, or seconds apart), not a
# measurement (api-contract.md v2).
FLUID_PERIOD_MIN_MINUTES = 1
# Which way each route runs; "other" may be either.
INTAKE_ROUTES = ("iv", "oral")
OUTPUT_ROUTES = ("urine", "emesis", "stool", "drain")
PERIOD_END_NOT_AFTER_START = "The period must end after it starts."
PERIOD_TOO_LONG = f"A fluid period can be at most {FLUID_PERIOD_MAX_HOURS} hours."
PERIOD_TOO_SHORT = f"A fluid period must be at least {FLUID_PERIOD_MIN_MINUTES} minute long."


def route_direction_error(direction: str | None, route: str | None) -> str | None:
    if direction == "intake" and route in OUTPUT_ROUTES:
        return f"The route '{route}' is an output, not an intake."
    if direction == "output" and route in INTAKE_ROUTES:
        return f"The route '{route}' is an intake, not an output."
    return None


def fluid_cross_field_errors(
    values: Mapping[str, Any], *, failed: Collection[str] = ()
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    route_error = route_direction_error(values.get("direction"), values.get("route"))
    if route_error:
        errors["route"] = [route_error]
    start, end = values.get("period_start"), values.get("period_end")
    if start is not None and end is not None:
        if end <= start:
            errors["period_end"] = [PERIOD_END_NOT_AFTER_START]
        elif (end - start).total_seconds() < FLUID_PERIOD_MIN_MINUTES * 60:
            errors["period_end"] = [PERIOD_TOO_SHORT]
        elif (end - start).total_seconds() > FLUID_PERIOD_MAX_HOURS * 3600:
            errors["period_start"] = [PERIOD_TOO_LONG]
    return errors


# --- Labs -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class LabTest:
    """One test of the contract with its one unit and its plausible reporting range."""

    code: str
    label: str
    unit: str | None  # None: a qualitative result (FOBT)
    low: Decimal | None = None
    high: Decimal | None = None

    @property
    def message(self) -> str:
        return f"{self.label} must be between {self.low} and {self.high} {self.unit}."


_test = vocabulary.LabTest
# One row for each test of the vocabulary (tests/test_vocabulary.py holds them together).
LAB_TESTS = {
    test.code: test
    for test in (
        LabTest(_test.CREATININE.value, "Creatinine", "mg/dL", _d("0.1"), _d("30")),
        LabTest(_test.ALBUMIN.value, "Albumin", "g/dL", _d("0.5"), _d("7.0")),
        LabTest(_test.PLATELETS.value, "Platelets", "10^3/µL", _d("0"), _d("2000")),
        LabTest(_test.BILIRUBIN.value, "Bilirubin", "mg/dL", _d("0"), _d("50")),
        LabTest(_test.BICARBONATE.value, "Bicarbonate", "mmol/L", _d("2"), _d("60")),
        LabTest(_test.POTASSIUM.value, "Potassium", "mmol/L", _d("1.0"), _d("10.0")),
        LabTest(_test.TROPONIN.value, "Troponin", "ng/L", _d("0"), _d("100000")),
        LabTest(_test.FOBT.value, "Faecal occult blood", None),
    )
}
FOBT_RESULTS = tuple(result.value for result in vocabulary.FobtResult)
LAB_VALUE_DECIMAL_PLACES = 2
# The micro sign has two code points (U+00B5, U+03BC) and many keyboards have neither.
UNIT_SPELLINGS = {"10^3/uL": "10^3/µL", "10^3/\u03bcL": "10^3/µL"}


def normalize_unit(unit: str) -> str:
    unit = unit.strip()
    return UNIT_SPELLINGS.get(unit, unit)


def lab_cross_field_errors(
    values: Mapping[str, Any], *, failed: Collection[str] = ()
) -> dict[str, list[str]]:
    """A lab result's value and unit checked against its test (the test must have parsed)."""
    test = LAB_TESTS.get(values.get("test") or "")
    if test is None:
        return {}
    errors: dict[str, list[str]] = {}
    value, unit = values.get("value"), values.get("unit") or None
    if test.unit is None:
        if unit is not None and "unit" not in failed:
            errors["unit"] = [f"{test.label} has no unit: leave the unit out."]
        if "value" not in failed and value not in FOBT_RESULTS:
            errors["value"] = [f"{test.label} is 'positive' or 'negative'."]
        return errors
    if "unit" not in failed and unit != test.unit:
        errors["unit"] = [
            f"{test.label} is recorded in {test.unit}"
            + (f", not {unit}." if unit else ": give the unit.")
        ]
    if "value" not in failed:
        if not isinstance(value, Decimal):
            errors["value"] = [f"{test.label} needs a number in {test.unit}."]
        elif test.low is not None and test.high is not None and not test.low <= value <= test.high:
            errors["value"] = [test.message]
    return errors


def lab_value_condition() -> Q:
    """The database's version of the table: numeric tests in range, FOBT qualitative."""
    condition = Q(
        test=vocabulary.LabTest.FOBT.value,
        value__isnull=True,
        unit="",
        qualitative__in=FOBT_RESULTS,
    )
    for test in LAB_TESTS.values():
        if test.unit is not None:
            condition |= Q(
                test=test.code,
                unit=test.unit,
                qualitative="",
                value__isnull=False,  # NULL would make the whole check unknown, i.e. pass
                value__gte=test.low,
                value__lte=test.high,
            )
    return condition
