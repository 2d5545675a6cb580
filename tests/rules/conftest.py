"""Rules tests: pure Python, no database, no Django.

The external vectors are read from ``<repo>/../shared/vectors/`` (or ``$IL2_VECTORS_DIR``) at
collection time, one test per row with the row's ``case_id`` as the test id. A missing or empty
file, or one without the expected columns, is a failing test, never a skip.
"""

from __future__ import annotations

import csv
import os
import sys
from pathlib import Path
from typing import Any

import pytest

# The factories module sits beside this file; make it importable under any import mode.
_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from rules_factories import VectorFileProblem  # noqa: E402

VECTOR_FILES = {
    "news2_vector": (
        "news2_dev.csv",
        {"case_id", "source", "kind", "respiratory_rate", "spo2", "spo2_scale", "on_oxygen",
         "systolic_bp", "heart_rate", "consciousness", "temperature_c", "subscore_of",
         "expected_subscore", "expected_total", "expected_band"},
    ),
    "crs_vector": (
        "crs_dev.csv",
        {"case_id", "source", "temperature_c", "fever_masked", "systolic_bp",
         "vasopressors_excluding_vasopressin", "vasopressin", "oxygen_device",
         "oxygen_flow_l_min", "expected_grade"},
    ),
}  # fmt: skip


def vectors_dir() -> Path:
    configured = os.environ.get("IL2_VECTORS_DIR")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2].parent / "shared" / "vectors"


def load_vectors(filename: str, columns: set[str]) -> list[Any]:
    path = vectors_dir() / filename
    if not path.is_file():
        return [pytest.param(VectorFileProblem(f"vector file not found: {path}"), id="missing")]
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        absent = columns - set(reader.fieldnames or ())
        if absent:
            problem = VectorFileProblem(f"{path} lacks columns {sorted(absent)}")
            return [pytest.param(problem, id="bad-header")]
        rows = list(reader)
    if not rows:
        return [pytest.param(VectorFileProblem(f"{path} has no rows"), id="empty")]
    return [pytest.param(row, id=row["case_id"]) for row in rows]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    for argument, (filename, columns) in VECTOR_FILES.items():
        if argument in metafunc.fixturenames:
            metafunc.parametrize(argument, load_vectors(filename, columns))
