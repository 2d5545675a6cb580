"""Vascular (capillary) leak syndrome signs and composite, clinical-rules.md §3.

Each sign is ``present``, ``absent`` or ``not_assessable``: missing data is never read as
absent. Hypotension and hypoxia come from the latest vitals set of the lookback window;
weight, oedema and labs from their latest value in that window; urine from its own window.
Records that could not be used (``PatientRecord.skipped``, urine periods under a minute) are
named in ``skipped``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any, Final

from patients.news2 import OxygenDevice
from therapy.rules.inputs import (
    LabTest,
    PatientRecord,
    SkippedRecord,
    contract_value,
    skipped_dicts,
)
from therapy.rules.profile import DEFAULT_PROFILE, RuleProfile, VlsSettings
from therapy.rules.windows import latest_lab, latest_measurement, latest_vitals, urine_output

# The kinds of record the signs read: a skipped one of these is named in the evidence.
READS: Final = ("vitals", "vasopressors", "fluids", "labs", "baseline")


class SignStatus(StrEnum):
    PRESENT = "present"
    ABSENT = "absent"
    NOT_ASSESSABLE = "not_assessable"


class VlsSeverity(StrEnum):
    NONE = "none"
    WARNING = "warning"  # suspected
    CRITICAL = "critical"


# CTCAE v5.0 weight gain grade by % over baseline, first match wins [S11].
WEIGHT_GAIN_CTCAE_GRADES: Final = ((Decimal(20), 3), (Decimal(10), 2), (Decimal(5), 1))
# Oxygen need without a recorded flow: ventilation is oxygen need by itself [S6].
OXYGEN_NEED_WITHOUT_FLOW: Final = frozenset({OxygenDevice.MECHANICAL_VENTILATION})
HYPOTENSION: Final = "hypotension"
_TENTH = Decimal("0.1")
_HUNDREDTH = Decimal("0.01")
_WHOLE_PLACES = Decimal(1)


@dataclass(frozen=True)
class VlsSign:
    code: str
    status: SignStatus
    value: Any
    threshold: str
    baseline: Any
    note: str
    as_of: datetime | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "status": self.status.value,
            "value": contract_value(self.value),
            "threshold": self.threshold,
            "baseline": contract_value(self.baseline),
            "note": self.note,
            "as_of": contract_value(self.as_of),
        }


@dataclass(frozen=True)
class VlsResult:
    severity: VlsSeverity
    signs: tuple[VlsSign, ...]
    vasopressor_running: bool
    as_of: datetime | None
    profile_name: str
    profile_version: str
    skipped: tuple[SkippedRecord, ...] = ()

    @property
    def suspected(self) -> bool:
        return self.severity is not VlsSeverity.NONE

    def codes(self, status: SignStatus) -> tuple[str, ...]:
        return tuple(sign.code for sign in self.signs if sign.status is status)

    def to_dict(self) -> dict[str, Any]:
        """The contract's ``vls`` summary object; ``signs`` lists all seven with a status."""
        return {
            "suspected": self.suspected,
            "severity": self.severity.value,
            "signs": [sign.to_dict() for sign in self.signs],
            "present": list(self.codes(SignStatus.PRESENT)),
            "not_assessable": list(self.codes(SignStatus.NOT_ASSESSABLE)),
            "as_of": contract_value(self.as_of),
            "profile_name": self.profile_name,
            "profile_version": self.profile_version,
            "skipped": skipped_dicts(self.skipped),
        }


def _status(present: bool, assessable: bool) -> SignStatus:
    if present:
        return SignStatus.PRESENT
    return SignStatus.ABSENT if assessable else SignStatus.NOT_ASSESSABLE


@dataclass
class _Context:
    record: PatientRecord
    at: datetime
    since: datetime
    settings: VlsSettings
    skipped: list[SkippedRecord] = field(default_factory=list)


def _hypotension(ctx: _Context) -> VlsSign:
    s = ctx.settings
    vitals = latest_vitals(ctx.record.vitals, at=ctx.at, since=ctx.since)
    sbp = None if vitals is None else vitals.systolic_bp
    pressors = () if vitals is None else vitals.running_vasopressors
    low = sbp is not None and sbp < s.hypotension_sbp_below  # label [S1]
    note = "vasopressor running: " + ", ".join(v.agent for v in pressors) if pressors else ""
    return VlsSign(
        HYPOTENSION,
        _status(low or bool(pressors), sbp is not None),
        sbp,
        f"SBP < {s.hypotension_sbp_below} mmHg, or any vasopressor running",
        ctx.record.baseline.systolic_bp,
        note,
        None if vitals is None else vitals.taken_at,
    )


def _weight_gain(ctx: _Context) -> VlsSign:
    s, baseline = ctx.settings, ctx.record.baseline.weight_kg
    found = latest_measurement(ctx.record.vitals, "weight_kg", since=ctx.since, at=ctx.at)
    threshold = f"≥ {s.weight_gain_pct} % over baseline weight"
    if found is None:
        return VlsSign(
            "weight_gain",
            SignStatus.NOT_ASSESSABLE,
            None,
            threshold,
            baseline,
            "no weight recorded in the window",
            None,
        )
    weight, taken_at = found
    gain = (weight - baseline) / baseline * 100
    grades = (g for bound, g in WEIGHT_GAIN_CTCAE_GRADES if gain >= bound)
    note = next((f"weight {weight} kg; CTCAE v5 weight gain grade {g}" for g in grades), "")
    shown = gain.quantize(_TENTH, rounding=ROUND_HALF_UP)
    status = _status(gain >= s.weight_gain_pct, True)
    return VlsSign("weight_gain", status, shown, threshold, baseline, note, taken_at)


def _oliguria(ctx: _Context) -> VlsSign:
    s, weight = ctx.settings, ctx.record.baseline.weight_kg
    hours = s.urine_window_hours
    output = urine_output(ctx.record.fluids, start=ctx.at - timedelta(hours=hours), end=ctx.at)
    ctx.skipped.extend(output.skipped)
    threshold = (
        f"< {s.urine_below_ml} mL in the last {hours} h, "
        f"or < {s.urine_below_ml_kg_h} mL/kg/h averaged over {hours} h"
    )
    recorded = output.recorded_hours.quantize(_TENTH, rounding=ROUND_HALF_UP)
    not_counted = f"; {len(output.skipped)} urine entry(ies) not counted" if output.skipped else ""
    if not output.assessable(s.urine_min_recorded_hours):
        note = (
            f"only {recorded} h of urine output recorded; {s.urine_min_recorded_hours} h needed"
            + not_counted
        )
        status = SignStatus.NOT_ASSESSABLE
        return VlsSign("oliguria", status, None, threshold, None, note, output.last_recorded_at)
    volume = output.ml_per_window()
    rate = output.ml_per_kg_per_hour(weight)
    low = volume < s.urine_below_ml or rate < s.urine_below_ml_kg_h  # [S6], [S8]
    note = f"{rate.quantize(_HUNDREDTH, rounding=ROUND_HALF_UP)} mL/kg/h over {recorded} h"
    note += not_counted
    shown = volume.quantize(_WHOLE_PLACES, rounding=ROUND_HALF_UP)
    status = _status(low, True)
    return VlsSign("oliguria", status, shown, threshold, None, note, output.last_recorded_at)


def _hypoxia(ctx: _Context) -> VlsSign:
    s = ctx.settings
    vitals = latest_vitals(ctx.record.vitals, at=ctx.at, since=ctx.since)
    threshold = f"SpO2 < {s.hypoxia_spo2_below} %, or ≥ {s.hypoxia_oxygen_from_l_min} L/min oxygen"
    spo2 = None if vitals is None else vitals.spo2
    device = None if vitals is None else vitals.oxygen_device
    flow = None if vitals is None else vitals.oxygen_flow_l_min
    if device is OxygenDevice.ROOM_AIR:
        flow = Decimal(0)
    desaturated = spo2 is not None and spo2 < s.hypoxia_spo2_below  # [S1]
    oxygen_need = device in OXYGEN_NEED_WITHOUT_FLOW or (
        flow is not None and flow >= s.hypoxia_oxygen_from_l_min  # [S6]
    )
    oxygen_known = device in OXYGEN_NEED_WITHOUT_FLOW or (device is not None and flow is not None)
    note = (
        "" if device is None else f"oxygen: {device}" + ("" if flow is None else f" {flow} L/min")
    )
    status = _status(desaturated or oxygen_need, spo2 is not None and oxygen_known)
    taken_at = None if vitals is None else vitals.taken_at
    return VlsSign("hypoxia", status, spo2, threshold, None, note, taken_at)


def _creatinine_rise(ctx: _Context) -> VlsSign:
    s, baseline = ctx.settings, ctx.record.baseline.creatinine_mg_dl
    lab = latest_lab(ctx.record.labs, LabTest.CREATININE, at=ctx.at, since=ctx.since)
    threshold = f"≥ {s.creatinine_ratio_from} x baseline, or ≥ {s.creatinine_from_mg_dl} mg/dL"
    if lab is None:
        return VlsSign(
            "creatinine_rise",
            SignStatus.NOT_ASSESSABLE,
            None,
            threshold,
            baseline,
            "no creatinine in the window",
            None,
        )
    value = Decimal(lab.value)
    high = value >= s.creatinine_from_mg_dl  # [S6]
    risen = baseline is not None and value >= s.creatinine_ratio_from * baseline  # [S11]
    note = "" if baseline is not None else "no baseline creatinine: only the absolute bound"
    status = _status(high or risen, baseline is not None)
    return VlsSign("creatinine_rise", status, value, threshold, baseline, note, lab.collected_at)


def _hypoalbuminemia(ctx: _Context) -> VlsSign:
    s = ctx.settings
    lab = latest_lab(ctx.record.labs, LabTest.ALBUMIN, at=ctx.at, since=ctx.since)
    threshold = f"albumin < {s.albumin_below_g_dl} g/dL"
    if lab is None:
        return VlsSign(
            "hypoalbuminemia",
            SignStatus.NOT_ASSESSABLE,
            None,
            threshold,
            None,
            "no albumin in the window",
            None,
        )
    value = Decimal(lab.value)
    status = _status(value < s.albumin_below_g_dl, True)  # [S11]
    return VlsSign("hypoalbuminemia", status, value, threshold, None, "", lab.collected_at)


def _edema(ctx: _Context) -> VlsSign:
    s = ctx.settings
    found = latest_measurement(ctx.record.vitals, "edema_grade", since=ctx.since, at=ctx.at)
    threshold = f"edema_grade ≥ {s.edema_grade_from}"
    if found is None:
        return VlsSign(
            "edema",
            SignStatus.NOT_ASSESSABLE,
            None,
            threshold,
            None,
            "no edema assessment in the window",
            None,
        )
    grade, taken_at = found
    status = _status(grade >= s.edema_grade_from, True)  # [S11]
    return VlsSign("edema", status, grade, threshold, None, "", taken_at)


# The signs of the §3 table, in its order.
SIGNS: Final[tuple[Callable[[_Context], VlsSign], ...]] = (
    _hypotension,
    _weight_gain,
    _oliguria,
    _hypoxia,
    _creatinine_rise,
    _hypoalbuminemia,
    _edema,
)


def vls_severity(
    present: frozenset[str], *, vasopressor_running: bool, settings: VlsSettings
) -> VlsSeverity:
    """Project-default composite (§3): suspected (warning) with hypotension and another sign;
    critical with a vasopressor and another sign, or hypotension and three others."""
    if HYPOTENSION not in present:
        return VlsSeverity.NONE
    others = len(present - {HYPOTENSION})
    if (vasopressor_running and others >= settings.critical_vasopressor_min_other_signs) or (
        others >= settings.critical_min_other_signs
    ):
        return VlsSeverity.CRITICAL
    if others >= settings.suspected_min_other_signs:
        return VlsSeverity.WARNING
    return VlsSeverity.NONE


def vls_assess(
    record: PatientRecord, *, at: datetime, profile: RuleProfile = DEFAULT_PROFILE
) -> VlsResult:
    settings = profile.vls
    ctx = _Context(record, at, at - timedelta(hours=settings.lookback_hours), settings)
    signs = tuple(sign(ctx) for sign in SIGNS)
    present = frozenset(sign.code for sign in signs if sign.status is SignStatus.PRESENT)
    vitals = latest_vitals(record.vitals, at=at, since=ctx.since)
    running = vitals is not None and bool(vitals.running_vasopressors)
    times = [sign.as_of for sign in signs if sign.as_of is not None and sign.value is not None]
    return VlsResult(
        severity=vls_severity(present, vasopressor_running=running, settings=settings),
        signs=signs,
        vasopressor_running=running,
        as_of=max(times, default=None),
        profile_name=profile.name,
        profile_version=profile.version,
        skipped=(*record.skipped_of(*READS), *ctx.skipped),
    )
