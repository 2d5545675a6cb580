"""Cytokine release syndrome grade, ASTCT 2019 consensus [S13] (clinical-rules.md §2).

Read from the vitals of the preceding ``fever_window_hours`` (the latest set gives hypotension
and hypoxia; any set gives fever) and the supportive medications of the masking window.
Organ toxicity does not change an ASTCT grade [S13], so it is not read. Vitals or medications
that could not be used (``PatientRecord.skipped``) are named in ``skipped``: the grade is then
what the usable records prove.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Final

from patients.news2 import Ladder, OxygenDevice, round_temperature
from therapy.rules.inputs import (
    PatientRecord,
    SkippedRecord,
    Vasopressor,
    VasopressorAgent,
    contract_value,
    skipped_dicts,
)
from therapy.rules.profile import DEFAULT_PROFILE, RuleProfile
from therapy.rules.windows import vitals_between

# Hypotension grade by number of vasopressors running, first match wins [S13]: two or more
# not counting vasopressin -> 4; one, with or without vasopressin (vasopressin alone counts
# as one) -> 3.
PRESSOR_GRADE_BY_MIN_COUNT: Final = ((2, 4), (1, 3))
HYPOTENSION_WITHOUT_PRESSOR_GRADE: Final = 2  # hypotension not requiring vasopressors [S13]

# Hypoxia grade by oxygen device [S13]; nasal cannula is graded by flow below.
HYPOXIA_GRADE_BY_DEVICE: Final[dict[OxygenDevice, int]] = {
    OxygenDevice.ROOM_AIR: 0,
    OxygenDevice.BLOW_BY: 2,
    OxygenDevice.HIGH_FLOW_NASAL_CANNULA: 3,
    OxygenDevice.SIMPLE_FACE_MASK: 3,
    OxygenDevice.NON_REBREATHER_MASK: 3,
    OxygenDevice.VENTURI_MASK: 3,
    OxygenDevice.CPAP: 4,
    OxygenDevice.BIPAP: 4,
    OxygenDevice.MECHANICAL_VENTILATION: 4,
}
# Nasal cannula: low flow <= 6 L/min -> 2; high flow > 6 L/min -> 3 [S13].
NASAL_CANNULA_GRADE_BY_FLOW: Final = Ladder(((Decimal(6), 2),), above=3)
FEVER_ONLY_GRADE: Final = 1  # fever without hypotension or hypoxia [S13]
COMFORT_OXYGEN_GRADE: Final = 0  # (v2) oxygen for comfort only is not hypoxia [S13 cancercalc]
# The kinds of record the grade reads: a skipped one of these is named in the evidence.
READS: Final = ("vitals", "vasopressors", "medications")


def pressor_count(vasopressors: Iterable[Vasopressor]) -> int:
    """Vasopressors counted the ASTCT way: distinct agents running, vasopressin not counted
    unless it runs alone. Each ``other`` entry is taken to be a different drug."""
    running = [v.agent for v in vasopressors if v.running]
    named = {a for a in running if a not in (VasopressorAgent.VASOPRESSIN, VasopressorAgent.OTHER)}
    count = len(named) + running.count(VasopressorAgent.OTHER)
    return count or int(VasopressorAgent.VASOPRESSIN in running)


def hypotension_grade(
    systolic_bp: int | None, vasopressors: Iterable[Vasopressor], *, sbp_below: int
) -> int | None:
    """4/3 by vasopressors running; else 2 when SBP is below the threshold; ``None`` when
    there is neither a vasopressor nor an SBP to judge by."""
    count = pressor_count(vasopressors)
    for min_count, grade in PRESSOR_GRADE_BY_MIN_COUNT:
        if count >= min_count:
            return grade
    if systolic_bp is None:
        return None
    return HYPOTENSION_WITHOUT_PRESSOR_GRADE if systolic_bp < sbp_below else 0


def hypoxia_grade(device: OxygenDevice | None, flow_l_min: Decimal | None) -> int | None:
    """Grade by device; a nasal cannula with no flow recorded is at least low flow (2)."""
    if device is None:
        return None
    device = OxygenDevice(device)
    if device is OxygenDevice.NASAL_CANNULA:
        low_flow = NASAL_CANNULA_GRADE_BY_FLOW.steps[0][1]
        return low_flow if flow_l_min is None else NASAL_CANNULA_GRADE_BY_FLOW.score(flow_l_min)
    return HYPOXIA_GRADE_BY_DEVICE[device]


@dataclass(frozen=True)
class CrsResult:
    """``grade`` is ``None`` only when no vitals were taken in the window. With inputs
    missing (listed in ``missing``) it is the grade the recorded data prove, a lower bound."""

    grade: int | None
    fever: bool
    fever_masked: bool
    hypotension_grade: int | None
    hypoxia_grade: int | None
    max_temperature_c: Decimal | None
    as_of: datetime | None
    reasons: tuple[str, ...]
    missing: tuple[str, ...]
    profile_name: str
    profile_version: str
    skipped: tuple[SkippedRecord, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The contract's ``crs`` summary object, plus reasons, missing inputs and profile."""
        return {
            "grade": self.grade,
            "fever": self.fever,
            "fever_masked": self.fever_masked,
            "hypotension_grade": self.hypotension_grade,
            "hypoxia_grade": self.hypoxia_grade,
            "as_of": contract_value(self.as_of),
            "max_temperature_c": contract_value(self.max_temperature_c),
            "reasons": list(self.reasons),
            "missing": list(self.missing),
            "profile_name": self.profile_name,
            "profile_version": self.profile_version,
            "skipped": skipped_dicts(self.skipped),
        }


def crs_assess(
    record: PatientRecord, *, at: datetime, profile: RuleProfile = DEFAULT_PROFILE
) -> CrsResult:
    settings = profile.crs
    window = vitals_between(record.vitals, at - timedelta(hours=settings.fever_window_hours), at)
    masking_since = at - timedelta(hours=settings.masking_window_hours)
    masking = sorted(
        (m for m in record.medications if masking_since <= m.administered_at <= at),
        key=lambda m: m.administered_at,
    )
    masked = any(m.category in settings.masking_categories for m in masking)
    versions: dict[str, Any] = {
        "profile_name": profile.name,
        "profile_version": profile.version,
        "skipped": record.skipped_of(*READS),
    }
    if not window:
        hours = settings.fever_window_hours
        return CrsResult(
            grade=None,
            fever=False,
            fever_masked=masked,
            hypotension_grade=None,
            hypoxia_grade=None,
            max_temperature_c=None,
            as_of=None,
            reasons=(f"No vital signs in the preceding {hours} h: CRS cannot be graded.",),
            missing=("vitals",),
            **versions,
        )

    latest = window[-1]
    temperatures = [v.temperature_c for v in window if v.temperature_c is not None]
    max_temperature = max(map(round_temperature, temperatures), default=None)
    fever = max_temperature is not None and max_temperature >= settings.fever_c
    reasons: list[str] = []
    missing: list[str] = []
    if max_temperature is None:
        missing.append("temperature_c")
        reasons.append("No temperature recorded in the window.")
    else:
        verdict = "fever" if fever else "no fever"
        reasons.append(
            f"Highest temperature {max_temperature} °C ({verdict}, ≥ {settings.fever_c})."
        )
    for medication in masking:
        if medication.category in settings.masking_categories:
            when = medication.administered_at.isoformat()
            reasons.append(f"Fever masked: {medication.category} given at {when}.")

    hypotension = hypotension_grade(
        latest.systolic_bp, latest.vasopressors, sbp_below=settings.hypotension_sbp_below
    )
    pressors = ", ".join(v.agent for v in latest.running_vasopressors) or "none"
    if hypotension is None:
        missing.append("systolic_bp")
        reasons.append("No SBP in the latest set and no vasopressor running.")
    else:
        reasons.append(
            f"SBP {latest.systolic_bp} mmHg (< {settings.hypotension_sbp_below} is hypotension), "
            f"vasopressors: {pressors}: hypotension grade {hypotension}."
        )
    hypoxia = hypoxia_grade(latest.oxygen_device, latest.oxygen_flow_l_min)
    comfort = latest.oxygen_for_comfort and hypoxia is not None
    if comfort:
        # (v2) Oxygen given only for comfort is not hypoxia [S13 cancercalc]; NEWS2 still
        # scores it (air_or_oxygen), CRS does not.
        hypoxia = COMFORT_OXYGEN_GRADE
    if hypoxia is None:
        missing.append("oxygen_device")
        reasons.append("No oxygen device recorded in the latest set.")
    else:
        flow = latest.oxygen_flow_l_min
        if latest.oxygen_device is OxygenDevice.NASAL_CANNULA and flow is None:
            missing.append("oxygen_flow_l_min")
        shown_flow = "" if flow is None else f" at {flow} L/min"
        purpose = " for comfort only (not hypoxia)" if comfort else ""
        reasons.append(
            f"Oxygen: {latest.oxygen_device}{shown_flow}{purpose}: hypoxia grade {hypoxia}."
        )

    organ_grade = max(hypotension or 0, hypoxia or 0)
    if not (fever or masked):
        grade = 0
        reasons.append("No fever and no masking medication: grade 0 (ASTCT requires fever).")
    elif organ_grade:
        grade = organ_grade
    else:
        grade = FEVER_ONLY_GRADE if fever else 0
    return CrsResult(
        grade=grade,
        fever=fever,
        fever_masked=masked,
        hypotension_grade=hypotension,
        hypoxia_grade=hypoxia,
        max_temperature_c=max_temperature,
        as_of=latest.taken_at,
        reasons=tuple(reasons),
        missing=tuple(missing),
        **versions,
    )
