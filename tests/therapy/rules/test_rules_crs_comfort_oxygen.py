"""Oxygen for comfort only (clinical-rules.md §2 (v2), [S13 cancercalc]): not hypoxia for CRS,
still ``air_or_oxygen`` in NEWS2."""

from __future__ import annotations

from decimal import Decimal

import pytest

from patients.news2 import news2_score
from tests.support.rules_factories import NOW, record, vitals
from therapy.rules.crs import crs_assess
from therapy.rules.errors import RuleInputError
from therapy.rules.inputs import VitalsSet

D = Decimal
FEVER = D("38.6")


@pytest.mark.parametrize(
    ("device", "flow", "graded"),
    [
        ("blow_by", None, 2),
        ("nasal_cannula", D("2"), 2),
        ("nasal_cannula", D("8"), 3),
        ("simple_face_mask", D("6"), 3),
        ("cpap", D("10"), 4),
    ],
)
def test_comfort_oxygen_is_not_hypoxia_for_crs(
    device: str, flow: Decimal | None, graded: int
) -> None:
    for_hypoxia = vitals(temperature_c=FEVER, oxygen_device=device, oxygen_flow_l_min=flow)
    for_comfort = vitals(
        temperature_c=FEVER, oxygen_device=device, oxygen_flow_l_min=flow, oxygen_for_comfort=True
    )

    given = crs_assess(record(vitals=(for_hypoxia,)), at=NOW)
    comfort = crs_assess(record(vitals=(for_comfort,)), at=NOW)

    assert (given.hypoxia_grade, given.grade) == (graded, graded)
    assert (comfort.hypoxia_grade, comfort.grade) == (0, 1)  # febrile, no hypoxia: grade 1
    assert any("for comfort only" in reason for reason in comfort.reasons)


def test_comfort_oxygen_does_not_hide_hypotension() -> None:
    low = vitals(
        temperature_c=FEVER,
        systolic_bp=84,
        oxygen_device="nasal_cannula",
        oxygen_flow_l_min=D("2"),
        oxygen_for_comfort=True,
    )
    result = crs_assess(record(vitals=(low,)), at=NOW)
    assert (result.hypotension_grade, result.hypoxia_grade, result.grade) == (2, 0, 2)


def test_only_the_latest_set_decides_whether_oxygen_is_for_comfort() -> None:
    earlier = vitals(
        NOW.replace(hour=10),
        temperature_c=FEVER,
        oxygen_device="nasal_cannula",
        oxygen_flow_l_min=D("2"),
        oxygen_for_comfort=True,
    )
    latest = vitals(oxygen_device="nasal_cannula", oxygen_flow_l_min=D("2"))
    assert crs_assess(record(vitals=(earlier, latest)), at=NOW).grade == 2


def test_comfort_oxygen_still_scores_air_or_oxygen_in_news2() -> None:
    comfort = vitals(
        oxygen_device="nasal_cannula", oxygen_flow_l_min=D("2"), oxygen_for_comfort=True
    )
    assert news2_score(comfort.news2_inputs()).subscores["air_or_oxygen"] == 2


def test_the_flag_must_be_a_boolean() -> None:
    with pytest.raises(RuleInputError) as raised:
        VitalsSet(taken_at=NOW, spo2=95, oxygen_for_comfort="yes")  # type: ignore[arg-type]
    assert "oxygen_for_comfort" in raised.value.errors
