"""Pre-dose check (hold criteria), clinical-rules.md §4.

Every enabled criterion of the profile is evaluated and reported as ``met``, ``not_met`` or
``not_assessable`` (with the reason), so a criterion that lacked data never passes unnoticed.
Recommendation: ``discontinue`` if any met criterion says so; else ``hold`` if any says hold;
else ``insufficient_data`` when the vitals are stale or missing; else ``give``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final

from therapy.rules.inputs import PatientRecord, SkippedRecord, contract_value, skipped_dicts
from therapy.rules.monitoring import PRECHECK_WINDOW
from therapy.rules.profile import (
    DEFAULT_PROFILE,
    FLAG_MEASURES,
    Action,
    Criterion,
    CriterionCode,
    Measure,
    PrecheckSettings,
    RuleProfile,
)
from therapy.rules.readings import CheckContext, check_context


class Recommendation(StrEnum):
    GIVE = "give"
    INSUFFICIENT_DATA = "insufficient_data"
    HOLD = "hold"
    DISCONTINUE = "discontinue"


class CriterionStatus(StrEnum):
    MET = "met"
    NOT_MET = "not_met"
    NOT_ASSESSABLE = "not_assessable"


# Severity order of the recommendations, lowest first (§4).
SEVERITY: Final = (
    Recommendation.GIVE,
    Recommendation.INSUFFICIENT_DATA,
    Recommendation.HOLD,
    Recommendation.DISCONTINUE,
)
RECOMMENDATION_BY_ACTION: Final = {
    Action.HOLD: Recommendation.HOLD,
    Action.DISCONTINUE: Recommendation.DISCONTINUE,
}
# The kinds of record the criteria read: a skipped one of these is named in the result.
READS: Final = ("vitals", "vasopressors", "fluids", "labs", "events", "doses", "baseline")
# The composite criteria are counted after the others, in this order (§4, [S7]).
COMPOSITE_PHASES: Final = (Measure.HOLD_CRITERIA_MET, Measure.HELD_DOSES_IN_CYCLE)

_LABELS: Final = {
    Measure.SYSTOLIC_BP: "SBP {} mmHg",
    Measure.SPO2: "SpO2 {} %",
    Measure.HEART_RATE: "heart rate {} /min",
    Measure.NOT_ALERT: "consciousness not alert",
    Measure.FOBT_POSITIVE: "FOBT positive",
    Measure.WEIGHT_GAIN_PCT: "weight gain {} % over baseline",
    Measure.URINE_OUTPUT_ML: "urine output {} mL in the last {hours} h",
    Measure.CREATININE: "creatinine {} mg/dL",
    Measure.OXYGEN_FLOW: "oxygen {} L/min",
    Measure.PLATELETS: "platelets {} x10^3/µL",
    Measure.BILIRUBIN: "bilirubin {} mg/dL",
    Measure.BICARBONATE: "bicarbonate {} mmol/L",
    Measure.PHENYLEPHRINE: "phenylephrine {} µg/kg/min at dose time",
    Measure.OTHER_VASOPRESSOR: "a vasopressor other than phenylephrine running at dose time",
    Measure.HOLD_CRITERIA_MET: "{} hold criteria met at once",
    Measure.HELD_DOSES_IN_CYCLE: "{} held doses in the cycle, counting this one",
}


def severity(recommendation: Recommendation) -> int:
    return SEVERITY.index(recommendation)


def describe(criterion: Criterion, *, fluid_window_hours: int) -> str:
    """The criterion's threshold in words, from the profile's own values."""
    parts: list[str] = []
    measure = criterion.measure
    if measure is not None:
        low, high = criterion.low, criterion.high
        if low is not None and high is not None:
            if criterion.low_inclusive and criterion.high_inclusive:
                bounds = f"{low}-{high}"
            else:
                bounds = f"{'≥' if criterion.low_inclusive else '>'} {low} and "
                bounds += f"{'≤' if criterion.high_inclusive else '<'} {high}"
        elif low is not None:
            bounds = f"{'≥' if criterion.low_inclusive else '>'} {low}"
        else:
            bounds = f"{'≤' if criterion.high_inclusive else '<'} {high}"
        parts.append(_LABELS[measure].format(bounds, hours=fluid_window_hours))
    if criterion.devices:
        parts.append("device " + ", ".join(criterion.devices))
    if criterion.events:
        parts.append("event " + ", ".join(criterion.events))
    return ", or ".join(parts)


@dataclass(frozen=True)
class Finding:
    code: CriterionCode
    action: Action
    status: CriterionStatus
    value: Any
    threshold: str
    source: str
    note: str
    as_of: datetime | None

    def to_dict(self) -> dict[str, Any]:
        """The contract's criterion object, plus status, note and as_of."""
        return {
            "code": self.code.value,
            "action": self.action.value,
            "value": contract_value(self.value),
            "threshold": self.threshold,
            "source": self.source,
            "status": self.status.value,
            "note": self.note,
            "as_of": contract_value(self.as_of),
        }


@dataclass(frozen=True)
class PrecheckResult:
    recommendation: Recommendation
    findings: tuple[Finding, ...]
    vitals_stale: bool
    vitals_at: datetime | None
    vitals_note: str
    data_as_of: datetime | None
    checked_at: datetime
    scheduled_at: datetime
    cycle: int
    dose_number: int
    profile_name: str
    profile_version: str
    skipped: tuple[SkippedRecord, ...] = ()
    # A provisional check also says what the picture of now would mean were the dose due now
    # (the same criteria over the data recorded by ``checked_at``): "would hold: SBP 83".
    current_picture: PrecheckResult | None = None

    def _with(self, status: CriterionStatus) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.status is status)

    @property
    def criteria(self) -> tuple[Finding, ...]:
        """The criteria met: the contract's ``criteria``."""
        return self._with(CriterionStatus.MET)

    @property
    def not_assessed(self) -> tuple[Finding, ...]:
        return self._with(CriterionStatus.NOT_ASSESSABLE)

    @property
    def hold_reasons(self) -> tuple[str, ...]:
        """Codes of the criteria met, once each, for ``POST /doses/{id}/hold/``."""
        return tuple(dict.fromkeys(f.code.value for f in self.criteria))

    @property
    def final_at(self) -> datetime:
        """When a check of this dose becomes final: the dose time minus 2 h (§4 (v2))."""
        return self.scheduled_at - PRECHECK_WINDOW

    @property
    def provisional(self) -> bool:
        """Made before the dose's window opened: the picture may still change (§4 (v2))."""
        return self.checked_at < self.final_at

    def to_dict(self) -> dict[str, Any]:
        return {
            "recommendation": self.recommendation.value,
            "provisional": self.provisional,
            "final_at": contract_value(self.final_at),
            "criteria": [f.to_dict() for f in self.criteria],
            "not_assessed": [f.to_dict() for f in self.not_assessed],
            "not_met": [f.to_dict() for f in self._with(CriterionStatus.NOT_MET)],
            "data_as_of": contract_value(self.data_as_of),
            "vitals_stale": self.vitals_stale,
            "vitals_at": contract_value(self.vitals_at),
            "vitals_note": self.vitals_note,
            "checked_at": contract_value(self.checked_at),
            "scheduled_at": contract_value(self.scheduled_at),
            "cycle": self.cycle,
            "dose_number": self.dose_number,
            "profile_name": self.profile_name,
            "profile_version": self.profile_version,
            "skipped": skipped_dicts(self.skipped),
            "current_picture": self.current_picture.picture_dict()
            if self.current_picture is not None
            else None,
        }

    def picture_dict(self) -> dict[str, Any]:
        """What the current picture would mean: its recommendation, the criteria met and the
        criteria it cannot assess yet (the data still needed)."""
        return {
            "recommendation": self.recommendation.value,
            "criteria": [f.to_dict() for f in self.criteria],
            "not_assessed": [f.to_dict() for f in self.not_assessed],
            "vitals_stale": self.vitals_stale,
            "vitals_note": self.vitals_note,
            "as_of": contract_value(self.checked_at),
        }


# (v2) Criteria whose upper bound a patient on SpO2 scale 2 replaces by a setting (§4).
SCALE_2_BOUNDS: Final = {CriterionCode.SPO2_LT_90: "spo2_scale_2_below"}
SCALE_2_NOTE: Final = " (SpO2 scale 2)"


def for_patient(
    criterion: Criterion, record: PatientRecord, settings: PrecheckSettings
) -> Criterion:
    """The criterion as it applies to this patient: on SpO2 scale 2, ``spo2_lt_90`` holds
    below ``spo2_scale_2_below`` (88 %, the prescribed target's lower bound) [S15]."""
    setting = SCALE_2_BOUNDS.get(criterion.code)
    if setting is None or record.baseline.spo2_scale != 2:
        return criterion
    bound = Decimal(getattr(settings, setting))
    return replace(criterion, high=bound, high_inclusive=False)


def _evaluate(criterion: Criterion, ctx: CheckContext) -> Finding:
    threshold = describe(criterion, fluid_window_hours=ctx.settings.fluid_window_hours)
    if criterion.code in SCALE_2_BOUNDS and ctx.record.baseline.spo2_scale == 2:
        threshold += SCALE_2_NOTE

    def finding(
        status: CriterionStatus, value: Any, at: datetime | None, note: str = ""
    ) -> Finding:
        return Finding(
            criterion.code, criterion.action, status, value, threshold, criterion.source, note, at
        )

    hits = [event for event in ctx.events if event.code in criterion.events]
    if hits:
        return finding(CriterionStatus.MET, ", ".join(e.code for e in hits), hits[-1].observed_at)
    device = None if ctx.vitals is None else ctx.vitals.oxygen_device
    if device is not None and device in criterion.devices:
        return finding(CriterionStatus.MET, device.value, ctx.vitals_at)
    measure = criterion.measure
    if measure is None:
        return finding(CriterionStatus.NOT_MET, None, None)
    reading = ctx.read(measure)
    if reading.value is None:
        return finding(CriterionStatus.NOT_ASSESSABLE, None, None, reading.note)
    if measure in FLAG_MEASURES:
        met = reading.value is True
    else:
        met = not isinstance(reading.value, bool) and criterion.contains(reading.value)
    status = CriterionStatus.MET if met else CriterionStatus.NOT_MET
    return finding(status, reading.shown, reading.at)


def strongest_action(findings: tuple[Finding, ...] | list[Finding]) -> Recommendation:
    """What the criteria met ask for: discontinue over hold over give."""
    actions = [
        RECOMMENDATION_BY_ACTION[f.action] for f in findings if f.status is CriterionStatus.MET
    ]
    return max(actions, key=severity, default=Recommendation.GIVE)


def recommend(
    findings: tuple[Finding, ...] | list[Finding], *, vitals_stale: bool
) -> Recommendation:
    """§4: discontinue, else hold, else insufficient_data when vitals are stale, else give."""
    by_criteria = strongest_action(findings)
    if vitals_stale and by_criteria is Recommendation.GIVE:
        return Recommendation.INSUFFICIENT_DATA
    return by_criteria


def precheck_dose(
    record: PatientRecord,
    *,
    cycle: int,
    dose_number: int,
    scheduled_at: datetime,
    at: datetime,
    profile: RuleProfile = DEFAULT_PROFILE,
) -> PrecheckResult:
    """Check one scheduled dose at time ``at`` (before the dose, and again at administration)."""
    settings = profile.precheck
    ctx = check_context(
        record, at=at, dose_at=scheduled_at, cycle=cycle, dose_number=dose_number, settings=settings
    )
    stale = ctx.vitals is None
    enabled = [for_patient(c, record, settings) for c in settings.criteria if c.enabled]
    findings = [_evaluate(c, ctx) for c in enabled if c.measure not in COMPOSITE_PHASES]
    for phase in COMPOSITE_PHASES:
        held = {
            f.code for f in findings if f.status is CriterionStatus.MET and f.action is Action.HOLD
        }
        ctx.hold_codes_met = len(held)
        ctx.would_hold = strongest_action(findings) is Recommendation.HOLD
        findings += [_evaluate(c, ctx) for c in enabled if c.measure is phase]
    times = [f.as_of for f in findings if f.as_of is not None]
    if ctx.vitals_at is not None:
        times.append(ctx.vitals_at)
    provisional = at < scheduled_at - PRECHECK_WINDOW
    picture = (
        precheck_dose(
            record,
            cycle=cycle,
            dose_number=dose_number,
            scheduled_at=at,
            at=at,
            profile=profile,
        )
        if provisional
        else None
    )
    return PrecheckResult(
        current_picture=picture,
        recommendation=recommend(findings, vitals_stale=stale),
        findings=tuple(findings),
        vitals_stale=stale,
        vitals_at=ctx.vitals_at,
        vitals_note=ctx.vitals_note,
        data_as_of=max(times, default=None),
        checked_at=at,
        scheduled_at=scheduled_at,
        cycle=cycle,
        dose_number=dose_number,
        profile_name=profile.name,
        profile_version=profile.version,
        skipped=(*record.skipped_of(*READS), *ctx.skipped),
    )
