"""NEWS2 against the external vectors in ../shared/vectors/news2_dev.csv (see its README):
kscarlett/news2 (MIT) and pacharanero/clincalc, re-checked against the RCP 2017 chart."""

from __future__ import annotations

from decimal import Decimal

import pytest

from patients.news2 import News2Inputs, news2_score
from tests.support.vectors import news2_vectors, vector_row

SUBSCORE_KEYS = {
    "rr": "respiratory_rate",
    "spo2": "spo2",
    "o2": "air_or_oxygen",
    "sbp": "systolic_bp",
    "hr": "heart_rate",
    "cons": "consciousness",
    "consciousness": "consciousness",
    "temp": "temperature",
}


@pytest.mark.parametrize("news2_vector", news2_vectors())
def test_news2_vector(news2_vector: object) -> None:
    row = vector_row(news2_vector)
    result = news2_score(
        News2Inputs(
            respiratory_rate=int(row["respiratory_rate"]),
            spo2=int(row["spo2"]),
            # on_oxygen 1 means any oxygen device (README); nasal cannula stands for it.
            oxygen_device="nasal_cannula" if row["on_oxygen"] == "1" else "room_air",  # type: ignore[arg-type]
            systolic_bp=int(row["systolic_bp"]),
            heart_rate=int(row["heart_rate"]),
            consciousness=row["consciousness"],  # type: ignore[arg-type]
            temperature_c=Decimal(row["temperature_c"]),
        ),
        spo2_scale=int(row["spo2_scale"]),
    )
    context = f"{row['case_id']} from {row['source']}"
    kind = row["kind"]
    if kind == "total":
        assert result.total == int(row["expected_total"]), context
        assert result.band == row["expected_band"], context
        assert result.total == sum(result.subscores.values()), context
    elif kind == "band_only":
        assert result.band == row["expected_band"], context
    elif kind == "subscore":
        key = SUBSCORE_KEYS.get(row["subscore_of"])
        if key is None:
            pytest.fail(f"{context}: unknown subscore_of {row['subscore_of']!r}")
        assert result.subscores[key] == int(row["expected_subscore"]), context
    else:
        pytest.fail(f"{context}: unknown kind {kind!r}")
