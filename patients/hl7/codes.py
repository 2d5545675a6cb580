"""What an OBX means: its code (OBX-3) → a field of the vital-signs set, its unit (OBX-6) →
the factor to the set's unit. The table in docs/hl7.md is this module, with each code's source.

Pure Python (no Django): the message reader and the docs test read it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

# HL7 table 0396 coding-system names.
LOINC: Final = "LN"
MDC: Final = "MDC"  # ISO/IEEE 11073-10101 nomenclature, numeric (context-free) codes
# This application's local codes (the HL7 "99zzz" local range) for the two NEWS2 inputs that
# neither LOINC nor MDC codes the way NEWS2 needs them: ACVPU and the oxygen device.
LOCAL: Final = "99IL2"
CODING_SYSTEMS: Final = (LOINC, MDC, LOCAL)


@dataclass(frozen=True)
class Measure:
    """One code's meaning. ``field`` None: recognised, checked, not stored (MAP: the set has no
    column for it). A lower ``rank`` wins when one set holds two codes for the same field (an
    ECG heart rate over a pulse rate)."""

    field: str | None
    label: str
    kind: str  # "numeric" or "coded"
    rank: int = 0
    refid: str = ""


HEART_RATE = Measure("heart_rate", "Heart rate", "numeric")
PULSE_RATE = Measure("heart_rate", "Pulse rate", "numeric", rank=1)
RESPIRATORY_RATE = Measure("respiratory_rate", "Respiratory rate", "numeric")
SPO2 = Measure("spo2", "SpO2", "numeric")
SYSTOLIC = Measure("systolic_bp", "Systolic BP", "numeric")
DIASTOLIC = Measure("diastolic_bp", "Diastolic BP", "numeric")
MEAN = Measure(None, "Mean arterial pressure", "numeric")
TEMPERATURE = Measure("temperature_c", "Temperature", "numeric")
OXYGEN_FLOW = Measure("oxygen_flow_l_min", "Oxygen flow", "numeric")
CONSCIOUSNESS = Measure("consciousness", "Level of consciousness (ACVPU)", "coded")
OXYGEN_DEVICE = Measure("oxygen_device", "Oxygen device", "coded")


def _mdc(measure: Measure, refid: str) -> Measure:
    return Measure(measure.field, measure.label, measure.kind, measure.rank, refid)


# (coding system, code) → meaning. Sources in docs/hl7.md.
CODES: Final[dict[tuple[str, str], Measure]] = {
    (LOINC, "8867-4"): HEART_RATE,
    (LOINC, "8889-8"): PULSE_RATE,
    (LOINC, "9279-1"): RESPIRATORY_RATE,
    (LOINC, "59408-5"): SPO2,
    (LOINC, "2708-6"): SPO2,
    (LOINC, "8480-6"): SYSTOLIC,
    (LOINC, "8462-4"): DIASTOLIC,
    (LOINC, "8478-0"): MEAN,
    (LOINC, "8310-5"): TEMPERATURE,
    (LOINC, "3151-8"): OXYGEN_FLOW,
    (MDC, "147842"): _mdc(HEART_RATE, "MDC_ECG_HEART_RATE"),
    (MDC, "149530"): _mdc(PULSE_RATE, "MDC_PULS_OXIM_PULS_RATE"),
    (MDC, "149546"): _mdc(PULSE_RATE, "MDC_PULS_RATE_NON_INV"),
    (MDC, "151562"): _mdc(RESPIRATORY_RATE, "MDC_RESP_RATE"),
    (MDC, "151578"): _mdc(RESPIRATORY_RATE, "MDC_TTHOR_RESP_RATE"),
    (MDC, "151594"): _mdc(RESPIRATORY_RATE, "MDC_CO2_RESP_RATE"),
    (MDC, "150456"): _mdc(SPO2, "MDC_PULS_OXIM_SAT_O2"),
    (MDC, "150021"): _mdc(SYSTOLIC, "MDC_PRESS_BLD_NONINV_SYS"),
    (MDC, "150022"): _mdc(DIASTOLIC, "MDC_PRESS_BLD_NONINV_DIA"),
    (MDC, "150023"): _mdc(MEAN, "MDC_PRESS_BLD_NONINV_MEAN"),
    (MDC, "150344"): _mdc(TEMPERATURE, "MDC_TEMP"),
    (MDC, "150364"): _mdc(TEMPERATURE, "MDC_TEMP_BODY"),
    (LOCAL, "consciousness"): CONSCIOUSNESS,
    (LOCAL, "oxygen_device"): OXYGEN_DEVICE,
}
# An MDC code may be sent by its reference id alone (OBX-3.1 = "MDC_TEMP_BODY").
MDC_REFIDS: Final = {
    measure.refid: code for (system, code), measure in CODES.items() if system == MDC
}


@dataclass(frozen=True, eq=True)
class Unit:
    """How a unit's value becomes the set's: ``convert`` (°F → °C), with the unit's name."""

    name: str
    convert: Callable[[Decimal], Decimal]


def _same(value: Decimal) -> Decimal:
    return value


def _fahrenheit_to_celsius(value: Decimal) -> Decimal:
    return ((value - 32) * 5 / 9).quantize(Decimal("0.1"))


PER_MINUTE = Unit("/min", _same)
MM_HG = Unit("mm[Hg]", _same)
PERCENT = Unit("%", _same)
CELSIUS = Unit("Cel", _same)
FAHRENHEIT = Unit("[degF]", _fahrenheit_to_celsius)
LITRES_PER_MINUTE = Unit("L/min", _same)

# Units by field: UCUM codes, MDC units (numeric code or reference id), and the few plain
# spellings monitors print that cannot be misread. Anything else is refused (AE), named.
_RATE_UNITS = {
    "/min": PER_MINUTE,
    "{beats}/min": PER_MINUTE,
    "{beat}/min": PER_MINUTE,
    "264864": PER_MINUTE,  # MDC_DIM_BEAT_PER_MIN
    "MDC_DIM_BEAT_PER_MIN": PER_MINUTE,
    "bpm": PER_MINUTE,
}
_RESPIRATION_UNITS = {
    "/min": PER_MINUTE,
    "{breaths}/min": PER_MINUTE,
    "{breath}/min": PER_MINUTE,
    "264928": PER_MINUTE,  # MDC_DIM_RESP_PER_MIN
    "MDC_DIM_RESP_PER_MIN": PER_MINUTE,
}
_PRESSURE_UNITS = {
    "mm[Hg]": MM_HG,
    "266016": MM_HG,  # MDC_DIM_MMHG
    "MDC_DIM_MMHG": MM_HG,
    "mmHg": MM_HG,
}
_SATURATION_UNITS = {
    "%": PERCENT,
    "262688": PERCENT,  # MDC_DIM_PERCENT
    "MDC_DIM_PERCENT": PERCENT,
}
_TEMPERATURE_UNITS = {
    "Cel": CELSIUS,
    "268192": CELSIUS,  # MDC_DIM_DEGC
    "MDC_DIM_DEGC": CELSIUS,
    "[degF]": FAHRENHEIT,
    "266560": FAHRENHEIT,  # MDC_DIM_FAHR
    "MDC_DIM_FAHR": FAHRENHEIT,
}
_FLOW_UNITS = {
    "L/min": LITRES_PER_MINUTE,
    "265216": LITRES_PER_MINUTE,  # MDC_DIM_X_L_PER_MIN
    "MDC_DIM_X_L_PER_MIN": LITRES_PER_MINUTE,
}
UNITS: Final[dict[str, dict[str, Unit]]] = {
    "heart_rate": _RATE_UNITS,
    "respiratory_rate": _RESPIRATION_UNITS,
    "spo2": _SATURATION_UNITS,
    "systolic_bp": _PRESSURE_UNITS,
    "diastolic_bp": _PRESSURE_UNITS,
    "mean_bp": _PRESSURE_UNITS,
    "temperature_c": _TEMPERATURE_UNITS,
    "oxygen_flow_l_min": _FLOW_UNITS,
}

# ACVPU letters (as charted) → the contract's consciousness codes; the codes are taken too.
ACVPU: Final = {
    "A": "alert",
    "C": "new_confusion",
    "V": "voice",
    "P": "pain",
    "U": "unresponsive",
}


def units_for(measure: Measure) -> dict[str, Unit]:
    return UNITS[measure.field or "mean_bp"]
