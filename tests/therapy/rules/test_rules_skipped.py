"""Records the rules cannot use are skipped and named, never raised on (conventions.md): each
result names the skipped records of the kinds it reads, and a urine period under a minute is
left out of the urine window and named there."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.support.rules_factories import NOW, ago, record, urine
from therapy.rules.crs import crs_assess
from therapy.rules.errors import RuleInputError
from therapy.rules.inputs import FluidEntry, PatientRecord, SkippedRecord
from therapy.rules.precheck import precheck_dose
from therapy.rules.vls import SignStatus, vls_assess

D = __import__("decimal").Decimal


def skipped_ids(result: object) -> list[str]:
    return [item["id"] for item in result.to_dict()["skipped"]]  # type: ignore[attr-defined]


def check(rec: PatientRecord) -> object:
    return precheck_dose(rec, cycle=1, dose_number=1, scheduled_at=NOW, at=NOW)


def test_each_result_names_the_skipped_records_of_the_kinds_it_reads() -> None:
    skipped = (
        SkippedRecord("vitals", "v1", "unreadable"),
        SkippedRecord("fluids", "f1", "unreadable"),
        SkippedRecord("medications", "m1", "unreadable"),
        SkippedRecord("events", "e1", "unreadable"),
    )
    rec = record(skipped=skipped)

    assert skipped_ids(crs_assess(rec, at=NOW)) == ["v1", "m1"]
    assert skipped_ids(vls_assess(rec, at=NOW)) == ["v1", "f1"]
    assert skipped_ids(check(rec)) == ["v1", "f1", "e1"]
    item = crs_assess(rec, at=NOW).to_dict()["skipped"][0]
    assert item == {"kind": "vitals", "id": "v1", "reason": "unreadable"}


def test_a_half_second_urine_period_is_named_by_the_rules_that_read_urine() -> None:
    half = FluidEntry("output", "urine", D(400), NOW - timedelta(milliseconds=500), ago(0), "x")  # type: ignore[arg-type]
    rec = record(fluids=(urine(400, ago(8), ago(4)), half))

    vls = vls_assess(rec, at=NOW)
    oliguria = next(sign for sign in vls.signs if sign.code == "oliguria")
    assert oliguria.status is SignStatus.NOT_ASSESSABLE  # 4 h recorded of the 8 h needed
    assert "1 urine entry(ies) not counted" in oliguria.note
    assert skipped_ids(vls) == ["x"]
    result = check(rec)
    assert skipped_ids(result) == ["x"]
    urine_criterion = next(f for f in result.findings if f.code == "urine_lt_80_per_8h")
    assert "not counted" in urine_criterion.note
    assert skipped_ids(crs_assess(rec, at=NOW)) == []  # CRS reads no urine


def test_a_record_id_must_be_text_and_a_skipped_record_is_checked() -> None:
    with pytest.raises(RuleInputError, match="record_id"):
        urine(1, ago(1), NOW).__class__("output", "urine", D(1), ago(1), NOW, 7)  # type: ignore[arg-type]
    with pytest.raises(RuleInputError, match="kind"):
        SkippedRecord(None, "1", "why")  # type: ignore[arg-type]
    with pytest.raises(RuleInputError, match="skipped"):
        record(skipped=("not a skipped record",))
