"""What the AKI rule reports (clinical-rules.md §3a (v2), [S18]): the evidence of the ``aki``
alert exactly as the API and the pages show it — every criterion's status, stage, value,
threshold, note and time; the result's baseline, weight, time, profile and skipped records;
rounding on a half; and where the urine windows end."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

from tests.support.rules_factories import NOW, ago, baseline, event, lab, record, urine
from therapy.rules.aki import aki_assess
from therapy.rules.inputs import SkippedRecord
from therapy.rules.profile import DEFAULT_PROFILE

D = Decimal
RATIO_TABLE = "creatinine × baseline: ≥ 1.5 × → stage 1, ≥ 2.0 × → stage 2, ≥ 3.0 × → stage 3"
RISE = "a rise ≥ 0.3 mg/dL within 48 h → stage 1"
ABSOLUTE = "creatinine ≥ 4.0 mg/dL → stage 3"
ANURIA = "no urine (0 mL) over 12 h of charted output → stage 3"


def urine_threshold(below: str, hours: int, stage: int) -> str:
    return f"urine < {below} mL/kg/h over the last {hours} h → stage {stage}"


def criterion(code: str, status: str, stage: Any, value: Any, threshold: str, **rest: Any) -> dict:
    return {
        "code": code,
        "status": status,
        "stage": stage,
        "value": value,
        "threshold": threshold,
        "note": rest.get("note", ""),
        "as_of": rest.get("as_of"),
    }


def test_the_evidence_of_a_stage_3_aki_in_full() -> None:
    # A site that counts two renal events; creatinine doubled; oliguria over 12 h charted to
    # an hour ago; a 30 s urine row (a typo) in the windows; a skipped lab and a skipped vitals
    # set (not read by this rule).
    profile = replace(
        DEFAULT_PROFILE, aki=replace(DEFAULT_PROFILE.aki, events=("dialysis", "intubation"))
    )
    rec = record(
        baseline=baseline(creatinine_mg_dl=D("1.0")),
        labs=(
            lab("creatinine", "1.0", ago(30)),
            lab("creatinine", "2.01", ago(2)),
            lab("albumin", "3.0", ago(2)),
        ),
        fluids=(
            urine("400", ago(25), ago(13)),
            urine("100", ago(13), ago(7)),
            urine("105", ago(7), ago(1)),
            urine("5", ago(3), ago(3) + timedelta(seconds=30)),
        ),
        events=(
            event("dialysis", ago(5)),
            event("intubation", ago(4)),
            event("atrial_fibrillation", ago(3)),
        ),
        skipped=(
            SkippedRecord("labs", "17", "unit unknown"),
            SkippedRecord("vitals", "9", "no time"),
        ),
    )

    data = aki_assess(rec, at=NOW, profile=profile).to_dict()

    lab_at, urine_at = ago(2).isoformat(), ago(1).isoformat()
    assert data == {
        "stage": 3,
        "criteria": [
            criterion(
                "creatinine_ratio",
                "met",
                2,
                "2.01",
                RATIO_TABLE,
                note="creatinine 2.01 mg/dL over baseline 1.0 mg/dL",
                as_of=lab_at,
            ),
            criterion(
                "creatinine_rise",
                "met",
                1,
                "1.01",
                RISE,
                note="lowest 1.0 mg/dL in the 48 h before 2.01 mg/dL",
                as_of=lab_at,
            ),
            criterion("creatinine_absolute", "not_met", 0, "2.01", ABSOLUTE, as_of=lab_at),
            criterion(
                "urine_6h",
                "met",
                1,
                "0.25",
                urine_threshold("0.5", 6, 1),
                note="105 mL over 6 h at 70.0 kg",
                as_of=urine_at,
            ),
            criterion(
                "urine_12h",
                "met",
                2,
                "0.24",
                urine_threshold("0.5", 12, 2),
                note="205 mL over 12 h at 70.0 kg",
                as_of=urine_at,
            ),
            criterion(
                "urine_24h",
                "not_met",
                0,
                "0.36",
                urine_threshold("0.3", 24, 3),
                note="605 mL over 24 h at 70.0 kg",
                as_of=urine_at,
            ),
            criterion("anuria", "not_met", 0, "205", ANURIA, as_of=urine_at),
            criterion(
                "renal_replacement",
                "met",
                3,
                "dialysis, intubation",
                "event dialysis, intubation → stage 3",
                as_of=ago(4).isoformat(),
            ),
        ],
        "met": [
            "creatinine_ratio",
            "creatinine_rise",
            "urine_6h",
            "urine_12h",
            "renal_replacement",
        ],
        "not_assessable": [],
        "baseline_creatinine_mg_dl": "1.0",
        "weight_kg": "70.0",
        "as_of": urine_at,
        "profile_name": profile.name,
        "profile_version": profile.version,
        "skipped": [
            {"kind": "labs", "id": "17", "reason": "unit unknown"},
            {
                "kind": "fluids",
                "id": "urine 5 mL ending 2026-11-21T09:00:30+00:00",
                "reason": "urine output period of 30 s (ending 2026-11-21T09:00:30+00:00) is "
                "shorter than 1 min: not counted",
            },
        ],
    }


def test_the_evidence_when_nothing_can_be_assessed() -> None:
    # No creatinine at all (and no recorded baseline), a quarter of an hour of urine charted
    # (0.25 h is shown as 0.3 h: rounded half up), and a dosing weight.
    rec = record(
        baseline=baseline(creatinine_mg_dl=None, dosing_weight_kg=D("80")),
        labs=(),
        fluids=(urine("10", ago(minutes=20), ago(minutes=5)),),
    )

    data = aki_assess(rec, at=NOW).to_dict()

    def only(hours: int) -> str:
        return (
            f"only 0.3 h of the {hours} h to {ago(minutes=5).isoformat()} charted: not assessable"
        )

    no_creatinine = "no creatinine in the last 24 h"
    assert data == {
        "stage": None,
        "criteria": [
            criterion(
                "creatinine_ratio", "not_assessable", None, None, RATIO_TABLE, note=no_creatinine
            ),
            criterion("creatinine_rise", "not_assessable", None, None, RISE, note=no_creatinine),
            criterion(
                "creatinine_absolute", "not_assessable", None, None, ABSOLUTE, note=no_creatinine
            ),
            criterion(
                "urine_6h", "not_assessable", None, None, urine_threshold("0.5", 6, 1), note=only(6)
            ),
            criterion(
                "urine_12h",
                "not_assessable",
                None,
                None,
                urine_threshold("0.5", 12, 2),
                note=only(12),
            ),
            criterion(
                "urine_24h",
                "not_assessable",
                None,
                None,
                urine_threshold("0.3", 24, 3),
                note=only(24),
            ),
            criterion("anuria", "not_assessable", None, None, ANURIA, note=only(12)),
            criterion("renal_replacement", "not_met", 0, None, "event dialysis → stage 3"),
        ],
        "met": [],
        "not_assessable": [
            "creatinine_ratio",
            "creatinine_rise",
            "creatinine_absolute",
            "urine_6h",
            "urine_12h",
            "urine_24h",
            "anuria",
        ],
        "baseline_creatinine_mg_dl": None,
        "weight_kg": "80",
        "as_of": None,
        "profile_name": DEFAULT_PROFILE.name,
        "profile_version": DEFAULT_PROFILE.version,
        "skipped": [],
    }


def test_without_a_baseline_only_the_ratio_cannot_be_assessed() -> None:
    # A site whose baseline window (12 h) is shorter than the creatinine's age limit (24 h):
    # a result 18 h old is recent enough to read, but no baseline is known.
    profile = replace(DEFAULT_PROFILE, aki=replace(DEFAULT_PROFILE.aki, baseline_window_hours=12))
    rec = record(
        baseline=baseline(creatinine_mg_dl=None), labs=(lab("creatinine", "1.4", ago(18)),)
    )

    result = aki_assess(rec, at=NOW, profile=profile)

    at = ago(18).isoformat()
    assert [c.to_dict() for c in result.criteria[:3]] == [
        criterion(
            "creatinine_ratio", "not_assessable", None, None, RATIO_TABLE, note="no baseline"
        ),
        criterion(
            "creatinine_rise",
            "not_met",
            0,
            "0.0",
            RISE,
            note="lowest 1.4 mg/dL in the 48 h before 1.4 mg/dL",
            as_of=at,
        ),
        criterion("creatinine_absolute", "not_met", 0, "1.4", ABSOLUTE, as_of=at),
    ]
    assert result.baseline_creatinine_mg_dl is None
    assert result.stage == 0


def test_the_ratio_and_the_urine_rate_are_shown_rounded_half_up() -> None:
    # 2.01 / 2.0 = 1.005 -> 1.01; 60 mL / 6 h / 80 kg = 0.125 -> 0.13 (banker's rounding would
    # show 1.00 and 0.12).
    rec = record(
        baseline=baseline(creatinine_mg_dl=D("2.0"), dosing_weight_kg=D("80")),
        labs=(lab("creatinine", "2.01", ago(2)),),
        fluids=(urine("60", ago(6), NOW),),
    )
    result = aki_assess(rec, at=NOW)
    by_code = {c.code: c for c in result.criteria}
    assert by_code["creatinine_ratio"].value == D("1.01")
    assert (by_code["urine_6h"].value, by_code["urine_6h"].note) == (
        D("0.13"),
        "60 mL over 6 h at 80 kg",
    )


# --- where the urine windows end -------------------------------------------------------------
def test_an_entry_of_exactly_one_minute_ends_the_windows() -> None:
    # The newest charted row lasts exactly the shortest period counted (1 min): the windows
    # end with it, 30 min back, and 6 h back from there only 5.5 h (and that minute) are charted.
    fluids = (urine("100", ago(7), ago(1)), urine("5", ago(minutes=31), ago(minutes=30)))
    found = next(
        c for c in aki_assess(record(fluids=fluids), at=NOW).criteria if c.code == "urine_6h"
    )
    assert found.note == (
        f"only 5.5 h of the 6 h to {ago(minutes=30).isoformat()} charted: not assessable"
    )


def test_an_entry_ending_exactly_at_the_evaluation_ends_the_windows() -> None:
    fluids = (urine("50", ago(12), ago(6)), urine("100", ago(6), NOW))
    found = next(
        c for c in aki_assess(record(fluids=fluids), at=NOW).criteria if c.code == "urine_6h"
    )
    assert (found.value, found.as_of, found.note) == (D("0.24"), NOW, "100 mL over 6 h at 70.0 kg")
