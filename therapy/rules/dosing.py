"""Dose arithmetic, clinical-rules.md §5 [S1], [S4]. All in ``Decimal``; mg only derived.

``dose_iu = dose_iu_per_kg x dosing_weight_kg`` to a whole IU (half up; the only rounding),
``volume_ml = dose_iu / 18 MIU`` to two decimals, ``vials = ceil(dose_iu / 22 MIU)``, and
``mg = dose_iu x 1.1 / 18 MIU`` shown to three decimals, never stored as the dose.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final

from therapy.rules.errors import ErrorCollector, RuleInputError
from therapy.rules.inputs import MAX_WEIGHT_KG, MIN_WEIGHT_KG, contract_value
from therapy.rules.profile import DEFAULT_PROFILE, RuleProfile

IU_PER_ML: Final = 18_000_000  # reconstituted with 1.2 mL: 18 MIU/mL [S4], [S5]
MG_PER_ML: Final = Decimal("1.1")  # 18 MIU = 1.1 mg [S4], [S5], [S1b]
IU_PER_VIAL: Final = 22_000_000  # one single-dose vial, 22 MIU [S4]
VOLUME_PLACES: Final = Decimal("0.01")  # shown to two decimals (§5)
MG_PLACES: Final = Decimal("0.001")  # 0.037 mg/kg in the label [S1]: three decimals


class DoseInputError(RuleInputError):
    """Dose inputs out of range; ``errors`` maps each field to its messages."""


@dataclass(frozen=True)
class DoseCalculation:
    dose_iu_per_kg: Decimal
    dosing_weight_kg: Decimal
    dose_iu: int
    volume_ml: Decimal
    vials: int
    mg: Decimal
    profile_name: str
    profile_version: str

    def to_dict(self) -> dict[str, Any]:
        return {name: contract_value(value) for name, value in vars(self).items()}


def _number(errors: ErrorCollector, name: str, value: object) -> Decimal:
    """The value as a Decimal; an unusable one is recorded under ``name`` (and read as 0)."""
    if isinstance(value, (bool, float)):
        errors.add(name, "must be a decimal number, not a float or a boolean")
        return Decimal(0)
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        errors.add(name, "must be a decimal number")
        return Decimal(0)
    if not number.is_finite():
        errors.add(name, "must be a finite number")
        return Decimal(0)
    return number


def dose_mg(dose_iu: int) -> Decimal:
    """The mg shown beside a dose, derived from its IU and never stored as the dose:
    ``dose_iu x 1.1 / 18,000,000`` to three decimals (§5). It reads only the stored IU, so a
    course ordered under another profile still shows its own figure."""
    return (Decimal(dose_iu) * MG_PER_ML / IU_PER_ML).quantize(MG_PLACES, rounding=ROUND_HALF_UP)


def dose_calculate(
    *,
    dose_iu_per_kg: Decimal | int,
    dosing_weight_kg: Decimal | int,
    profile: RuleProfile = DEFAULT_PROFILE,
) -> DoseCalculation:
    """Compute one dose; out-of-range inputs raise :class:`DoseInputError` for every field."""
    errors = ErrorCollector()
    per_kg = _number(errors, "dose_iu_per_kg", dose_iu_per_kg)
    weight = _number(errors, "dosing_weight_kg", dosing_weight_kg)
    floor, ceiling = profile.dosing.min_dose_iu_per_kg, profile.dosing.max_dose_iu_per_kg
    if "dose_iu_per_kg" not in errors.errors and not floor <= per_kg <= ceiling:
        bounds = f"{floor} IU/kg" if floor == ceiling else f"from {floor} to {ceiling} IU/kg"
        errors.add("dose_iu_per_kg", f"must be {bounds} (the site's rule profile)")
    weight_ok = MIN_WEIGHT_KG <= weight <= MAX_WEIGHT_KG
    if "dosing_weight_kg" not in errors.errors and not weight_ok:
        errors.add("dosing_weight_kg", f"must be between {MIN_WEIGHT_KG} and {MAX_WEIGHT_KG} kg")
    errors.raise_if_any(DoseInputError)
    dose_iu = int((per_kg * weight).to_integral_value(rounding=ROUND_HALF_UP))
    volume = Decimal(dose_iu) / IU_PER_ML
    return DoseCalculation(
        dose_iu_per_kg=per_kg,
        dosing_weight_kg=weight,
        dose_iu=dose_iu,
        volume_ml=volume.quantize(VOLUME_PLACES, rounding=ROUND_HALF_UP),
        vials=-(-dose_iu // IU_PER_VIAL),
        mg=dose_mg(dose_iu),
        profile_name=profile.name,
        profile_version=profile.version,
    )
