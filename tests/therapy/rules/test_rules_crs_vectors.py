"""CRS grade against the external vectors in ../shared/vectors/crs_dev.csv: one case per
clause of Lee et al. 2019 (ASTCT consensus) [S13]."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.support.rules_factories import NOW, medication, record, vitals
from tests.support.vectors import crs_vectors, vector_row
from therapy.rules.crs import crs_assess

# Distinct agents standing in for "N vasopressors not counting vasopressin".
PRESSORS = ("norepinephrine", "phenylephrine", "dopamine", "epinephrine")


@pytest.mark.parametrize("crs_vector", crs_vectors())
def test_crs_vector(crs_vector: object) -> None:
    row = vector_row(crs_vector)
    count = int(row["vasopressors_excluding_vasopressin"])
    agents = [*PRESSORS[:count], *(["vasopressin"] if row["vasopressin"] == "1" else [])]
    latest = vitals(
        temperature_c=Decimal(row["temperature_c"]),
        systolic_bp=int(row["systolic_bp"]) if row["systolic_bp"] else 120,  # blank: normotensive
        vasopressors=tuple({"agent": a, "dose": "1", "dose_unit": "mcg/kg/min"} for a in agents),
        oxygen_device=row["oxygen_device"],
        oxygen_flow_l_min=Decimal(row["oxygen_flow_l_min"]) if row["oxygen_flow_l_min"] else None,
    )
    masking = (medication("anticytokine"),) if row["fever_masked"] == "1" else ()
    result = crs_assess(record(vitals=(latest,), medications=masking), at=NOW)
    assert result.grade == int(row["expected_grade"]), f"{row['case_id']}: {row['basis']}"
