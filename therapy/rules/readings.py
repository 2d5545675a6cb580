"""What each pre-dose criterion measures, read from the patient record at check time.

A :class:`Reading` with ``value`` ``None`` means the criterion cannot be assessed, and says
why. Which data are read (clinical-rules.md §4): the latest vitals (no older than
``vitals_max_age_minutes`` before the dose), labs within ``lab_max_age_hours``, fluids over the
last ``fluid_window_hours``, the events of the current admission and the dose history.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import partial
from typing import Any, Final

from patients.news2 import Consciousness, OxygenDevice
from therapy.rules.inputs import (
    ClinicalEvent,
    DoseStatus,
    FobtResult,
    LabTest,
    PatientRecord,
    SkippedRecord,
    VasopressorAgent,
    VitalsSet,
)
from therapy.rules.profile import Measure, PrecheckSettings
from therapy.rules.windows import active_events, latest_lab, latest_measurement, urine_output

# Phenylephrine doses are compared in µg/kg/min [S6]; µg/min is divided by the dosing weight.
PER_KG_UNITS: Final = frozenset({"ug/kg/min", "mcg/kg/min", "µg/kg/min"})
PER_MINUTE_UNITS: Final = frozenset({"ug/min", "mcg/min", "µg/min"})
_TENTH = Decimal("0.1")
_HUNDREDTH = Decimal("0.01")
_WHOLE_PLACES = Decimal(1)


@dataclass(frozen=True)
class Reading:
    value: Decimal | bool | None
    shown: Any = None
    at: datetime | None = None
    note: str = ""


@dataclass
class CheckContext:
    """The data one check reads, gathered once; the composite counts are filled in as the
    check proceeds (hold criteria met, then the preliminary recommendation)."""

    record: PatientRecord
    at: datetime
    settings: PrecheckSettings
    vitals: VitalsSet | None
    vitals_note: str
    vitals_at: datetime | None
    events: list[ClinicalEvent]
    held_before: int
    # Set by the check before the composite criteria read them (reading earlier is an error).
    hold_codes_met: int = field(init=False)
    would_hold: bool = field(init=False)
    cache: dict[Measure, Reading] = field(default_factory=dict)
    # Records a reader could not use (urine periods under a minute), named in the result.
    skipped: list[SkippedRecord] = field(default_factory=list)

    def read(self, measure: Measure) -> Reading:
        if measure not in self.cache:
            self.cache[measure] = READERS[measure](self)
        return self.cache[measure]


def _vital(name: str, ctx: CheckContext) -> Reading:
    if ctx.vitals is None:
        return Reading(None, note=ctx.vitals_note)
    value = getattr(ctx.vitals, name)
    if value is None:
        return Reading(None, note=f"{name} not recorded in the latest vitals")
    return Reading(Decimal(value), value, ctx.vitals.taken_at)


def _not_alert(ctx: CheckContext) -> Reading:
    if ctx.vitals is None:
        return Reading(None, note=ctx.vitals_note)
    level = ctx.vitals.consciousness
    if level is None:
        return Reading(None, note="consciousness not recorded in the latest vitals")
    return Reading(level is not Consciousness.ALERT, level.value, ctx.vitals.taken_at)


def _fobt_positive(ctx: CheckContext) -> Reading:
    # The label withholds until FIT/FOBT is negative [S1]: the latest result of the admission
    # counts however old it is.
    lab = latest_lab(ctx.record.labs, LabTest.FOBT, at=ctx.at, since=None)
    if lab is None:
        return Reading(None, note="no FOBT result this admission")
    return Reading(lab.value is FobtResult.POSITIVE, lab.value, lab.collected_at)


def _weight_gain_pct(ctx: CheckContext) -> Reading:
    since = ctx.at - timedelta(hours=ctx.settings.weight_max_age_hours)
    found = latest_measurement(ctx.record.vitals, "weight_kg", since=since, at=ctx.at)
    if found is None:
        hours = ctx.settings.weight_max_age_hours
        return Reading(None, note=f"no weight recorded in the last {hours} h")
    weight, taken_at = found
    baseline = ctx.record.baseline.weight_kg
    gain = (weight - baseline) / baseline * 100
    return Reading(gain, gain.quantize(_TENTH, rounding=ROUND_HALF_UP), taken_at)


def _urine_output_ml(ctx: CheckContext) -> Reading:
    hours = ctx.settings.fluid_window_hours
    output = urine_output(ctx.record.fluids, start=ctx.at - timedelta(hours=hours), end=ctx.at)
    ctx.skipped.extend(output.skipped)
    needed = ctx.settings.urine_min_recorded_hours
    if not output.assessable(needed):
        recorded = output.recorded_hours.quantize(_TENTH, rounding=ROUND_HALF_UP)
        note = f"only {recorded} h of urine output recorded; {needed} h needed"
        if output.skipped:
            note += f"; {len(output.skipped)} urine entry(ies) not counted"
        return Reading(None, note=note)
    volume = output.ml_per_window()
    shown = volume.quantize(_WHOLE_PLACES, rounding=ROUND_HALF_UP)
    return Reading(volume, shown, output.last_recorded_at)


def _lab(test: LabTest, ctx: CheckContext) -> Reading:
    hours = ctx.settings.lab_max_age_hours
    since = ctx.at - timedelta(hours=hours)
    lab = latest_lab(ctx.record.labs, test, at=ctx.at, since=since)
    if lab is None:
        return Reading(None, note=f"no {test} result in the last {hours} h")
    return Reading(Decimal(lab.value), lab.value, lab.collected_at)


def _oxygen_flow(ctx: CheckContext) -> Reading:
    if ctx.vitals is None:
        return Reading(None, note=ctx.vitals_note)
    device, flow = ctx.vitals.oxygen_device, ctx.vitals.oxygen_flow_l_min
    if device is None:
        return Reading(None, note="oxygen device not recorded in the latest vitals")
    if device is OxygenDevice.ROOM_AIR:
        return Reading(Decimal(0), 0, ctx.vitals.taken_at)
    if flow is None:
        return Reading(None, note=f"oxygen flow not recorded for {device}")
    return Reading(flow, flow, ctx.vitals.taken_at)


def _phenylephrine(ctx: CheckContext) -> Reading:
    if ctx.vitals is None:
        return Reading(None, note=ctx.vitals_note)
    total = Decimal(0)
    for infusion in ctx.vitals.running_vasopressors:
        if infusion.agent is not VasopressorAgent.PHENYLEPHRINE:
            continue
        unit = infusion.dose_unit.strip().lower().replace(" ", "")
        if unit in PER_KG_UNITS:
            total += infusion.dose
        elif unit in PER_MINUTE_UNITS:
            total += infusion.dose / ctx.record.baseline.weight_kg
        else:
            return Reading(None, note=f"phenylephrine dose unit {infusion.dose_unit!r} unknown")
    return Reading(total, total.quantize(_HUNDREDTH, rounding=ROUND_HALF_UP), ctx.vitals.taken_at)


def _other_vasopressor(ctx: CheckContext) -> Reading:
    """(v2) Any vasopressor but phenylephrine running at dose time [S6] table 2, [S7], [S8]."""
    if ctx.vitals is None:
        return Reading(None, note=ctx.vitals_note)
    running = [
        infusion.agent.value
        for infusion in ctx.vitals.running_vasopressors
        if infusion.agent is not VasopressorAgent.PHENYLEPHRINE
    ]
    return Reading(bool(running), ", ".join(running) or "none", ctx.vitals.taken_at)


def _hold_criteria_met(ctx: CheckContext) -> Reading:
    return Reading(Decimal(ctx.hold_codes_met), ctx.hold_codes_met)


def _held_doses(ctx: CheckContext) -> Reading:
    count = ctx.held_before + int(ctx.would_hold)
    return Reading(Decimal(count), count)


# The reader of each measure (plain functions, so each runs only when a check asks for it).
READERS: Final[dict[Measure, Callable[[CheckContext], Reading]]] = {
    Measure.SYSTOLIC_BP: partial(_vital, "systolic_bp"),
    Measure.SPO2: partial(_vital, "spo2"),
    Measure.HEART_RATE: partial(_vital, "heart_rate"),
    Measure.NOT_ALERT: _not_alert,
    Measure.FOBT_POSITIVE: _fobt_positive,
    Measure.WEIGHT_GAIN_PCT: _weight_gain_pct,
    Measure.URINE_OUTPUT_ML: _urine_output_ml,
    Measure.CREATININE: partial(_lab, LabTest.CREATININE),
    Measure.OXYGEN_FLOW: _oxygen_flow,
    Measure.PLATELETS: partial(_lab, LabTest.PLATELETS),
    Measure.BILIRUBIN: partial(_lab, LabTest.BILIRUBIN),
    Measure.BICARBONATE: partial(_lab, LabTest.BICARBONATE),
    Measure.PHENYLEPHRINE: _phenylephrine,
    Measure.OTHER_VASOPRESSOR: _other_vasopressor,
    Measure.HOLD_CRITERIA_MET: _hold_criteria_met,
    Measure.HELD_DOSES_IN_CYCLE: _held_doses,
}


def check_context(
    record: PatientRecord,
    *,
    at: datetime,
    dose_at: datetime,
    cycle: int,
    dose_number: int,
    settings: PrecheckSettings,
) -> CheckContext:
    """Gather the data of one check. Vitals count only when taken no more than
    ``vitals_max_age_minutes`` before the dose (or before now, when the dose is late) [S8]."""
    candidates = [v for v in record.vitals if v.taken_at <= at]
    latest = max(candidates, key=lambda v: v.taken_at, default=None)
    oldest_allowed = max(at, dose_at) - timedelta(minutes=settings.vitals_max_age_minutes)
    if latest is None:
        note = "no vitals recorded"
    elif latest.taken_at < oldest_allowed:
        minutes, taken = settings.vitals_max_age_minutes, latest.taken_at.isoformat()
        note = f"latest vitals ({taken}) are older than {minutes} min before the dose"
    else:
        note = ""
    held = sum(
        1
        for dose in record.doses
        if dose.cycle == cycle and dose.number != dose_number and dose.status is DoseStatus.HELD
    )
    return CheckContext(
        record=record,
        at=at,
        settings=settings,
        vitals=None if note else latest,
        vitals_note=note,
        vitals_at=None if latest is None else latest.taken_at,
        events=active_events(record.events, at),
        held_before=held,
    )
