"""NEWS2, the Royal College of Physicians' National Early Warning Score 2 (2017).

Pure Python: no Django, no import from ``therapy`` (therapy may import this module, never the
reverse). The scoring is exact and not configurable (clinical-rules.md §1); only the two
minimum-observation intervals the project chose where RCP gives a range or says "continuous"
are a policy (:class:`News2FrequencyPolicy`), carried by the therapy rule profile.

Every threshold names its source tag from clinical-reference.md: [S15] is the RCP chart set.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any, Final

ALGORITHM_VERSION: Final = "news2-rcp-2017"


class OxygenDevice(StrEnum):
    """How oxygen is given (api-contract.md, vital signs); ``room_air`` means none."""

    ROOM_AIR = "room_air"
    BLOW_BY = "blow_by"
    NASAL_CANNULA = "nasal_cannula"
    HIGH_FLOW_NASAL_CANNULA = "high_flow_nasal_cannula"
    SIMPLE_FACE_MASK = "simple_face_mask"
    VENTURI_MASK = "venturi_mask"
    NON_REBREATHER_MASK = "non_rebreather_mask"
    CPAP = "cpap"
    BIPAP = "bipap"
    MECHANICAL_VENTILATION = "mechanical_ventilation"


class Consciousness(StrEnum):
    """ACVPU (api-contract.md); anything but ``alert`` scores 3 [S15]."""

    ALERT = "alert"
    NEW_CONFUSION = "new_confusion"
    VOICE = "voice"
    PAIN = "pain"
    UNRESPONSIVE = "unresponsive"


class Band(StrEnum):
    """Clinical risk band, with the contract's names (RCP Chart 3 wording [S15])."""

    LOW = "low"
    LOW_MEDIUM = "low_medium"
    MEDIUM = "medium"
    HIGH = "high"


@dataclass(frozen=True)
class Ladder:
    """A scoring row of Chart 1: ``steps`` are (inclusive upper bound, score), ascending;
    a value above the last bound scores ``above``."""

    steps: tuple[tuple[Decimal, int], ...]
    above: int

    def score(self, value: Decimal) -> int:
        for upper, points in self.steps:
            if value <= upper:
                return points
        return self.above


D = Decimal
# Chart 1 [S15]; the comment on each row is the chart's own wording.
RESPIRATORY_RATE: Final = Ladder(((D(8), 3), (D(11), 1), (D(20), 0), (D(24), 2)), above=3)
# ≤8 → 3; 9-11 → 1; 12-20 → 0; 21-24 → 2; ≥25 → 3
SPO2_SCALE_1: Final = Ladder(((D(91), 3), (D(93), 2), (D(95), 1)), above=0)
# ≤91 → 3; 92-93 → 2; 94-95 → 1; ≥96 → 0
SPO2_SCALE_2_ON_AIR: Final = Ladder(((D(83), 3), (D(85), 2), (D(87), 1)), above=0)
# ≤83 → 3; 84-85 → 2; 86-87 → 1; 88-92 → 0 and ≥93 on air → 0
SPO2_SCALE_2_ON_OXYGEN: Final = Ladder(
    ((D(83), 3), (D(85), 2), (D(87), 1), (D(92), 0), (D(94), 1), (D(96), 2)), above=3
)
# ≤83 → 3; 84-85 → 2; 86-87 → 1; 88-92 → 0; 93-94 → 1; 95-96 → 2; ≥97 on oxygen → 3
SYSTOLIC_BP: Final = Ladder(((D(90), 3), (D(100), 2), (D(110), 1), (D(219), 0)), above=3)
# ≤90 → 3; 91-100 → 2; 101-110 → 1; 111-219 → 0; ≥220 → 3
HEART_RATE: Final = Ladder(((D(40), 3), (D(50), 1), (D(90), 0), (D(110), 1), (D(130), 2)), above=3)
# ≤40 → 3; 41-50 → 1; 51-90 → 0; 91-110 → 1; 111-130 → 2; ≥131 → 3
TEMPERATURE: Final = Ladder(
    ((D("35.0"), 3), (D("36.0"), 1), (D("38.0"), 0), (D("39.0"), 1)), above=2
)
# ≤35.0 → 3; 35.1-36.0 → 1; 36.1-38.0 → 0; 38.1-39.0 → 1; ≥39.1 → 2 (one decimal, §1)
AIR_SCORE: Final = 0  # "Air" [S15]
OXYGEN_SCORE: Final = 2  # "Oxygen": any device but room air [S15]
ALERT_SCORE: Final = 0  # "Alert" [S15]
NOT_ALERT_SCORE: Final = 3  # C, V, P or U [S15]
RED_SCORE: Final = 3  # a single parameter scoring 3 is a "red score" [S15 Chart 3]

# Band by total, first match wins (RCP Chart 3 [S15]); below these, a red score gives
# low_medium, else low.
BAND_BY_MIN_TOTAL: Final = ((7, Band.HIGH), (5, Band.MEDIUM))

# The seven inputs, by the vitals field that supplies each, in Chart 1 order.
INPUT_FIELDS: Final = (
    "respiratory_rate",
    "spo2",
    "oxygen_device",
    "systolic_bp",
    "heart_rate",
    "consciousness",
    "temperature_c",
)
SPO2_SCALES: Final = (1, 2)

ZERO_TOTAL_INTERVAL_MINUTES: Final = 720  # total 0 → 12-hourly [S15 Chart 4]
URGENT_INTERVAL_MINUTES: Final = 60  # red score, or total 5-6 → 1-hourly [S15 Chart 4]


@dataclass(frozen=True)
class News2FrequencyPolicy:
    """The two minimum-observation intervals the project chose (clinical-rules.md §1).

    RCP Chart 4 [S15] says 4-6-hourly for totals 1-4 and "continuous" for 7 or more; the
    project defaults are 4 h and every 15 min, changeable per site through the rule profile.
    The other rows of Chart 4 (0 → 12 h, red score or 5-6 → 1 h) are fixed.
    """

    low_total_interval_minutes: int = 240  # total 1-4: project default, RCP 4-6 h [S15]
    high_total_interval_minutes: int = 15  # total ≥ 7: project default for "continuous" [S15]

    def __post_init__(self) -> None:
        low, high = self.low_total_interval_minutes, self.high_total_interval_minutes
        if type(low) is not int or type(high) is not int:
            raise ValueError("NEWS2 observation intervals must be whole minutes.")
        # Keep Chart 4's order: a higher score is never observed less often.
        if not URGENT_INTERVAL_MINUTES <= low <= ZERO_TOTAL_INTERVAL_MINUTES:
            raise ValueError(
                "low_total_interval_minutes must be between "
                f"{URGENT_INTERVAL_MINUTES} and {ZERO_TOTAL_INTERVAL_MINUTES} minutes."
            )
        if not 0 < high <= URGENT_INTERVAL_MINUTES:
            raise ValueError(
                f"high_total_interval_minutes must be between 1 and {URGENT_INTERVAL_MINUTES}."
            )


DEFAULT_FREQUENCY_POLICY: Final = News2FrequencyPolicy()


@dataclass(frozen=True)
class News2Inputs:
    """One vital-signs set as NEWS2 reads it; ``None`` means not measured."""

    respiratory_rate: int | None = None
    spo2: int | None = None
    oxygen_device: OxygenDevice | None = None
    systolic_bp: int | None = None
    heart_rate: int | None = None
    consciousness: Consciousness | None = None
    temperature_c: Decimal | None = None

    def __post_init__(self) -> None:
        # Accept the contract's plain strings and numbers; store the typed values.
        if self.oxygen_device is not None:
            object.__setattr__(self, "oxygen_device", OxygenDevice(self.oxygen_device))
        if self.consciousness is not None:
            object.__setattr__(self, "consciousness", Consciousness(self.consciousness))
        if self.temperature_c is not None:
            object.__setattr__(self, "temperature_c", Decimal(str(self.temperature_c)))

    def missing(self) -> tuple[str, ...]:
        return tuple(name for name in INPUT_FIELDS if getattr(self, name) is None)


@dataclass(frozen=True)
class News2Result:
    """Subscores of the inputs present; total, band and interval only for a complete set."""

    subscores: dict[str, int]
    missing: tuple[str, ...]
    red_flag: bool
    total: int | None
    band: Band | None
    minimum_observation_interval: timedelta | None
    spo2_scale: int
    algorithm_version: str = field(default=ALGORITHM_VERSION)

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def continuous_monitoring(self) -> bool:
        return self.band is Band.HIGH

    def to_dict(self) -> dict[str, Any]:
        """The contract's ``news2`` object, plus the missing inputs and the interval."""
        interval = self.minimum_observation_interval
        return {
            "total": self.total,
            "band": None if self.band is None else self.band.value,
            "red_flag": self.red_flag,
            "subscores": dict(self.subscores),
            "algorithm_version": self.algorithm_version,
            "missing": list(self.missing),
            "spo2_scale": self.spo2_scale,
            "minimum_observation_interval_minutes": (
                None if interval is None else int(interval.total_seconds()) // 60
            ),
            "continuous_monitoring": self.continuous_monitoring,
        }

    def contract_fields(self) -> dict[str, Any]:
        """``{"news2": ..., "news2_missing": [...]}`` as a stored vitals set returns them:
        ``news2`` is null when any of the seven inputs is absent."""
        return {
            "news2": self.to_dict() if self.complete else None,
            "news2_missing": list(self.missing),
        }


def round_temperature(value: Decimal) -> Decimal:
    """Temperature is scored on its value to one decimal, half up (clinical-rules.md §1)."""
    return Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _spo2_ladder(scale: int, device: OxygenDevice | None) -> Ladder | None:
    """Scale 1; or scale 2 on air or on oxygen, which needs the device (None without it)."""
    if scale == 1:
        return SPO2_SCALE_1
    if device is None:
        return None
    return SPO2_SCALE_2_ON_AIR if device is OxygenDevice.ROOM_AIR else SPO2_SCALE_2_ON_OXYGEN


def subscores_of(inputs: News2Inputs, *, spo2_scale: int = 1) -> dict[str, int]:
    """The subscore of every parameter whose inputs are present, keyed as in the contract.

    On scale 2 the SpO2 subscore depends on air or oxygen, so it needs ``oxygen_device``.
    """
    if spo2_scale not in SPO2_SCALES:
        raise ValueError(f"spo2_scale must be 1 or 2, not {spo2_scale!r}.")
    scores: dict[str, int] = {}
    if inputs.respiratory_rate is not None:
        scores["respiratory_rate"] = RESPIRATORY_RATE.score(Decimal(inputs.respiratory_rate))
    device = inputs.oxygen_device
    spo2_ladder = _spo2_ladder(spo2_scale, device)
    if inputs.spo2 is not None and spo2_ladder is not None:
        scores["spo2"] = spo2_ladder.score(Decimal(inputs.spo2))
    if device is not None:
        scores["air_or_oxygen"] = AIR_SCORE if device is OxygenDevice.ROOM_AIR else OXYGEN_SCORE
    if inputs.systolic_bp is not None:
        scores["systolic_bp"] = SYSTOLIC_BP.score(Decimal(inputs.systolic_bp))
    if inputs.heart_rate is not None:
        scores["heart_rate"] = HEART_RATE.score(Decimal(inputs.heart_rate))
    if inputs.consciousness is not None:
        alert = inputs.consciousness is Consciousness.ALERT
        scores["consciousness"] = ALERT_SCORE if alert else NOT_ALERT_SCORE
    if inputs.temperature_c is not None:
        scores["temperature"] = TEMPERATURE.score(round_temperature(inputs.temperature_c))
    return scores


def band_for(total: int, *, red_flag: bool) -> Band:
    """``high`` ≥ 7; ``medium`` 5-6; ``low_medium`` ≤ 4 with a red score; else ``low``."""
    for min_total, band in BAND_BY_MIN_TOTAL:
        if total >= min_total:
            return band
    return Band.LOW_MEDIUM if red_flag else Band.LOW


def minimum_observation_interval(
    total: int, *, red_flag: bool, policy: News2FrequencyPolicy = DEFAULT_FREQUENCY_POLICY
) -> timedelta:
    """Chart 4 [S15]: the longest a patient with this result may go without observations."""
    band = band_for(total, red_flag=red_flag)
    minutes_by_band = {
        Band.HIGH: policy.high_total_interval_minutes,
        Band.MEDIUM: URGENT_INTERVAL_MINUTES,
        Band.LOW_MEDIUM: URGENT_INTERVAL_MINUTES,
        Band.LOW: policy.low_total_interval_minutes if total else ZERO_TOTAL_INTERVAL_MINUTES,
    }
    return timedelta(minutes=minutes_by_band[band])


def news2_score(
    inputs: News2Inputs,
    *,
    spo2_scale: int = 1,
    policy: News2FrequencyPolicy = DEFAULT_FREQUENCY_POLICY,
) -> News2Result:
    """Score one vital-signs set. A set missing any input gets no total, band or interval,
    but keeps the subscores it has (a present 3 still raises ``red_flag``)."""
    scores = subscores_of(inputs, spo2_scale=spo2_scale)
    missing = inputs.missing()
    red_flag = RED_SCORE in scores.values()
    if missing:
        return News2Result(scores, missing, red_flag, None, None, None, spo2_scale)
    total = sum(scores.values())
    return News2Result(
        subscores=scores,
        missing=(),
        red_flag=red_flag,
        total=total,
        band=band_for(total, red_flag=red_flag),
        minimum_observation_interval=minimum_observation_interval(
            total, red_flag=red_flag, policy=policy
        ),
        spo2_scale=spo2_scale,
    )
