"""The v2 settings of the rule profile (clinical-rules §6 and §7): every new number is a
setting, round-trips through the stored JSON, and values no rule can use are refused, named."""

from dataclasses import replace

import pytest

from therapy.rules import DEFAULT_PROFILE, ProfileError, RuleProfile
from therapy.rules.profile import Direction, TrendSeries

ENCODED = DEFAULT_PROFILE.to_dict()


def test_the_v2_sections_round_trip():
    assert RuleProfile.from_dict(ENCODED) == DEFAULT_PROFILE
    assert ENCODED["monitoring"]["resolve_min_absent_minutes"] == 120
    assert [line["series"] for line in ENCODED["trends"]["lines"]] == [s.value for s in TrendSeries]


def with_changes(section: str, **changes: object) -> dict:
    data = {**ENCODED, section: {**ENCODED[section], **changes}}
    return data


@pytest.mark.parametrize(
    ("section", "changes", "path"),
    [
        ("monitoring", {"close_watch_vitals_minutes": 0}, "monitoring.close_watch_vitals_minutes"),
        ("monitoring", {"resolve_absent_evaluations": 0}, "monitoring.resolve_absent_evaluations"),
        (
            "monitoring",
            {"predose_vitals_urgent_minutes": 121},  # urgent before the window opens
            "monitoring.predose_vitals_urgent_minutes",
        ),
        ("trends", {"shift_hours": 7}, "trends.shift_hours"),  # does not divide the day
        ("trends", {"shift_first_start_hour": 24}, "trends.shift_first_start_hour"),
        ("trends", {"min_lead_minutes": 0}, "trends.min_lead_minutes"),
        ("trends", {"lines": ENCODED["trends"]["lines"][1:]}, "trends.lines"),  # one left out
        (
            "trends",
            {"lines": [*ENCODED["trends"]["lines"], ENCODED["trends"]["lines"][0]]},
            "trends.lines",
        ),
    ],
)
def test_values_no_rule_can_use_are_refused(section, changes, path):
    with pytest.raises(ProfileError) as caught:
        RuleProfile.from_dict(with_changes(section, **changes))
    assert path in caught.value.errors


def test_the_edges_that_are_allowed():
    ok = with_changes("monitoring", predose_vitals_urgent_minutes=120)  # equal to the window
    assert RuleProfile.from_dict(ok).monitoring.predose_vitals_urgent_minutes == 120
    ok = with_changes("trends", shift_hours=24, shift_first_start_hour=23)
    assert RuleProfile.from_dict(ok).trends.shift_hours == 24


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"min_points": 1}, "min_points"),
        ({"min_span_hours": 13}, "min_span_hours"),  # longer than the 12 h window
        ({"window_hours": 0}, "window_hours"),
        ({"source": " "}, "source"),
    ],
)
def test_a_trend_line_no_fit_can_use_is_refused(changes, field):
    lines = [dict(ENCODED["trends"]["lines"][0], **changes), *ENCODED["trends"]["lines"][1:]]
    with pytest.raises(ProfileError) as caught:
        RuleProfile.from_dict(with_changes("trends", lines=lines))
    assert f"trends.lines[0].{field}" in caught.value.errors


def test_min_points_2_and_span_equal_to_the_window_are_allowed():
    lines = [
        dict(ENCODED["trends"]["lines"][0], min_points=2, min_span_hours=12),
        *ENCODED["trends"]["lines"][1:],
    ]
    profile = RuleProfile.from_dict(with_changes("trends", lines=lines))
    assert profile.trends.line(TrendSeries.SYSTOLIC_BP).min_points == 2


@pytest.mark.parametrize(
    ("direction", "inclusive", "value", "beyond"),
    [
        (Direction.FALLING, False, "90", False),
        (Direction.FALLING, False, "89.99", True),
        (Direction.FALLING, True, "90", True),
        (Direction.FALLING, True, "90.01", False),
        (Direction.RISING, False, "90", False),
        (Direction.RISING, False, "90.01", True),
        (Direction.RISING, True, "90", True),
        (Direction.RISING, True, "89.99", False),
    ],
)
def test_beyond_a_threshold_both_edges(direction, inclusive, value, beyond):
    from decimal import Decimal

    line = replace(
        DEFAULT_PROFILE.trends.line(TrendSeries.SYSTOLIC_BP),
        direction=direction,
        inclusive=inclusive,
        threshold=Decimal(90),
    )
    assert line.beyond(Decimal(value)) is beyond
