"""NEWS2 (clinical-rules.md §1): both edges of every Chart 1 threshold, bands, intervals,
partial sets and the contract shape."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from patients.news2 import (
    ALGORITHM_VERSION,
    Band,
    News2FrequencyPolicy,
    News2Inputs,
    band_for,
    minimum_observation_interval,
    news2_score,
    round_temperature,
    subscores_of,
)

D = Decimal
NORMAL: dict[str, Any] = {
    "respiratory_rate": 16,
    "spo2": 97,
    "oxygen_device": "room_air",
    "systolic_bp": 120,
    "heart_rate": 80,
    "consciousness": "alert",
    "temperature_c": D("37.0"),
}


def inputs(**changes: Any) -> News2Inputs:
    return News2Inputs(**{**NORMAL, **changes})


def subscore(name: str, spo2_scale: int = 1, **changes: Any) -> int:
    return news2_score(inputs(**changes), spo2_scale=spo2_scale).subscores[name]


# (value, expected subscore): both edges of every band of Chart 1 [S15].
RESPIRATORY_RATE_EDGES = [(8, 3), (9, 1), (11, 1), (12, 0), (20, 0), (21, 2), (24, 2), (25, 3)]
SPO2_SCALE_1_EDGES = [(91, 3), (92, 2), (93, 2), (94, 1), (95, 1), (96, 0)]
SYSTOLIC_BP_EDGES = [(90, 3), (91, 2), (100, 2), (101, 1), (110, 1), (111, 0), (219, 0), (220, 3)]
HEART_RATE_EDGES = [
    (40, 3), (41, 1), (50, 1), (51, 0), (90, 0), (91, 1), (110, 1), (111, 2), (130, 2), (131, 3),
]  # fmt: skip
TEMPERATURE_EDGES = [
    ("35.0", 3), ("35.1", 1), ("36.0", 1), ("36.1", 0), ("38.0", 0), ("38.1", 1), ("39.0", 1),
    ("39.1", 2),
]  # fmt: skip
SPO2_SCALE_2_AIR_EDGES = [(83, 3), (84, 2), (85, 2), (86, 1), (87, 1), (88, 0), (92, 0), (93, 0)]
SPO2_SCALE_2_OXYGEN_EDGES = [
    (83, 3), (84, 2), (85, 2), (86, 1), (87, 1), (88, 0), (92, 0), (93, 1), (94, 1), (95, 2),
    (96, 2), (97, 3),
]  # fmt: skip


@pytest.mark.parametrize(("value", "expected"), RESPIRATORY_RATE_EDGES)
def test_respiratory_rate_edges(value: int, expected: int) -> None:
    assert subscore("respiratory_rate", respiratory_rate=value) == expected


@pytest.mark.parametrize(("value", "expected"), SPO2_SCALE_1_EDGES)
def test_spo2_scale_1_edges(value: int, expected: int) -> None:
    assert subscore("spo2", spo2=value) == expected
    # Scale 1 does not depend on air or oxygen.
    assert subscore("spo2", spo2=value, oxygen_device="nasal_cannula") == expected


@pytest.mark.parametrize(("value", "expected"), SPO2_SCALE_2_AIR_EDGES)
def test_spo2_scale_2_on_air_edges(value: int, expected: int) -> None:
    assert subscore("spo2", spo2_scale=2, spo2=value, oxygen_device="room_air") == expected


@pytest.mark.parametrize(("value", "expected"), SPO2_SCALE_2_OXYGEN_EDGES)
@pytest.mark.parametrize("device", ["nasal_cannula", "venturi_mask", "mechanical_ventilation"])
def test_spo2_scale_2_on_oxygen_edges(device: str, value: int, expected: int) -> None:
    assert subscore("spo2", spo2_scale=2, spo2=value, oxygen_device=device) == expected


@pytest.mark.parametrize(("value", "expected"), SYSTOLIC_BP_EDGES)
def test_systolic_bp_edges(value: int, expected: int) -> None:
    assert subscore("systolic_bp", systolic_bp=value) == expected


@pytest.mark.parametrize(("value", "expected"), HEART_RATE_EDGES)
def test_heart_rate_edges(value: int, expected: int) -> None:
    assert subscore("heart_rate", heart_rate=value) == expected


@pytest.mark.parametrize(("value", "expected"), TEMPERATURE_EDGES)
def test_temperature_edges(value: str, expected: int) -> None:
    assert subscore("temperature", temperature_c=D(value)) == expected


@pytest.mark.parametrize(
    ("raw", "rounded", "expected"),
    [
        ("35.04", "35.0", 3),
        ("35.05", "35.1", 1),  # half up, not half even
        ("36.05", "36.1", 0),
        ("38.04", "38.0", 0),
        ("38.05", "38.1", 1),
        ("39.04", "39.0", 1),
        ("39.05", "39.1", 2),
    ],
)
def test_temperature_is_scored_rounded_to_one_decimal_half_up(
    raw: str, rounded: str, expected: int
) -> None:
    assert round_temperature(D(raw)) == D(rounded)
    assert subscore("temperature", temperature_c=D(raw)) == expected


def test_temperature_given_as_float_is_read_as_written() -> None:
    # Decimal(38.05) would be 38.0499...; the value is read as its decimal text.
    assert subscore("temperature", temperature_c=38.05) == 1


@pytest.mark.parametrize(
    ("device", "expected"),
    [("room_air", 0)]
    + [
        (device, 2)
        for device in (
            "blow_by", "nasal_cannula", "high_flow_nasal_cannula", "simple_face_mask",
            "venturi_mask", "non_rebreather_mask", "cpap", "bipap", "mechanical_ventilation",
        )
    ],
)  # fmt: skip
def test_air_or_oxygen(device: str, expected: int) -> None:
    assert subscore("air_or_oxygen", oxygen_device=device) == expected


@pytest.mark.parametrize(
    ("level", "expected"),
    [("alert", 0), ("new_confusion", 3), ("voice", 3), ("pain", 3), ("unresponsive", 3)],
)
def test_consciousness(level: str, expected: int) -> None:
    assert subscore("consciousness", consciousness=level) == expected


@pytest.mark.parametrize(
    ("total", "red_flag", "band"),
    [
        (0, False, Band.LOW),
        (4, False, Band.LOW),
        (3, True, Band.LOW_MEDIUM),
        (4, True, Band.LOW_MEDIUM),
        (5, False, Band.MEDIUM),
        (5, True, Band.MEDIUM),
        (6, True, Band.MEDIUM),
        (7, False, Band.HIGH),
        (7, True, Band.HIGH),
        (20, True, Band.HIGH),
    ],
)
def test_band_edges(total: int, red_flag: bool, band: Band) -> None:
    assert band_for(total, red_flag=red_flag) is band


@pytest.mark.parametrize(
    ("total", "red_flag", "minutes"),
    [
        (0, False, 720),  # 12-hourly [S15 Chart 4]
        (1, False, 240),  # 1-4: project default 4 h
        (4, False, 240),
        (3, True, 60),  # single 3: hourly
        (5, False, 60),
        (6, True, 60),
        (7, False, 15),  # >= 7: project default for "continuous"
        (20, True, 15),
    ],
)
def test_minimum_observation_interval_edges(total: int, red_flag: bool, minutes: int) -> None:
    interval = minimum_observation_interval(total, red_flag=red_flag)
    assert interval == timedelta(minutes=minutes)


def test_interval_policy_is_configurable() -> None:
    policy = News2FrequencyPolicy(low_total_interval_minutes=360, high_total_interval_minutes=5)
    assert minimum_observation_interval(2, red_flag=False, policy=policy) == timedelta(hours=6)
    assert minimum_observation_interval(9, red_flag=True, policy=policy) == timedelta(minutes=5)
    assert minimum_observation_interval(0, red_flag=False, policy=policy) == timedelta(hours=12)
    assert minimum_observation_interval(5, red_flag=False, policy=policy) == timedelta(hours=1)
    result = news2_score(inputs(respiratory_rate=22), policy=policy)
    assert result.minimum_observation_interval == timedelta(hours=6)


@pytest.mark.parametrize(
    ("low", "high", "message"),
    [
        (59, 15, "low_total_interval_minutes"),
        (721, 15, "low_total_interval_minutes"),
        (240, 0, "high_total_interval_minutes"),
        (240, 61, "high_total_interval_minutes"),
        (240.0, 15, "whole minutes"),
        (240, True, "whole minutes"),
    ],
)
def test_interval_policy_rejects_out_of_order_values(low: Any, high: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        News2FrequencyPolicy(low_total_interval_minutes=low, high_total_interval_minutes=high)


@pytest.mark.parametrize(("low", "high"), [(60, 15), (720, 15), (240, 1), (240, 60)])
def test_interval_policy_accepts_its_edges(low: int, high: int) -> None:
    policy = News2FrequencyPolicy(low_total_interval_minutes=low, high_total_interval_minutes=high)
    assert policy.low_total_interval_minutes == low


def test_complete_set_result_and_contract_shape() -> None:
    result = news2_score(inputs(respiratory_rate=26, heart_rate=95, temperature_c=D("38.4")))
    assert result.complete
    assert result.total == 5 and result.band is Band.MEDIUM and result.red_flag
    assert result.to_dict() == {
        "total": 5,
        "band": "medium",
        "red_flag": True,
        "subscores": {
            "respiratory_rate": 3,
            "spo2": 0,
            "air_or_oxygen": 0,
            "systolic_bp": 0,
            "heart_rate": 1,
            "consciousness": 0,
            "temperature": 1,
        },
        "algorithm_version": "news2-rcp-2017",
        "missing": [],
        "spo2_scale": 1,
        "minimum_observation_interval_minutes": 60,
        "continuous_monitoring": False,
    }
    assert result.contract_fields() == {"news2": result.to_dict(), "news2_missing": []}
    assert ALGORITHM_VERSION == "news2-rcp-2017" == result.algorithm_version


def test_high_band_asks_for_continuous_monitoring() -> None:
    result = news2_score(inputs(respiratory_rate=26, systolic_bp=95, heart_rate=115))
    assert result.total == 7 and result.band is Band.HIGH
    assert result.continuous_monitoring
    assert result.to_dict()["minimum_observation_interval_minutes"] == 15


@pytest.mark.parametrize("absent", list(NORMAL))
def test_a_set_missing_any_input_has_no_total_but_keeps_its_subscores(absent: str) -> None:
    result = news2_score(inputs(**{absent: None}))
    assert result.missing == (absent,)
    assert not result.complete
    assert result.total is None and result.band is None
    assert result.minimum_observation_interval is None
    assert len(result.subscores) == 6
    assert result.contract_fields() == {"news2": None, "news2_missing": [absent]}
    assert result.to_dict()["minimum_observation_interval_minutes"] is None


def test_partial_set_reports_a_present_red_score() -> None:
    result = news2_score(News2Inputs(heart_rate=35, respiratory_rate=16))
    assert result.subscores == {"respiratory_rate": 0, "heart_rate": 3}
    assert result.red_flag
    assert result.missing == (
        "spo2",
        "oxygen_device",
        "systolic_bp",
        "consciousness",
        "temperature_c",
    )


def test_scale_2_spo2_needs_the_oxygen_device() -> None:
    assert "spo2" not in subscores_of(News2Inputs(spo2=95), spo2_scale=2)
    assert subscores_of(News2Inputs(spo2=95), spo2_scale=1) == {"spo2": 1}
    assert subscores_of(News2Inputs(spo2=95, oxygen_device="room_air"), spo2_scale=2)["spo2"] == 0


@pytest.mark.parametrize("scale", [0, 3, "2"])
def test_unknown_spo2_scale_is_rejected(scale: Any) -> None:
    with pytest.raises(ValueError, match="spo2_scale"):
        news2_score(inputs(), spo2_scale=scale)


def test_unknown_enum_values_are_rejected() -> None:
    with pytest.raises(ValueError):
        News2Inputs(consciousness="asleep")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        News2Inputs(oxygen_device="tent")  # type: ignore[arg-type]


def test_all_normal_total_zero() -> None:
    result = news2_score(inputs())
    assert result.total == 0 and result.band is Band.LOW and not result.red_flag
    assert result.minimum_observation_interval == timedelta(hours=12)
    assert result.spo2_scale == 1


def test_policy_message_is_exact() -> None:
    with pytest.raises(ValueError, match=r"^NEWS2 observation intervals must be whole minutes\.$"):
        News2FrequencyPolicy(low_total_interval_minutes=240.5)  # type: ignore[arg-type]


def test_inputs_store_temperature_as_decimal() -> None:
    stored = News2Inputs(temperature_c=38.05)  # type: ignore[arg-type]
    assert stored.temperature_c == D("38.05")
    assert isinstance(stored.temperature_c, Decimal)


def test_interval_minutes_are_a_whole_number() -> None:
    minutes = news2_score(inputs()).to_dict()["minimum_observation_interval_minutes"]
    assert minutes == 720 and type(minutes) is int


def test_subscores_default_to_scale_1() -> None:
    on_air_90 = News2Inputs(spo2=90, oxygen_device="room_air")  # type: ignore[arg-type]
    assert subscores_of(on_air_90)["spo2"] == 3
    assert subscores_of(on_air_90, spo2_scale=2)["spo2"] == 0


def test_partial_set_reports_its_scale() -> None:
    result = news2_score(News2Inputs(spo2=90, oxygen_device="room_air"), spo2_scale=2)  # type: ignore[arg-type]
    assert result.spo2_scale == 2
    assert result.to_dict()["spo2_scale"] == 2


def test_complete_set_with_a_single_red_score_is_hourly() -> None:
    result = news2_score(inputs(heart_rate=35))
    assert (result.total, result.band, result.red_flag) == (3, Band.LOW_MEDIUM, True)
    assert result.minimum_observation_interval == timedelta(hours=1)
