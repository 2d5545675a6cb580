"""The external test vectors of the clinical rules, one test per row.

They are read from ``<repo>/../shared/vectors/`` (or ``$IL2_VECTORS_DIR``) when the tests are
collected, with the row's ``case_id`` as the test id. A missing or empty file, or one without
the expected columns, is a failing test, never a skip. Pure Python: the NEWS2 and rules tests
that use it also run with ``-p no:django`` (scripts/mutation-test).
"""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import Any

import pytest

from tests.support.paths import REPO

NEWS2_COLUMNS = {
    "case_id", "source", "kind", "respiratory_rate", "spo2", "spo2_scale", "on_oxygen",
    "systolic_bp", "heart_rate", "consciousness", "temperature_c", "subscore_of",
    "expected_subscore", "expected_total", "expected_band",
}  # fmt: skip
CRS_COLUMNS = {
    "case_id", "source", "temperature_c", "fever_masked", "systolic_bp",
    "vasopressors_excluding_vasopressin", "vasopressin", "oxygen_device",
    "oxygen_flow_l_min", "expected_grade",
}  # fmt: skip


class VectorFileProblem:
    """Stands in for the rows of a vector file that cannot be used."""

    def __init__(self, message: str) -> None:
        self.message = message


def vectors_dir() -> Path:
    configured = os.environ.get("IL2_VECTORS_DIR")
    if configured:
        return Path(configured)
    return REPO.parent / "shared" / "vectors"


def load_vectors(filename: str, columns: set[str]) -> list[Any]:
    """``pytest.param`` per row; a single failing stand-in when the file cannot be used."""
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


def news2_vectors() -> list[Any]:
    return load_vectors("news2_dev.csv", NEWS2_COLUMNS)


def crs_vectors() -> list[Any]:
    return load_vectors("crs_dev.csv", CRS_COLUMNS)


def vector_row(row: object) -> dict[str, str]:
    """The vector row a test was given; a problem with the file fails the test, loudly."""
    if isinstance(row, VectorFileProblem):
        pytest.fail(row.message, pytrace=False)
    assert isinstance(row, dict)
    return row
