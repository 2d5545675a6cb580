"""Property tests (hypothesis) of the AKI rule (clinical-rules.md §3a (v2)): the stage never
falls when creatinine rises, nor when urine output falls."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.rules_factories import NOW, ago, baseline, lab, record, urine
from therapy.rules.aki import aki_assess

KEY = settings(max_examples=300, deadline=None)
CREATININE = st.decimals(min_value="0.2", max_value="12", places=2)
HOURS_AGO = st.integers(min_value=0, max_value=9 * 24)


def stage(value: int | None) -> int:
    return -1 if value is None else value


@KEY
@given(
    history=st.lists(st.tuples(CREATININE, HOURS_AGO), max_size=6),
    recorded=st.none() | CREATININE,
    latest=CREATININE,
    rise=st.decimals(min_value="0", max_value="8", places=2),
    urine_ml=st.none() | st.integers(min_value=0, max_value=3000),
)
def test_the_stage_never_falls_when_creatinine_rises(
    history: list[tuple[Decimal, int]],
    recorded: Decimal | None,
    latest: Decimal,
    rise: Decimal,
    urine_ml: int | None,
) -> None:
    # The latest result is the newest (30 min ago); the history is older.
    earlier = tuple(
        lab("creatinine", value, ago(hours=hours, minutes=31)) for value, hours in history
    )
    fluids = () if urine_ml is None else (urine(urine_ml, ago(24), NOW),)

    def assessed(value: Decimal) -> int:
        labs = (*earlier, lab("creatinine", value, ago(minutes=30)))
        patient = record(baseline=baseline(creatinine_mg_dl=recorded), labs=labs, fluids=fluids)
        return stage(aki_assess(patient, at=NOW).stage)

    assert assessed(latest + rise) >= assessed(latest)


@KEY
@given(
    more=st.integers(min_value=0, max_value=2000),
    less=st.integers(min_value=0, max_value=2000),
    hours=st.integers(min_value=1, max_value=30),
)
def test_the_stage_never_falls_when_urine_output_falls(more: int, less: int, hours: int) -> None:
    high, low = max(more, less), min(more, less)

    def assessed(volume: int) -> int:
        patient = record(labs=(), fluids=(urine(volume, ago(hours), NOW),))
        return stage(aki_assess(patient, at=NOW).stage)

    assert assessed(low) >= assessed(high)
