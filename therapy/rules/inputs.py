"""What the rules read: plain frozen dataclasses, built by the Django side from its rows.

Field names and enum values are the API contract's (api-contract.md). Constructors accept the
contract's plain strings and numbers and store typed values (enums, ``Decimal``); anything they
cannot use raises :class:`RuleInputError` naming every failing field. Clinical times must be
timezone-aware. Records marked ``entered_in_error`` are left out by the caller.

The vocabularies of what is recorded about a patient are declared in :mod:`patients.vocabulary`
and :mod:`patients.news2` and re-exported here; ``DoseStatus`` is the MAR's, declared here.
The Django choices are built from these enums (``il2monitor.choices``).

Each record may carry ``record_id``, the stored row's id, so a rule that cannot use it can name
it. A row the caller could not turn into a record at all goes into ``PatientRecord.skipped``
instead: the rules never raise on a record the database accepted (conventions.md), they say
what they left out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final, TypeVar

from patients.news2 import Consciousness, News2Inputs, OxygenDevice
from patients.vocabulary import (
    EventCode,
    FluidDirection,
    FluidRoute,
    FobtResult,
    LabTest,
    MedicationCategory,
    VasopressorAgent,
)
from therapy.rules.errors import ErrorCollector

__all__ = [
    "ClinicalEvent",
    "Consciousness",
    "DoseRecord",
    "DoseStatus",
    "EventCode",
    "FluidDirection",
    "FluidEntry",
    "FluidRoute",
    "FobtResult",
    "LabResult",
    "LabTest",
    "MedicationCategory",
    "OxygenDevice",
    "PatientBaseline",
    "PatientRecord",
    "SkippedRecord",
    "SupportiveMedication",
    "Vasopressor",
    "VasopressorAgent",
    "VitalsSet",
]


class DoseStatus(StrEnum):
    SCHEDULED = "scheduled"
    GIVEN = "given"
    HELD = "held"
    CANCELLED = "cancelled"
    ENTERED_IN_ERROR = "entered_in_error"


# Dosing weight range of the contract (patients: baseline_weight_kg 20-300).
MIN_WEIGHT_KG: Final = Decimal(20)
MAX_WEIGHT_KG: Final = Decimal(300)

_T = TypeVar("_T")
_E = TypeVar("_E", bound=StrEnum)


def _aware(value: object) -> datetime:
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise ValueError("must be a timezone-aware datetime")
    return value


def _integer(value: object) -> int:
    if type(value) is not int:
        raise ValueError("must be a whole number")
    return value


def _decimal(value: object) -> Decimal:
    # Read from the value's text, so a float 38.05 is 38.05 (and True, a list... fail).
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        raise ValueError("must be a decimal number") from None
    if not number.is_finite():
        raise ValueError("must be a finite number")
    return number


def _non_negative(value: object) -> Decimal:
    number = _decimal(value)
    if number < 0:
        raise ValueError("must not be negative")
    return number


def _record_id(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise ValueError("must be a string (the stored row's id) or None")


def _member(kind: type[_E]) -> Callable[[object], _E]:
    def coerce(value: object) -> _E:
        if isinstance(value, str) and value in kind._value2member_map_:
            return kind(value)
        raise ValueError("must be one of: " + ", ".join(m.value for m in kind))

    return coerce


def _optional(coerce: Callable[[object], _T]) -> Callable[[object], _T | None]:
    return lambda value: None if value is None else coerce(value)


def _check(
    obj: object, into: ErrorCollector | None = None, **coercers: Callable[[object], object]
) -> ErrorCollector:
    """Replace each named field of a frozen dataclass by its coerced value, collecting errors
    (into ``into`` when given)."""
    errors = ErrorCollector() if into is None else into
    for name, coerce in coercers.items():
        try:
            object.__setattr__(obj, name, coerce(getattr(obj, name)))
        except (ValueError, TypeError) as exc:
            errors.add(name, str(exc))
    return errors


@dataclass(frozen=True)
class Vasopressor:
    """An infusion running when the vitals were taken; a dose of 0 means it is stopped."""

    agent: VasopressorAgent
    dose: Decimal
    dose_unit: str

    def __post_init__(self) -> None:
        errors = _check(self, agent=_member(VasopressorAgent), dose=_non_negative)
        if not isinstance(self.dose_unit, str):
            errors.add("dose_unit", "must be a string")
        errors.raise_if_any()

    @property
    def running(self) -> bool:
        return self.dose > 0


def _vasopressors(value: object) -> tuple[Vasopressor, ...]:
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise ValueError("must be a list of {agent, dose, dose_unit}")
    items: list[Vasopressor] = []
    for item in value:
        items.append(item if isinstance(item, Vasopressor) else Vasopressor(**dict(item)))
    return tuple(items)


@dataclass(frozen=True)
class VitalsSet:
    """One vital-signs set; ``None`` means not measured. ``vasopressors`` lists the infusions
    running at ``taken_at``: empty means none (the contract's empty list).
    ``oxygen_for_comfort`` (v2): the oxygen is for comfort only, not hypoxia (CRS, §2)."""

    taken_at: datetime
    respiratory_rate: int | None = None
    spo2: int | None = None
    oxygen_device: OxygenDevice | None = None
    oxygen_flow_l_min: Decimal | None = None
    systolic_bp: int | None = None
    diastolic_bp: int | None = None
    heart_rate: int | None = None
    consciousness: Consciousness | None = None
    temperature_c: Decimal | None = None
    weight_kg: Decimal | None = None
    vasopressors: tuple[Vasopressor, ...] = ()
    edema_grade: int | None = None
    oxygen_for_comfort: bool = False
    record_id: str | None = None

    def __post_init__(self) -> None:
        optional_int = _optional(_integer)
        errors = _check(
            self,
            taken_at=_aware,
            respiratory_rate=optional_int,
            spo2=optional_int,
            oxygen_device=_optional(_member(OxygenDevice)),
            oxygen_flow_l_min=_optional(_non_negative),
            systolic_bp=optional_int,
            diastolic_bp=optional_int,
            heart_rate=optional_int,
            consciousness=_optional(_member(Consciousness)),
            temperature_c=_optional(_decimal),
            weight_kg=_optional(_non_negative),
            vasopressors=_vasopressors,
            edema_grade=optional_int,
            record_id=_record_id,
        )
        if isinstance(self.edema_grade, int) and not 0 <= self.edema_grade <= 4:
            errors.add("edema_grade", "must be between 0 and 4")
        if not isinstance(self.oxygen_for_comfort, bool):
            errors.add("oxygen_for_comfort", "must be true or false")
        errors.raise_if_any()

    @property
    def running_vasopressors(self) -> tuple[Vasopressor, ...]:
        return tuple(v for v in self.vasopressors if v.running)

    def news2_inputs(self) -> News2Inputs:
        return News2Inputs(
            respiratory_rate=self.respiratory_rate,
            spo2=self.spo2,
            oxygen_device=self.oxygen_device,
            systolic_bp=self.systolic_bp,
            heart_rate=self.heart_rate,
            consciousness=self.consciousness,
            temperature_c=self.temperature_c,
        )


@dataclass(frozen=True)
class FluidEntry:
    """A fluid intake or output over ``period_start``..``period_end``."""

    direction: FluidDirection
    route: FluidRoute
    volume_ml: Decimal
    period_start: datetime
    period_end: datetime
    record_id: str | None = None

    def __post_init__(self) -> None:
        errors = _check(
            self,
            direction=_member(FluidDirection),
            route=_member(FluidRoute),
            volume_ml=_non_negative,
            period_start=_aware,
            period_end=_aware,
            record_id=_record_id,
        )
        times_valid = not {"period_start", "period_end"} & errors.errors.keys()
        if times_valid and self.period_end < self.period_start:
            errors.add("period_end", "must not be before period_start")
        errors.raise_if_any()

    @property
    def is_urine_output(self) -> bool:
        return self.direction is FluidDirection.OUTPUT and self.route is FluidRoute.URINE

    @property
    def period(self) -> timedelta:
        return self.period_end - self.period_start


@dataclass(frozen=True)
class LabResult:
    """A lab value in the contract's unit for its test; ``fobt`` is positive or negative."""

    test: LabTest
    value: Decimal | FobtResult
    collected_at: datetime
    record_id: str | None = None

    def __post_init__(self) -> None:
        errors = _check(self, test=_member(LabTest), collected_at=_aware, record_id=_record_id)
        if "test" not in errors.errors:
            coerce = _member(FobtResult) if self.test is LabTest.FOBT else _decimal
            _check(self, into=errors, value=coerce)
        errors.raise_if_any()


@dataclass(frozen=True)
class SupportiveMedication:
    category: MedicationCategory
    administered_at: datetime
    record_id: str | None = None

    def __post_init__(self) -> None:
        errors = _check(
            self,
            category=_member(MedicationCategory),
            administered_at=_aware,
            record_id=_record_id,
        )
        errors.raise_if_any()


@dataclass(frozen=True)
class ClinicalEvent:
    """A finding of the current admission. ``ended_at`` (v2, api-contract.md: the finding is
    over, e.g. sinus rhythm restored) ends it; an event with none stays in force for the
    admission."""

    code: EventCode
    observed_at: datetime
    ended_at: datetime | None = None
    record_id: str | None = None

    def __post_init__(self) -> None:
        errors = _check(
            self,
            code=_member(EventCode),
            observed_at=_aware,
            ended_at=_optional(_aware),
            record_id=_record_id,
        )
        errors.raise_if_any()

    def active_at(self, at: datetime) -> bool:
        return self.observed_at <= at and (self.ended_at is None or self.ended_at > at)


@dataclass(frozen=True)
class PatientBaseline:
    """Baseline values the signs are measured against: ``weight_kg`` is the patient's baseline
    weight; ``dosing_weight_kg`` (v2) the active course's, when there is one (AKI's mL/kg/h)."""

    weight_kg: Decimal
    systolic_bp: int | None = None
    creatinine_mg_dl: Decimal | None = None
    spo2_scale: int = 1
    dosing_weight_kg: Decimal | None = None

    def __post_init__(self) -> None:
        errors = _check(
            self,
            weight_kg=_decimal,
            systolic_bp=_optional(_integer),
            creatinine_mg_dl=_optional(_decimal),
            spo2_scale=_integer,
            dosing_weight_kg=_optional(_decimal),
        )
        if isinstance(self.weight_kg, Decimal) and not (
            MIN_WEIGHT_KG <= self.weight_kg <= MAX_WEIGHT_KG
        ):
            errors.add("weight_kg", f"must be between {MIN_WEIGHT_KG} and {MAX_WEIGHT_KG} kg")
        if isinstance(self.dosing_weight_kg, Decimal) and not (
            MIN_WEIGHT_KG <= self.dosing_weight_kg <= MAX_WEIGHT_KG
        ):
            errors.add(
                "dosing_weight_kg", f"must be between {MIN_WEIGHT_KG} and {MAX_WEIGHT_KG} kg"
            )
        if isinstance(self.creatinine_mg_dl, Decimal) and self.creatinine_mg_dl <= 0:
            errors.add("creatinine_mg_dl", "must be positive")
        if self.spo2_scale not in (1, 2):
            errors.add("spo2_scale", "must be 1 or 2")
        errors.raise_if_any()


@dataclass(frozen=True)
class DoseRecord:
    """One scheduled IL-2 dose of the course and what became of it."""

    cycle: int
    number: int
    scheduled_at: datetime
    status: DoseStatus = DoseStatus.SCHEDULED
    record_id: str | None = None

    def __post_init__(self) -> None:
        errors = _check(
            self,
            cycle=_integer,
            number=_integer,
            scheduled_at=_aware,
            status=_member(DoseStatus),
            record_id=_record_id,
        )
        errors.raise_if_any()


def _tuple_of(kind: type[_T]) -> Callable[[object], tuple[_T, ...]]:
    def coerce(value: object) -> tuple[_T, ...]:
        if not isinstance(value, Iterable) or isinstance(value, (str, bytes, Mapping)):
            raise ValueError(f"must be a sequence of {kind.__name__}")
        items = tuple(value)
        if not all(isinstance(item, kind) for item in items):
            raise ValueError(f"must contain only {kind.__name__}")
        return items

    return coerce


@dataclass(frozen=True)
class SkippedRecord:
    """A stored record the rules did not use, and why: ``kind`` is the record's kind as the
    API names it (``vitals``, ``fluids``, ``labs``, ``medications``, ``events``, ``doses``,
    ``vasopressors``, ``baseline``), ``id`` the stored row's id."""

    kind: str
    id: str
    reason: str

    def __post_init__(self) -> None:
        errors = ErrorCollector()
        for name in ("kind", "id", "reason"):
            if not isinstance(getattr(self, name), str):
                errors.add(name, "must be a string")
        errors.raise_if_any()

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "id": self.id, "reason": self.reason}


def skipped_dicts(skipped: Iterable[SkippedRecord]) -> list[dict[str, str]]:
    """Skipped records as JSON, each once, in the order first named."""
    return [record.to_dict() for record in dict.fromkeys(skipped)]


@dataclass(frozen=True)
class PatientRecord:
    """Everything the rules read about one patient. Pass at least the windows the rules look
    at (the profile's, 24 h by default) and the current admission's events and doses; data
    after the evaluation time are ignored, so a record can be replayed as of any moment."""

    baseline: PatientBaseline
    vitals: tuple[VitalsSet, ...] = ()
    fluids: tuple[FluidEntry, ...] = ()
    labs: tuple[LabResult, ...] = ()
    medications: tuple[SupportiveMedication, ...] = ()
    events: tuple[ClinicalEvent, ...] = ()
    doses: tuple[DoseRecord, ...] = ()
    skipped: tuple[SkippedRecord, ...] = ()

    def __post_init__(self) -> None:
        errors = _check(
            self,
            vitals=_tuple_of(VitalsSet),
            fluids=_tuple_of(FluidEntry),
            labs=_tuple_of(LabResult),
            medications=_tuple_of(SupportiveMedication),
            events=_tuple_of(ClinicalEvent),
            doses=_tuple_of(DoseRecord),
            skipped=_tuple_of(SkippedRecord),
        )
        if not isinstance(self.baseline, PatientBaseline):
            errors.add("baseline", "must be a PatientBaseline")
        errors.raise_if_any()

    def skipped_of(self, *kinds: str) -> tuple[SkippedRecord, ...]:
        """The records of these kinds that could not be used: what a rule reading those
        kinds names in its evidence."""
        return tuple(record for record in self.skipped if record.kind in kinds)


def contract_value(value: Any) -> Any:
    """A rule value as JSON: decimals as strings (as the API renders them), enums by value,
    datetimes in ISO 8601, sequences as lists."""
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (tuple, list)):
        return [contract_value(item) for item in value]
    return value
