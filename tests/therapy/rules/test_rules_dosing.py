"""Dose arithmetic (clinical-rules.md §5): exact Decimal results and range checks."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.support.rules_factories import profile_with
from therapy.rules.dosing import DoseInputError, dose_calculate, dose_mg

D = Decimal


@pytest.mark.parametrize(
    ("per_kg", "weight", "dose_iu", "volume_ml", "vials", "mg"),
    [
        (600_000, "70", 42_000_000, "2.33", 2, "2.567"),
        (600_000, "70.5", 42_300_000, "2.35", 2, "2.585"),
        (600_000, "20", 12_000_000, "0.67", 1, "0.733"),
        (600_000, "300", 180_000_000, "10.00", 9, "11.000"),
        (600_000, "36.6666", 21_999_960, "1.22", 1, "1.344"),
        (600_000, "36.66667", 22_000_002, "1.22", 2, "1.344"),  # just over one vial
        (500_000, "44", 22_000_000, "1.22", 1, "1.344"),  # exactly one vial
        (600_000, "36.666668", 22_000_001, "1.22", 2, "1.344"),  # one IU over a vial
        (600_000, "299.85", 179_910_000, "10.00", 9, "10.995"),  # 9.995 mL: half up
        ("599699.9966", "300", 179_909_999, "9.99", 9, "10.994"),  # 9.99499994 mL: down
        (1, "20.5", 21, "0.00", 1, "0.000"),  # 20.5 IU: half up to 21
        (1, "20.4", 20, "0.00", 1, "0.000"),
        (18_000, "25", 450_000, "0.03", 1, "0.028"),  # 0.025 mL: half up to 0.03
        (13_500, "20", 270_000, "0.02", 1, "0.017"),  # 0.0165 mg: half up to 0.017
    ],
)
def test_dose_arithmetic(
    per_kg: int | str, weight: str, dose_iu: int, volume_ml: str, vials: int, mg: str
) -> None:
    # The arithmetic of any dose a site may allow (the default profile allows 600,000 only).
    any_dose = profile_with("dosing", min_dose_iu_per_kg=1)
    result = dose_calculate(dose_iu_per_kg=D(per_kg), dosing_weight_kg=D(weight), profile=any_dose)
    assert dose_mg(result.dose_iu) == result.mg
    assert result.dose_iu == dose_iu and isinstance(result.dose_iu, int)
    assert result.volume_ml == D(volume_ml) and str(result.volume_ml) == volume_ml
    assert result.vials == vials
    assert result.mg == D(mg) and str(result.mg) == mg


def test_result_carries_inputs_and_profile_and_serialises() -> None:
    result = dose_calculate(dose_iu_per_kg=D(600_000), dosing_weight_kg="82.3")
    assert result.to_dict() == {
        "dose_iu_per_kg": "600000",
        "dosing_weight_kg": "82.3",
        "dose_iu": 49_380_000,
        "volume_ml": "2.74",
        "vials": 3,
        "mg": "3.018",
        "profile_name": "label-2024+consensus-2014",
        "profile_version": "1",
    }


@pytest.mark.parametrize(
    ("weight", "ok"),
    [("19.99", False), ("20", True), ("300", True), ("300.01", False), ("-70", False)],
)
def test_weight_range_edges(weight: str, ok: bool) -> None:
    if ok:
        assert dose_calculate(dose_iu_per_kg=600_000, dosing_weight_kg=D(weight)).dose_iu > 0
        return
    with pytest.raises(DoseInputError) as caught:
        dose_calculate(dose_iu_per_kg=600_000, dosing_weight_kg=D(weight))
    assert caught.value.errors == {"dosing_weight_kg": ["must be between 20 and 300 kg"]}


@pytest.mark.parametrize(
    ("per_kg", "ok"),
    [(0, False), (-1, False), (1, False), (599_999, False), (600_000, True), (600_001, False)],
)
def test_dose_range_edges(per_kg: int, ok: bool) -> None:
    """The default profile: the label dose and nothing else (no dose reduction [S1] 2.4)."""
    if ok:
        assert dose_calculate(dose_iu_per_kg=per_kg, dosing_weight_kg=D(70)).dose_iu > 0
        return
    with pytest.raises(DoseInputError) as caught:
        dose_calculate(dose_iu_per_kg=per_kg, dosing_weight_kg=D(70))
    assert caught.value.errors == {
        "dose_iu_per_kg": ["must be 600000 IU/kg (the site's rule profile)"]
    }


@pytest.mark.parametrize(
    ("per_kg", "ok"), [(299_999, False), (300_000, True), (600_000, True), (600_001, False)]
)
def test_a_site_may_lower_the_minimum_dose(per_kg: int, ok: bool) -> None:
    profile = profile_with("dosing", min_dose_iu_per_kg=300_000)
    if ok:
        assert dose_calculate(dose_iu_per_kg=per_kg, dosing_weight_kg=D(70), profile=profile)
        return
    with pytest.raises(DoseInputError) as caught:
        dose_calculate(dose_iu_per_kg=per_kg, dosing_weight_kg=D(70), profile=profile)
    assert caught.value.errors == {
        "dose_iu_per_kg": ["must be from 300000 to 600000 IU/kg (the site's rule profile)"]
    }


@pytest.mark.parametrize(
    ("dose_iu", "mg"),
    [(43_200_000, "2.640"), (18_000_000, "1.100"), (1, "0.000"), (8_182, "0.001"),
     (8_181, "0.000"), (180_000_000, "11.000"), (10**15, "61111111.111")],
)  # fmt: skip
def test_mg_is_derived_from_the_stored_dose_iu(dose_iu: int, mg: str) -> None:
    """dose_iu × 1.1 / 18,000,000, half up to 0.001 mg (§5): 8,182 IU is 0.00050001 mg."""
    assert str(dose_mg(dose_iu)) == mg


def test_dose_ceiling_is_a_profile_field() -> None:
    profile = profile_with("dosing", max_dose_iu_per_kg=720_000)
    result = dose_calculate(dose_iu_per_kg=720_000, dosing_weight_kg=D(50), profile=profile)
    assert result.dose_iu == 36_000_000


def test_every_failing_field_is_reported_at_once() -> None:
    with pytest.raises(DoseInputError) as caught:
        dose_calculate(dose_iu_per_kg=0, dosing_weight_kg=D(500))
    assert set(caught.value.errors) == {"dose_iu_per_kg", "dosing_weight_kg"}
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (70.5, "must be a decimal number, not a float or a boolean"),
        (True, "must be a decimal number, not a float or a boolean"),
        (None, "must be a decimal number"),
        ("seventy", "must be a decimal number"),
        ([70], "must be a decimal number"),
        ("NaN", "must be a finite number"),
        ("Infinity", "must be a finite number"),
    ],
)
def test_non_decimal_inputs_are_rejected(bad: Any, message: str) -> None:
    with pytest.raises(DoseInputError) as caught:
        dose_calculate(dose_iu_per_kg=600_000, dosing_weight_kg=bad)
    assert caught.value.errors == {"dosing_weight_kg": [message]}
    with pytest.raises(DoseInputError) as caught:
        dose_calculate(dose_iu_per_kg=bad, dosing_weight_kg=D(70))
    assert caught.value.errors == {"dose_iu_per_kg": [message]}
