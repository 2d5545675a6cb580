"""Acute kidney injury, KDIGO 2012 [S18] (clinical-rules.md §3a (v2)).

IL-2's capillary leak often shows in the kidneys first, with a normal blood pressure: VLS (§3)
needs hypotension, so renal decline has a rule of its own. Each criterion of the KDIGO table is
reported with its value, threshold and status (``met``, ``not_met``, ``not_assessable``: missing
data is never read as absent); the stage is the highest any met criterion reaches.

- Baseline creatinine: the lower of the patient's recorded baseline and the lowest result of
  the ``baseline_window_hours`` (7 days) up to the evaluation.
- Creatinine criteria read the latest result (no older than ``creatinine_max_age_hours``):
  its ratio to the baseline (table ``creatinine_stages``), its rise over the lowest result of
  the ``rise_window_hours`` before it, and its absolute value.
- Urine criteria (table ``urine_stages``, and anuria) need charted output covering the whole
  window; mL/kg/h uses the course's dosing weight, else the baseline weight. The windows end
  where the newest charted urine output ends, when that is no more than
  ``urine_max_lag_hours`` before the evaluation (else at the evaluation): output is charted
  after it is measured, so a window ending at the evaluation is never wholly charted.
- An event of ``events`` (dialysis) in force at the evaluation sets its stage.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any, Final

from therapy.rules.inputs import (
    LabResult,
    LabTest,
    PatientRecord,
    SkippedRecord,
    contract_value,
    skipped_dicts,
)
from therapy.rules.profile import DEFAULT_PROFILE, AkiSettings, AkiUrineStage, RuleProfile
from therapy.rules.windows import MIN_FLUID_PERIOD, active_events, urine_output

# The kinds of record the criteria read: a skipped one of these is named in the evidence.
READS: Final = ("labs", "fluids", "events", "baseline")
RRT: Final = "renal_replacement"
_HUNDREDTH = Decimal("0.01")
_TENTH = Decimal("0.1")


class AkiStatus(StrEnum):
    MET = "met"
    NOT_MET = "not_met"
    NOT_ASSESSABLE = "not_assessable"


@dataclass(frozen=True)
class AkiCriterion:
    """One KDIGO criterion: ``stage`` is the stage it reaches (0 when not met, ``None`` when
    not assessable)."""

    code: str
    status: AkiStatus
    stage: int | None
    value: Any
    threshold: str
    note: str
    as_of: datetime | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "status": self.status.value,
            "stage": self.stage,
            "value": contract_value(self.value),
            "threshold": self.threshold,
            "note": self.note,
            "as_of": contract_value(self.as_of),
        }


@dataclass(frozen=True)
class AkiResult:
    """``stage`` is ``None`` when no criterion could be assessed; otherwise the highest stage
    any criterion reaches (0: none met; with criteria not assessable, a lower bound)."""

    stage: int | None
    criteria: tuple[AkiCriterion, ...]
    baseline_creatinine_mg_dl: Decimal | None
    weight_kg: Decimal
    as_of: datetime | None
    profile_name: str
    profile_version: str
    skipped: tuple[SkippedRecord, ...] = ()

    def codes(self, status: AkiStatus) -> tuple[str, ...]:
        return tuple(c.code for c in self.criteria if c.status is status)

    def to_dict(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "criteria": [criterion.to_dict() for criterion in self.criteria],
            "met": list(self.codes(AkiStatus.MET)),
            "not_assessable": list(self.codes(AkiStatus.NOT_ASSESSABLE)),
            "baseline_creatinine_mg_dl": contract_value(self.baseline_creatinine_mg_dl),
            "weight_kg": contract_value(self.weight_kg),
            "as_of": contract_value(self.as_of),
            "profile_name": self.profile_name,
            "profile_version": self.profile_version,
            "skipped": skipped_dicts(self.skipped),
        }


def _not_assessable(code: str, threshold: str, note: str) -> AkiCriterion:
    return AkiCriterion(code, AkiStatus.NOT_ASSESSABLE, None, None, threshold, note, None)


def _reached(
    code: str, stage: int, value: Any, threshold: str, at: datetime | None
) -> AkiCriterion:
    status = AkiStatus.MET if stage else AkiStatus.NOT_MET
    return AkiCriterion(code, status, stage, value, threshold, "", at)


def creatinine_results(record: PatientRecord, *, since: datetime, at: datetime) -> list[LabResult]:
    """Creatinine results in ``since``..``at``, oldest first."""
    return sorted(
        (
            lab
            for lab in record.labs
            if lab.test is LabTest.CREATININE and since <= lab.collected_at <= at
        ),
        key=lambda lab: lab.collected_at,
    )


def baseline_creatinine(record: PatientRecord, *, at: datetime, s: AkiSettings) -> Decimal | None:
    """The lower of the recorded baseline and the lowest result of the baseline window [S18]."""
    since = at - timedelta(hours=s.baseline_window_hours)
    values = [Decimal(lab.value) for lab in creatinine_results(record, since=since, at=at)]
    recorded = record.baseline.creatinine_mg_dl
    if recorded is not None:
        values.append(recorded)
    return min(values, default=None)


def creatinine_ratio_stage(ratio: Decimal, s: AkiSettings) -> int:
    """The highest stage of the creatinine table whose ratio the value reaches, else 0."""
    return max((row.stage for row in s.creatinine_stages if ratio >= row.ratio_from), default=0)


def _creatinine(
    record: PatientRecord, at: datetime, s: AkiSettings, baseline: Decimal | None
) -> list[AkiCriterion]:
    table = ", ".join(f"≥ {row.ratio_from} × → stage {row.stage}" for row in s.creatinine_stages)
    ratio_threshold = f"creatinine × baseline: {table}"
    rise_threshold = (
        f"a rise ≥ {s.rise_from_mg_dl} mg/dL within {s.rise_window_hours} h → stage {s.rise_stage}"
    )
    absolute_threshold = f"creatinine ≥ {s.absolute_from_mg_dl} mg/dL → stage {s.absolute_stage}"
    recent = creatinine_results(
        record, since=at - timedelta(hours=s.creatinine_max_age_hours), at=at
    )
    if not recent:
        note = f"no creatinine in the last {s.creatinine_max_age_hours} h"
        return [
            _not_assessable("creatinine_ratio", ratio_threshold, note),
            _not_assessable("creatinine_rise", rise_threshold, note),
            _not_assessable("creatinine_absolute", absolute_threshold, note),
        ]
    latest = recent[-1]
    value = Decimal(latest.value)
    when = latest.collected_at
    criteria: list[AkiCriterion] = []
    if baseline is None:
        criteria.append(_not_assessable("creatinine_ratio", ratio_threshold, "no baseline"))
    else:
        ratio = value / baseline
        shown = ratio.quantize(_HUNDREDTH, rounding=ROUND_HALF_UP)
        stage = creatinine_ratio_stage(ratio, s)
        found = _reached("creatinine_ratio", stage, shown, ratio_threshold, when)
        note = f"creatinine {value} mg/dL over baseline {baseline} mg/dL"
        criteria.append(replace(found, note=note))
    earlier = creatinine_results(record, since=when - timedelta(hours=s.rise_window_hours), at=when)
    lowest = min(Decimal(lab.value) for lab in earlier)  # the latest itself is among them
    rise = value - lowest
    rise_stage = s.rise_stage if rise >= s.rise_from_mg_dl else 0
    found = _reached("creatinine_rise", rise_stage, rise, rise_threshold, when)
    note = f"lowest {lowest} mg/dL in the {s.rise_window_hours} h before {value} mg/dL"
    criteria.append(replace(found, note=note))
    absolute_stage = s.absolute_stage if value >= s.absolute_from_mg_dl else 0
    criteria.append(
        _reached("creatinine_absolute", absolute_stage, value, absolute_threshold, when)
    )
    return criteria


def urine_windows_end(record: PatientRecord, *, at: datetime, s: AkiSettings) -> datetime:
    """Where the urine windows end: the end of the newest charted urine output within
    ``urine_max_lag_hours`` before ``at``, else ``at``."""
    since = at - timedelta(hours=s.urine_max_lag_hours)
    ends = [
        entry.period_end
        for entry in record.fluids
        if entry.is_urine_output
        and entry.period >= MIN_FLUID_PERIOD
        and since <= entry.period_end <= at
    ]
    return max(ends, default=at)


def _urine(
    record: PatientRecord, at: datetime, row: AkiUrineStage, weight: Decimal
) -> AkiCriterion:
    hours = row.window_hours
    threshold = f"urine < {row.below_ml_kg_h} mL/kg/h over the last {hours} h → stage {row.stage}"
    code = f"urine_{hours}h"
    output = urine_output(record.fluids, start=at - timedelta(hours=hours), end=at)
    if not output.assessable(hours):
        recorded = output.recorded_hours.quantize(_TENTH, rounding=ROUND_HALF_UP)
        note = f"only {recorded} h of the {hours} h to {at.isoformat()} charted: not assessable"
        return _not_assessable(code, threshold, note)
    rate = output.ml_per_kg_per_hour(weight)
    stage = row.stage if rate < row.below_ml_kg_h else 0
    shown = rate.quantize(_HUNDREDTH, rounding=ROUND_HALF_UP)
    found = _reached(code, stage, shown, threshold, output.last_recorded_at)
    note = f"{output.volume_ml.quantize(Decimal(1))} mL over {hours} h at {weight} kg"
    return replace(found, note=note)


def _anuria(record: PatientRecord, at: datetime, s: AkiSettings) -> AkiCriterion:
    hours = s.anuria_window_hours
    threshold = f"no urine (0 mL) over {hours} h of charted output → stage {s.anuria_stage}"
    output = urine_output(record.fluids, start=at - timedelta(hours=hours), end=at)
    if not output.assessable(hours):
        recorded = output.recorded_hours.quantize(_TENTH, rounding=ROUND_HALF_UP)
        note = f"only {recorded} h of the {hours} h to {at.isoformat()} charted: not assessable"
        return _not_assessable("anuria", threshold, note)
    stage = s.anuria_stage if output.volume_ml == 0 else 0
    volume = output.volume_ml.quantize(Decimal(1))
    return _reached("anuria", stage, volume, threshold, output.last_recorded_at)


def _events(record: PatientRecord, at: datetime, s: AkiSettings) -> AkiCriterion:
    codes = ", ".join(s.events)
    threshold = f"event {codes} → stage {s.events_stage}"
    hits = [event for event in active_events(record.events, at) if event.code in s.events]
    stage = s.events_stage if hits else 0
    when = hits[-1].observed_at if hits else None
    return _reached(RRT, stage, ", ".join(e.code for e in hits) or None, threshold, when)


def aki_assess(
    record: PatientRecord, *, at: datetime, profile: RuleProfile = DEFAULT_PROFILE
) -> AkiResult:
    s = profile.aki
    baseline = baseline_creatinine(record, at=at, s=s)
    weight = record.baseline.dosing_weight_kg or record.baseline.weight_kg
    urine_end = urine_windows_end(record, at=at, s=s)
    urine_skipped: list[SkippedRecord] = []
    for row in s.urine_stages:
        start = urine_end - timedelta(hours=row.window_hours)
        urine_skipped.extend(urine_output(record.fluids, start=start, end=urine_end).skipped)
    renal_replacement = _events(record, at, s)
    measured = (
        *_creatinine(record, at, s, baseline),
        *(_urine(record, urine_end, row, weight) for row in s.urine_stages),
        _anuria(record, urine_end, s),
    )
    criteria = (*measured, renal_replacement)
    # The event criterion is always known; alone, it says AKI only when met (no creatinine
    # and no charted urine is "not assessable", never stage 0).
    assessed = [c.stage for c in measured if c.stage is not None]
    if renal_replacement.stage:
        assessed.append(renal_replacement.stage)
    times = [c.as_of for c in criteria if c.as_of is not None]
    return AkiResult(
        stage=max(assessed, default=None),
        criteria=criteria,
        baseline_creatinine_mg_dl=baseline,
        weight_kg=weight,
        as_of=max(times, default=None),
        profile_name=profile.name,
        profile_version=profile.version,
        skipped=(*record.skipped_of(*READS), *urine_skipped),
    )
