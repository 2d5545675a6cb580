"""The rule profile: every threshold and window a site may change, with a name and version.

clinical-rules.md marks some values **project default**; they, and the pre-dose criteria table
of §4, live here rather than in the rule modules, so a site can change them without a code
change. Every result carries ``profile_name`` and ``profile_version``. The JSON form
(``to_dict``/``from_dict``, in :mod:`therapy.rules.codec`) is what the database stores.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final

from patients.news2 import DEFAULT_FREQUENCY_POLICY, News2FrequencyPolicy, OxygenDevice
from therapy.rules.codec import decode, encode
from therapy.rules.errors import ErrorCollector, ProfileError
from therapy.rules.inputs import EventCode, MedicationCategory

DEFAULT_PROFILE_NAME: Final = "label-2024+consensus-2014"
DEFAULT_PROFILE_VERSION: Final = "1"


class Action(StrEnum):
    HOLD = "hold"
    DISCONTINUE = "discontinue"


class CriterionCode(StrEnum):
    """The codes of clinical-rules.md §4, as the precheck and the hold API name them."""

    SBP_LT_90 = "sbp_lt_90"
    SPO2_LT_90 = "spo2_lt_90"
    MENTAL_STATUS_CHANGE = "mental_status_change"
    ARRHYTHMIA = "arrhythmia"
    FOBT_POSITIVE = "fobt_positive"
    HR_100_130 = "hr_100_130"
    HR_GT_130 = "hr_gt_130"
    WEIGHT_GAIN_GT_15PCT = "weight_gain_gt_15pct"
    URINE_80_160_PER_8H = "urine_80_160_per_8h"
    URINE_LT_80_PER_8H = "urine_lt_80_per_8h"
    CREATININE_2_5_TO_2_9 = "creatinine_2_5_to_2_9"
    CREATININE_GE_3 = "creatinine_ge_3"
    OXYGEN_3_TO_4_L = "oxygen_3_to_4_l"
    OXYGEN_GT_4_L = "oxygen_gt_4_l"
    PLATELETS_30_TO_50 = "platelets_30_to_50"
    PLATELETS_LT_30 = "platelets_lt_30"
    BILIRUBIN_GT_7 = "bilirubin_gt_7"
    BICARBONATE_LE_18 = "bicarbonate_le_18"
    PHENYLEPHRINE_AT_DOSE = "phenylephrine_at_dose"
    VASOPRESSOR_AT_DOSE = "vasopressor_at_dose"  # (v2)
    INFECTION = "infection"
    PERMANENT_STOP_EVENT = "permanent_stop_event"
    THREE_RELATIVE_CRITERIA = "three_relative_criteria"
    THREE_HELD_DOSES = "three_held_doses"


class Measure(StrEnum):
    """What a criterion's bounds are compared with. Flag measures are yes/no and take no
    bounds; the two composite measures are counted after the other criteria."""

    SYSTOLIC_BP = "systolic_bp"
    SPO2 = "spo2"
    HEART_RATE = "heart_rate"
    NOT_ALERT = "consciousness_not_alert"
    FOBT_POSITIVE = "fobt_positive"
    WEIGHT_GAIN_PCT = "weight_gain_pct"
    URINE_OUTPUT_ML = "urine_output_ml"
    CREATININE = "creatinine_mg_dl"
    OXYGEN_FLOW = "oxygen_flow_l_min"
    PLATELETS = "platelets_10e3_ul"
    BILIRUBIN = "bilirubin_mg_dl"
    BICARBONATE = "bicarbonate_mmol_l"
    PHENYLEPHRINE = "phenylephrine_ug_kg_min"
    # (v2) Any vasopressor but phenylephrine running at dose time (yes/no).
    OTHER_VASOPRESSOR = "vasopressor_other_than_phenylephrine"
    HOLD_CRITERIA_MET = "hold_criteria_met"
    HELD_DOSES_IN_CYCLE = "held_doses_in_cycle"


FLAG_MEASURES: Final = frozenset(
    {Measure.NOT_ALERT, Measure.FOBT_POSITIVE, Measure.OTHER_VASOPRESSOR}
)

# Which measure each criterion reads; None: events only. Fixed by the code, not the profile.
MEASURE_BY_CODE: Final[dict[CriterionCode, Measure | None]] = {
    CriterionCode.SBP_LT_90: Measure.SYSTOLIC_BP,
    CriterionCode.SPO2_LT_90: Measure.SPO2,
    CriterionCode.MENTAL_STATUS_CHANGE: Measure.NOT_ALERT,
    CriterionCode.ARRHYTHMIA: None,
    CriterionCode.FOBT_POSITIVE: Measure.FOBT_POSITIVE,
    CriterionCode.HR_100_130: Measure.HEART_RATE,
    CriterionCode.HR_GT_130: Measure.HEART_RATE,
    CriterionCode.WEIGHT_GAIN_GT_15PCT: Measure.WEIGHT_GAIN_PCT,
    CriterionCode.URINE_80_160_PER_8H: Measure.URINE_OUTPUT_ML,
    CriterionCode.URINE_LT_80_PER_8H: Measure.URINE_OUTPUT_ML,
    CriterionCode.CREATININE_2_5_TO_2_9: Measure.CREATININE,
    CriterionCode.CREATININE_GE_3: Measure.CREATININE,
    CriterionCode.OXYGEN_3_TO_4_L: Measure.OXYGEN_FLOW,
    CriterionCode.OXYGEN_GT_4_L: Measure.OXYGEN_FLOW,
    CriterionCode.PLATELETS_30_TO_50: Measure.PLATELETS,
    CriterionCode.PLATELETS_LT_30: Measure.PLATELETS,
    CriterionCode.BILIRUBIN_GT_7: Measure.BILIRUBIN,
    CriterionCode.BICARBONATE_LE_18: Measure.BICARBONATE,
    CriterionCode.PHENYLEPHRINE_AT_DOSE: Measure.PHENYLEPHRINE,
    CriterionCode.VASOPRESSOR_AT_DOSE: Measure.OTHER_VASOPRESSOR,
    CriterionCode.INFECTION: None,
    CriterionCode.PERMANENT_STOP_EVENT: None,
    CriterionCode.THREE_RELATIVE_CRITERIA: Measure.HOLD_CRITERIA_MET,
    CriterionCode.THREE_HELD_DOSES: Measure.HELD_DOSES_IN_CYCLE,
}


def _positive(errors: ErrorCollector, obj: object, *names: str) -> None:
    for name in names:
        value = getattr(obj, name)
        if isinstance(value, (int, Decimal)) and not isinstance(value, bool) and value <= 0:
            errors.add(name, "must be positive")


@dataclass(frozen=True)
class Criterion:
    """One row of the pre-dose criteria table. It is met when an active event of the
    admission is in ``events``, the oxygen device is in ``devices``, or its measure lies
    within the bounds (``low``/``high``, each inclusive or not; ``None`` is unbounded)."""

    code: CriterionCode
    action: Action
    source: str
    enabled: bool = True
    low: Decimal | None = None
    low_inclusive: bool = True
    high: Decimal | None = None
    high_inclusive: bool = True
    events: tuple[EventCode, ...] = ()
    devices: tuple[OxygenDevice, ...] = ()

    def __post_init__(self) -> None:
        errors = ErrorCollector()
        measure = MEASURE_BY_CODE.get(self.code)
        bounded = self.low is not None or self.high is not None
        if measure is None or measure in FLAG_MEASURES:
            if bounded:
                errors.add("low", f"{self.code} takes no bounds")
            if measure is None and not self.events:
                errors.add("events", f"{self.code} needs at least one event")
        elif not bounded:
            errors.add("low", f"{self.code} needs a low or a high bound")
        if self.low is not None and self.high is not None and self.low > self.high:
            errors.add("high", "must not be below low")
        if not isinstance(self.source, str) or not self.source.strip():
            errors.add("source", "must name the source")
        errors.raise_if_any(ProfileError)

    @property
    def measure(self) -> Measure | None:
        return MEASURE_BY_CODE[self.code]

    def contains(self, value: Decimal) -> bool:
        """Whether a measured value lies within this criterion's bounds."""
        low, high = self.low, self.high
        if low is not None and (value < low or (value == low and not self.low_inclusive)):
            return False
        return high is None or value < high or (value == high and self.high_inclusive)


@dataclass(frozen=True)
class CrsSettings:
    """ASTCT 2019 grading [S13], with the project defaults of clinical-rules.md §2."""

    fever_c: Decimal
    fever_window_hours: int
    masking_window_hours: int
    masking_categories: tuple[MedicationCategory, ...]
    hypotension_sbp_below: int

    def __post_init__(self) -> None:
        errors = ErrorCollector()
        _positive(errors, self, "fever_c", "fever_window_hours", "masking_window_hours")
        _positive(errors, self, "hypotension_sbp_below")
        errors.raise_if_any(ProfileError)


@dataclass(frozen=True)
class VlsSettings:
    """Vascular leak signs and composite, clinical-rules.md §3."""

    lookback_hours: int
    hypotension_sbp_below: int
    weight_gain_pct: Decimal
    urine_window_hours: int
    urine_min_recorded_hours: int
    urine_below_ml: Decimal
    urine_below_ml_kg_h: Decimal
    hypoxia_spo2_below: int
    hypoxia_oxygen_from_l_min: Decimal
    creatinine_ratio_from: Decimal
    creatinine_from_mg_dl: Decimal
    albumin_below_g_dl: Decimal
    edema_grade_from: int
    suspected_min_other_signs: int
    critical_min_other_signs: int
    critical_vasopressor_min_other_signs: int

    def __post_init__(self) -> None:
        errors = ErrorCollector()
        _positive(errors, self, *(f.name for f in fields(self)))
        if self.urine_min_recorded_hours > self.urine_window_hours:
            errors.add("urine_min_recorded_hours", "must not exceed urine_window_hours")
        errors.raise_if_any(ProfileError)


@dataclass(frozen=True)
class AkiCreatinineStage:
    """One row of the KDIGO creatinine table [S18]: creatinine at least ``ratio_from`` times
    the baseline reaches ``stage``."""

    ratio_from: Decimal
    stage: int


@dataclass(frozen=True)
class AkiUrineStage:
    """One row of the KDIGO urine table [S18]: urine below ``below_ml_kg_h`` averaged over the
    last ``window_hours``, all of them charted, reaches ``stage``."""

    below_ml_kg_h: Decimal
    window_hours: int
    stage: int


AKI_STAGES: Final = (1, 2, 3)


@dataclass(frozen=True)
class AkiSettings:
    """Acute kidney injury, KDIGO 2012 [S18] (clinical-rules.md §3a (v2))."""

    baseline_window_hours: int
    creatinine_max_age_hours: int
    creatinine_stages: tuple[AkiCreatinineStage, ...]
    rise_from_mg_dl: Decimal
    rise_window_hours: int
    rise_stage: int
    absolute_from_mg_dl: Decimal
    absolute_stage: int
    urine_stages: tuple[AkiUrineStage, ...]
    urine_max_lag_hours: int
    anuria_window_hours: int
    anuria_stage: int
    events: tuple[EventCode, ...]
    events_stage: int

    def __post_init__(self) -> None:
        errors = ErrorCollector()
        scalars = [f.name for f in fields(self) if f.name not in _AKI_TABLES]
        _positive(errors, self, *scalars)
        stages = {
            name: getattr(self, name)
            for name in ("rise_stage", "absolute_stage", "anuria_stage", "events_stage")
        }
        # A row's errors are named by its place in the table, as its stage's are.
        for index, row in enumerate(self.creatinine_stages):
            row_errors = ErrorCollector()
            _positive(row_errors, row, "ratio_from")
            errors.merge(f"creatinine_stages[{index}]", row_errors.errors)
            stages[f"creatinine_stages[{index}].stage"] = row.stage
        for index, urine in enumerate(self.urine_stages):
            row_errors = ErrorCollector()
            _positive(row_errors, urine, "below_ml_kg_h", "window_hours")
            errors.merge(f"urine_stages[{index}]", row_errors.errors)
            stages[f"urine_stages[{index}].stage"] = urine.stage
        for name, stage in stages.items():
            if stage not in AKI_STAGES:
                errors.add(name, "must be a KDIGO stage: 1, 2 or 3")
        if not self.creatinine_stages:
            errors.add("creatinine_stages", "needs at least one row")
        errors.raise_if_any(ProfileError)


# The AKI table fields (checked row by row) and event codes: not positive numbers.
_AKI_TABLES: Final = frozenset({"creatinine_stages", "urine_stages", "events"})


@dataclass(frozen=True)
class PrecheckSettings:
    """Pre-dose check, clinical-rules.md §4: data windows and the criteria table."""

    vitals_max_age_minutes: int
    lab_max_age_hours: int
    weight_max_age_hours: int
    fluid_window_hours: int
    urine_min_recorded_hours: int
    # (v2) For a patient on SpO2 scale 2, ``spo2_lt_90`` holds below this instead of its
    # own bound: the lower end of the prescribed 88-92 % target (project default) [S15].
    spo2_scale_2_below: int
    criteria: tuple[Criterion, ...]

    def __post_init__(self) -> None:
        errors = ErrorCollector()
        _positive(errors, self, "vitals_max_age_minutes", "lab_max_age_hours")
        _positive(errors, self, "spo2_scale_2_below")
        if isinstance(self.spo2_scale_2_below, int) and self.spo2_scale_2_below > 100:
            errors.add("spo2_scale_2_below", "must be at most 100 %")
        _positive(errors, self, "weight_max_age_hours", "fluid_window_hours")
        _positive(errors, self, "urine_min_recorded_hours")
        if self.urine_min_recorded_hours > self.fluid_window_hours:
            errors.add("urine_min_recorded_hours", "must not exceed fluid_window_hours")
        absent = [code.value for code in CriterionCode if code not in self.criteria_codes]
        if absent:
            # A site turns a criterion off with enabled=false, never by leaving it out.
            errors.add("criteria", "missing criteria: " + ", ".join(absent))
        errors.raise_if_any(ProfileError)

    @property
    def criteria_codes(self) -> frozenset[CriterionCode]:
        return frozenset(c.code for c in self.criteria)


# Upper limits of the dosing settings: beyond them a value is a typing error, not a site's
# choice, and the times they bound stay far inside what a datetime can hold.
_DOSING_CAPS: Final = {
    "min_dose_iu_per_kg": 1_000_000,  # decision: above every published regimen (600-720k) [S1]
    "max_dose_iu_per_kg": 1_000_000,
    "min_hours_between_doses": 24,  # as the longest interval a course may have
    "late_entry_max_minutes": 24 * 60,
    "course_start_max_past_hours": 7 * 24,
    "course_start_max_ahead_days": 366,
    "cycle_2_max_days_after_cycle_1": 366,
}


@dataclass(frozen=True)
class DosingSettings:
    """Dose bounds (clinical-rules.md §5) and the timing of dose decisions and of a course's
    start (§4 (v2)). Times are checked against the moment the server records a decision."""

    min_dose_iu_per_kg: int
    max_dose_iu_per_kg: int
    min_hours_between_doses: int
    late_entry_max_minutes: int
    course_start_max_past_hours: int
    course_start_max_ahead_days: int
    cycle_2_max_days_after_cycle_1: int

    def __post_init__(self) -> None:
        errors = ErrorCollector()
        _positive(errors, self, *_DOSING_CAPS)
        for name, cap in _DOSING_CAPS.items():
            value = getattr(self, name)
            if isinstance(value, int) and value > cap:
                errors.add(name, f"must be at most {cap}")
        if not errors.errors and self.min_dose_iu_per_kg > self.max_dose_iu_per_kg:
            errors.add("min_dose_iu_per_kg", "must not exceed max_dose_iu_per_kg")
        errors.raise_if_any(ProfileError)


@dataclass(frozen=True)
class MonitoringSettings:
    """The monitoring schedule and alert lifecycle of clinical-rules.md §6 (v2): the close
    watch (hourly vitals on a vasopressor or at CRS grade >= 3), the pre-dose vitals reminder,
    and what stops alerts flapping (how long and how often a condition must be seen absent,
    and how soon after resolving a finding reopens the same alert)."""

    close_watch_vitals_minutes: int
    close_watch_crs_grade_from: int
    predose_vitals_window_minutes: int
    predose_vitals_urgent_minutes: int
    resolve_min_absent_minutes: int
    resolve_absent_evaluations: int
    reopen_within_minutes: int

    def __post_init__(self) -> None:
        errors = ErrorCollector()
        _positive(errors, self, *(f.name for f in fields(self)))
        if self.predose_vitals_urgent_minutes > self.predose_vitals_window_minutes:
            errors.add("predose_vitals_urgent_minutes", "must not exceed the window")
        errors.raise_if_any(ProfileError)


class TrendSeries(StrEnum):
    """The series of clinical-rules.md §7 whose projection may raise ``trend``."""

    SYSTOLIC_BP = "systolic_bp"
    NEWS2 = "news2_total"
    WEIGHT_GAIN_PCT = "weight_gain_pct"
    CREATININE = "creatinine_mg_dl"
    URINE_PER_SHIFT = "urine_ml_per_shift"


class Direction(StrEnum):
    """Which way a series must move to cross its threshold."""

    FALLING = "falling"
    RISING = "rising"


@dataclass(frozen=True)
class TrendLine:
    """One row of the §7 table: the window a series is fitted over, how much of it the points
    must span, and the crossing that raises ``trend``: the projected value beyond
    ``threshold`` (``inclusive``: reaching it counts), or, when set, a rise of ``rise_by`` over
    the current value, or reaching ``baseline_ratio`` times the baseline."""

    series: TrendSeries
    source: str
    direction: Direction
    threshold: Decimal
    inclusive: bool
    window_hours: int
    min_span_hours: int
    min_points: int
    enabled: bool = True
    rise_by: Decimal | None = None
    baseline_ratio: Decimal | None = None

    def __post_init__(self) -> None:
        errors = ErrorCollector()
        _positive(errors, self, "window_hours", "min_span_hours", "rise_by", "baseline_ratio")
        if isinstance(self.min_points, int) and self.min_points < 2:
            errors.add("min_points", "a line needs at least 2 points")
        if (
            isinstance(self.min_span_hours, int)
            and isinstance(self.window_hours, int)
            and self.min_span_hours > self.window_hours
        ):
            errors.add("min_span_hours", "must not exceed window_hours")
        if not isinstance(self.source, str) or not self.source.strip():
            errors.add("source", "must name the source")
        errors.raise_if_any(ProfileError)

    def beyond(self, value: Decimal) -> bool:
        """Whether ``value`` lies past the threshold in this line's direction."""
        if value == self.threshold:
            return self.inclusive
        return (value < self.threshold) == (self.direction is Direction.FALLING)


@dataclass(frozen=True)
class TrendSettings:
    """Trend warnings, clinical-rules.md §7 (v2, project defaults): the projection's horizon
    and the shifts urine is totalled over, and one line per series."""

    min_lead_minutes: int
    horizon_without_dose_hours: int
    shift_first_start_hour: int
    shift_hours: int
    lines: tuple[TrendLine, ...]

    def __post_init__(self) -> None:
        errors = ErrorCollector()
        _positive(errors, self, "min_lead_minutes", "horizon_without_dose_hours", "shift_hours")
        if isinstance(self.shift_first_start_hour, int) and not (
            0 <= self.shift_first_start_hour < 24
        ):
            errors.add("shift_first_start_hour", "must be an hour of the day, 0-23")
        if isinstance(self.shift_hours, int) and self.shift_hours > 0 and 24 % self.shift_hours:
            errors.add("shift_hours", "must divide the day (shifts repeat daily)")
        series = [line.series for line in self.lines]
        absent = [s.value for s in TrendSeries if s not in series]
        if absent:
            # A site turns a series off with enabled=false, never by leaving it out.
            errors.add("lines", "missing series: " + ", ".join(absent))
        if len(set(series)) != len(series):
            errors.add("lines", "one line per series")
        errors.raise_if_any(ProfileError)

    def line(self, series: TrendSeries) -> TrendLine:
        return next(line for line in self.lines if line.series is series)


@dataclass(frozen=True)
class RuleProfile:
    name: str
    version: str
    news2: News2FrequencyPolicy
    crs: CrsSettings
    vls: VlsSettings
    aki: AkiSettings
    precheck: PrecheckSettings
    dosing: DosingSettings
    monitoring: MonitoringSettings
    trends: TrendSettings

    def __post_init__(self) -> None:
        errors = ErrorCollector()
        for name in ("name", "version"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                errors.add(name, "must not be blank")
        errors.raise_if_any(ProfileError)

    def to_dict(self) -> dict[str, Any]:
        encoded: dict[str, Any] = encode(self)
        return encoded

    @classmethod
    def from_dict(cls, data: object) -> RuleProfile:
        """Build a profile from its JSON form. Unknown, missing or ill-typed keys, and values
        no rule can use, raise :class:`ProfileError` naming every one by its dotted path."""
        return decode(cls, data)


_D = Decimal
_MASKS_AND_POSITIVE_PRESSURE: Final = (
    OxygenDevice.SIMPLE_FACE_MASK,
    OxygenDevice.VENTURI_MASK,
    OxygenDevice.NON_REBREATHER_MASK,
    OxygenDevice.CPAP,
    OxygenDevice.BIPAP,
    OxygenDevice.MECHANICAL_VENTILATION,
)
_PERMANENT_STOP_EVENTS: Final = (
    EventCode.SUSTAINED_VT,
    EventCode.UNCONTROLLED_ARRHYTHMIA,
    EventCode.ISCHEMIA,
    EventCode.CARDIAC_TAMPONADE,
    EventCode.INTUBATION,
    EventCode.DIALYSIS,
    EventCode.COMA,
    EventCode.SEIZURES,
    EventCode.BOWEL_PERFORATION,
    EventCode.GI_BLEED_SURGERY,
)


def _default_criteria() -> tuple[Criterion, ...]:
    """clinical-rules.md §4, row by row. Where the spec writes a closed range that meets the
    next row ("2.5-2.9" then ">= 3.0"), the hold row runs up to, not including, that bound."""
    c, hold, stop = CriterionCode, Action.HOLD, Action.DISCONTINUE
    return (
        Criterion(c.SBP_LT_90, hold, "label [S1]", high=_D(90), high_inclusive=False),
        Criterion(c.SPO2_LT_90, hold, "label [S1]", high=_D(90), high_inclusive=False),
        Criterion(
            c.MENTAL_STATUS_CHANGE, hold, "label [S1]", events=(EventCode.MENTAL_STATUS_CHANGE,)
        ),
        Criterion(
            c.ARRHYTHMIA,
            hold,
            "label [S1]",
            events=(EventCode.ATRIAL_FIBRILLATION, EventCode.SVT, EventCode.BRADYCARDIA),
        ),
        Criterion(c.FOBT_POSITIVE, hold, "label [S1]"),
        Criterion(c.HR_100_130, hold, "consensus [S6]", low=_D(100), high=_D(130)),
        Criterion(c.HR_GT_130, stop, "consensus [S6]", low=_D(130), low_inclusive=False),
        Criterion(c.WEIGHT_GAIN_GT_15PCT, hold, "[S6], [S7]", low=_D(15), low_inclusive=False),
        Criterion(c.URINE_80_160_PER_8H, hold, "[S6]", low=_D(80), high=_D(160)),
        Criterion(c.URINE_LT_80_PER_8H, stop, "[S6]", high=_D(80), high_inclusive=False),
        Criterion(
            c.CREATININE_2_5_TO_2_9,
            hold,
            "[S6], [S8]",
            low=_D("2.5"),
            high=_D("3.0"),
            high_inclusive=False,
        ),
        Criterion(c.CREATININE_GE_3, stop, "[S6]", low=_D("3.0")),
        Criterion(c.OXYGEN_3_TO_4_L, hold, "[S6]", low=_D(3), high=_D(4)),
        Criterion(
            c.OXYGEN_GT_4_L,
            stop,
            "[S6]",
            low=_D(4),
            low_inclusive=False,
            devices=_MASKS_AND_POSITIVE_PRESSURE,
        ),
        Criterion(c.PLATELETS_30_TO_50, hold, "[S6]", low=_D(30), high=_D(50)),
        Criterion(c.PLATELETS_LT_30, stop, "[S6]", high=_D(30), high_inclusive=False),
        Criterion(c.BILIRUBIN_GT_7, hold, "[S6]", low=_D(7), low_inclusive=False),
        Criterion(c.BICARBONATE_LE_18, stop, "[S6]", high=_D(18)),
        # Phenylephrine at dose time: > 0.5 hold, > 0.8 ug/kg/min discontinue [S6].
        Criterion(
            c.PHENYLEPHRINE_AT_DOSE,
            hold,
            "[S6]",
            low=_D("0.5"),
            low_inclusive=False,
            high=_D("0.8"),
        ),
        Criterion(c.PHENYLEPHRINE_AT_DOSE, stop, "[S6]", low=_D("0.8"), low_inclusive=False),
        Criterion(c.INFECTION, stop, "[S6]", events=(EventCode.INFECTION_SUSPECTED,)),
        Criterion(c.PERMANENT_STOP_EVENT, stop, "label [S1], [S2]", events=_PERMANENT_STOP_EVENTS),
        # Optional site rules of one community hospital [S7], off by default.
        Criterion(c.THREE_RELATIVE_CRITERIA, stop, "[S7]", enabled=False, low=_D(3)),
        Criterion(c.THREE_HELD_DOSES, stop, "[S7]", enabled=False, low=_D(3)),
        # (v2) Any other vasopressor running at dose time: hold (project default); a site may
        # make the action discontinue [S6] table 2, [S7], [S8]. Last, where migration 0012
        # adds it to a stored profile.
        Criterion(c.VASOPRESSOR_AT_DOSE, hold, "[S6] table 2, [S7], [S8]"),
    )


def _default_trend_lines() -> tuple[TrendLine, ...]:
    """clinical-rules.md §7, row by row (v2, project defaults); each threshold is the hold
    criterion of §4 it would cross (or AKI stage 1, §3a)."""
    t, fall, rise = TrendSeries, Direction.FALLING, Direction.RISING
    return (
        # SBP < 90 mmHg (§4 sbp_lt_90, label [S1]); charted at least 2-hourly [S9].
        TrendLine(t.SYSTOLIC_BP, "label [S1]; §7", fall, _D(90), False, 12, 4, 3),
        # NEWS2 >= 5 (the medium band, 1-hourly [S15]), or a rise of 3 points at any level.
        TrendLine(t.NEWS2, "[S15]; §7", rise, _D(5), True, 12, 4, 3, rise_by=_D(3)),
        # Weight > 15 % over baseline (§4, [S6], [S7]); daily weights [S9].
        TrendLine(t.WEIGHT_GAIN_PCT, "[S6], [S7]; §7", rise, _D(15), False, 72, 24, 3),
        # Creatinine >= 2.5 mg/dL (§4, [S6], [S8]) or >= 1.5 x baseline (KDIGO 1 [S18]).
        TrendLine(
            t.CREATININE,
            "[S6], [S8], [S18]; §7",
            rise,
            _D("2.5"),
            True,
            72,
            24,
            3,
            baseline_ratio=_D("1.5"),
        ),
        # Urine <= 160 mL per 8 h shift (§4 urine_80_160_per_8h, [S6]); 3 complete shifts.
        TrendLine(t.URINE_PER_SHIFT, "[S6]; §7", fall, _D(160), True, 24, 16, 3),
    )


def default_profile() -> RuleProfile:
    """The default profile ``label-2024+consensus-2014`` (clinical-rules.md §1-§5)."""
    return RuleProfile(
        name=DEFAULT_PROFILE_NAME,
        version=DEFAULT_PROFILE_VERSION,
        news2=DEFAULT_FREQUENCY_POLICY,  # NEWS2 1-4: 4 h, >= 7: 15 min; project defaults [S15]
        crs=CrsSettings(
            fever_c=_D("38.0"),  # [S13]
            fever_window_hours=24,  # project default
            masking_window_hours=24,  # project default
            masking_categories=(  # antipyretic/anticytokine therapy, steroids [S13]
                MedicationCategory.ANTIPYRETIC,
                MedicationCategory.ANTICYTOKINE,
                MedicationCategory.CORTICOSTEROID,
            ),
            hypotension_sbp_below=90,  # project default; ASTCT leaves it open [S13]
        ),
        vls=VlsSettings(
            lookback_hours=24,  # decision (spec silent): as the labs of §4
            hypotension_sbp_below=90,  # label [S1]
            weight_gain_pct=_D(5),  # CTCAE v5 weight gain grade 1 [S11]
            urine_window_hours=8,  # [S6], [S8]
            urine_min_recorded_hours=8,  # §3: at least 8 h of recorded output
            urine_below_ml=_D(80),  # < 80 mL in 8 h [S6]
            urine_below_ml_kg_h=_D("0.5"),  # < 0.5 mL/kg/h over 8 h [S8]
            hypoxia_spo2_below=90,  # [S1]
            hypoxia_oxygen_from_l_min=_D(3),  # >= 3 L/min [S6]
            creatinine_ratio_from=_D("1.5"),  # >= 1.5 x baseline [S11]
            creatinine_from_mg_dl=_D("2.5"),  # >= 2.5 mg/dL [S6]
            albumin_below_g_dl=_D("3.0"),  # < 3.0 g/dL [S11]
            edema_grade_from=2,  # [S11]
            suspected_min_other_signs=1,  # project default composite
            critical_min_other_signs=3,  # project default composite
            critical_vasopressor_min_other_signs=1,  # project default composite
        ),
        aki=AkiSettings(
            baseline_window_hours=7 * 24,  # KDIGO: lowest within the prior 7 days [S18]
            creatinine_max_age_hours=24,  # decision (spec silent): as the labs of §4
            creatinine_stages=(  # x baseline: 1.5-1.9 -> 1, 2.0-2.9 -> 2, >= 3.0 -> 3 [S18]
                AkiCreatinineStage(ratio_from=_D("1.5"), stage=1),
                AkiCreatinineStage(ratio_from=_D("2.0"), stage=2),
                AkiCreatinineStage(ratio_from=_D("3.0"), stage=3),
            ),
            rise_from_mg_dl=_D("0.3"),  # a rise >= 0.3 mg/dL within 48 h: stage 1 [S18]
            rise_window_hours=48,
            rise_stage=1,
            absolute_from_mg_dl=_D("4.0"),  # >= 4.0 mg/dL: stage 3 [S18]
            absolute_stage=3,
            urine_stages=(  # < 0.5 mL/kg/h 6 h -> 1, 12 h -> 2; < 0.3 mL/kg/h 24 h -> 3 [S18]
                AkiUrineStage(below_ml_kg_h=_D("0.5"), window_hours=6, stage=1),
                AkiUrineStage(below_ml_kg_h=_D("0.5"), window_hours=12, stage=2),
                AkiUrineStage(below_ml_kg_h=_D("0.3"), window_hours=24, stage=3),
            ),
            # Decision (spec silent): the urine windows end where the charted output ends, if
            # that is no more than one 8 h shift before the evaluation (output is charted
            # after it is measured: a window ending "now" is never wholly charted).
            urine_max_lag_hours=8,
            anuria_window_hours=12,  # anuria for >= 12 h: stage 3 [S18]
            anuria_stage=3,
            events=(EventCode.DIALYSIS,),  # renal replacement therapy started: stage 3 [S18]
            events_stage=3,
        ),
        precheck=PrecheckSettings(
            vitals_max_age_minutes=120,  # no older than 2 h before the dose [S8]
            lab_max_age_hours=24,  # §4: labs within 24 h
            weight_max_age_hours=24,  # decision (spec silent): daily weights [S9]
            fluid_window_hours=8,  # §4: fluids over the last 8 h [S6]
            urine_min_recorded_hours=8,  # as §3: no urine verdict on a part-charted window
            spo2_scale_2_below=88,  # §4 (v2) project default: lower bound of 88-92 % [S15]
            criteria=_default_criteria(),
        ),
        dosing=DosingSettings(
            # The label dose, and no lower: the label recommends no dose reduction, toxicity
            # is managed by withholding doses [S1] 2.4. A site may lower the minimum.
            min_dose_iu_per_kg=600_000,
            max_dose_iu_per_kg=600_000,  # the label dose [S1]
            min_hours_between_doses=7,  # §4 (v2) project default for the q8h regimen [S1]
            late_entry_max_minutes=60,  # §4 (v2) project default: late documentation
            course_start_max_past_hours=24,  # §4 (v2) project default
            course_start_max_ahead_days=30,  # §4 (v2) project default
            # Decision (spec silent): cycle 2 is day 15 [S1]; up to two more weeks of delay.
            cycle_2_max_days_after_cycle_1=28,
        ),
        monitoring=MonitoringSettings(
            close_watch_vitals_minutes=60,  # §6 (v2): hourly on a pressor or CRS >= 3 [S10]
            close_watch_crs_grade_from=3,  # §6 (v2): CRS grade 3 means a vasopressor [S13]
            predose_vitals_window_minutes=120,  # §6 (v2): the pre-check window (§4) [S8]
            predose_vitals_urgent_minutes=30,  # §6 (v2): urgent from 30 min before the dose
            resolve_min_absent_minutes=120,  # §6 (v2) project default: absent >= 2 h
            resolve_absent_evaluations=2,  # §6 (v2): two consecutive evaluations, new data
            reopen_within_minutes=360,  # §6 (v2): found again within 6 h reopens the alert
        ),
        trends=TrendSettings(
            min_lead_minutes=30,  # §7: the next dose at least 30 min away
            horizon_without_dose_hours=8,  # §7: 8 h ahead when no dose is scheduled
            shift_first_start_hour=6,  # §7 project default: shifts 06:00, 14:00, 22:00
            shift_hours=8,  # §7: 8 h shifts, as the fluid balance (§6) [S9]
            lines=_default_trend_lines(),
        ),
    )


DEFAULT_PROFILE: Final = default_profile()
