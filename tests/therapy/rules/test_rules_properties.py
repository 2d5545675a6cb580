"""Property tests (hypothesis) of the clinical rules: the invariants that must hold for any
input, not just the edge cases."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from fractions import Fraction
from math import floor
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from patients.news2 import (
    Band,
    Consciousness,
    News2Inputs,
    OxygenDevice,
    minimum_observation_interval,
    news2_score,
)
from tests.support.rules_factories import (
    NOW,
    ago,
    baseline,
    event,
    lab,
    medication,
    record,
    urine,
    vitals,
)
from therapy.rules.crs import crs_assess, hypoxia_grade
from therapy.rules.dosing import dose_calculate
from therapy.rules.inputs import DoseRecord, EventCode, Vasopressor, VasopressorAgent
from therapy.rules.precheck import Recommendation, precheck_dose, severity
from therapy.rules.profile import DEFAULT_PROFILE, RuleProfile

KEY = settings(max_examples=200, deadline=None)


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


def decimals(low: str, high: str, places: int) -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=Decimal(low), max_value=Decimal(high), places=places)


news2_inputs = st.builds(
    News2Inputs,
    respiratory_rate=maybe(st.integers(0, 80)),
    spo2=maybe(st.integers(50, 100)),
    oxygen_device=maybe(st.sampled_from(OxygenDevice)),
    systolic_bp=maybe(st.integers(40, 300)),
    heart_rate=maybe(st.integers(0, 250)),
    consciousness=maybe(st.sampled_from(Consciousness)),
    temperature_c=maybe(decimals("30", "44", 2)),
)


@KEY
@given(news2_inputs, st.sampled_from([1, 2]))
def test_news2_total_is_the_sum_of_subscores_within_0_to_20(
    inputs: News2Inputs, scale: int
) -> None:
    result = news2_score(inputs, spo2_scale=scale)
    assert all(0 <= score <= 3 for score in result.subscores.values())
    assert result.red_flag == (3 in result.subscores.values())
    if result.complete:
        assert result.total == sum(result.subscores.values())
        assert 0 <= result.total <= 20
        assert len(result.subscores) == 7
    else:
        assert result.total is None and result.band is None
        assert result.missing


@given(st.integers(0, 20), st.booleans(), st.integers(0, 20), st.booleans())
def test_news2_higher_risk_is_never_observed_less_often(
    total: int, red: bool, higher_total: int, higher_red: bool
) -> None:
    if higher_total < total or (higher_red < red and higher_total < 5):
        return
    assert minimum_observation_interval(
        higher_total, red_flag=higher_red
    ) <= minimum_observation_interval(total, red_flag=red)
    bands = list(Band)
    assert bands.index(news2_score_band(higher_total, higher_red)) >= bands.index(
        news2_score_band(total, red)
    )


def news2_score_band(total: int, red: bool) -> Band:
    from patients.news2 import band_for

    return band_for(total, red_flag=red)


pressors = st.builds(
    lambda agent, dose: Vasopressor(agent, dose, "mcg/kg/min"),
    st.sampled_from(VasopressorAgent),
    decimals("0", "5", 2),
)
running_pressors = st.builds(
    lambda agent, dose: Vasopressor(agent, dose, "mcg/kg/min"),
    st.sampled_from(VasopressorAgent),
    decimals("0.01", "5", 2),
)
crs_vitals = st.fixed_dictionaries(
    {
        "systolic_bp": maybe(st.integers(50, 200)),
        "oxygen_device": maybe(st.sampled_from(OxygenDevice)),
        "oxygen_flow_l_min": maybe(decimals("0", "60", 1)),
        "temperature_c": maybe(decimals("35", "41", 1)),
        "vasopressors": st.lists(pressors, max_size=4).map(tuple),
    }
)


def crs_grade(fields: dict[str, Any], masked: bool) -> int | None:
    meds = (medication("corticosteroid"),) if masked else ()
    result = crs_assess(record(vitals=(vitals(**fields),), medications=meds), at=NOW)
    return result.grade


@KEY
@given(crs_vitals, st.booleans(), running_pressors)
def test_adding_a_vasopressor_never_lowers_the_crs_grade(
    fields: dict[str, Any], masked: bool, added: Vasopressor
) -> None:
    before = crs_grade(fields, masked)
    after = crs_grade({**fields, "vasopressors": (*fields["vasopressors"], added)}, masked)
    assert before is not None and after is not None
    assert after >= before


@KEY
@given(crs_vitals, st.booleans(), st.sampled_from(OxygenDevice), maybe(decimals("0", "60", 1)))
def test_escalating_the_oxygen_device_never_lowers_the_crs_grade(
    fields: dict[str, Any], masked: bool, device: OxygenDevice, flow: Decimal | None
) -> None:
    old = hypoxia_grade(fields["oxygen_device"], fields["oxygen_flow_l_min"]) or 0
    new = hypoxia_grade(device, flow)
    if new is None or new < old:
        return  # not an escalation
    before = crs_grade(fields, masked)
    after = crs_grade({**fields, "oxygen_device": device, "oxygen_flow_l_min": flow}, masked)
    assert before is not None and after is not None
    assert after >= before


SITE_RULES = replace(
    DEFAULT_PROFILE,
    precheck=replace(
        DEFAULT_PROFILE.precheck,
        criteria=tuple(replace(c, enabled=True) for c in DEFAULT_PROFILE.precheck.criteria),
    ),
)
precheck_records = st.builds(
    lambda v, taken_hours, uo, creat, plt, fobt, events, held: record(
        vitals=(vitals(ago(taken_hours), **v),),
        fluids=(urine(uo, ago(8), NOW),),
        labs=(lab("creatinine", creat), lab("platelets", plt), lab("fobt", fobt)),
        events=tuple(event(code) for code in events),
        doses=tuple(DoseRecord(1, n, ago(8 * n), "held") for n in range(1, held + 1)),  # type: ignore[arg-type]
    ),
    st.fixed_dictionaries(
        {
            "systolic_bp": maybe(st.integers(60, 160)),
            "spo2": maybe(st.integers(80, 100)),
            "heart_rate": maybe(st.integers(40, 160)),
            "consciousness": maybe(st.sampled_from(Consciousness)),
            "oxygen_device": maybe(st.sampled_from(OxygenDevice)),
            "oxygen_flow_l_min": maybe(decimals("0", "15", 1)),
            "weight_kg": maybe(decimals("60", "90", 1)),
        }
    ),
    st.sampled_from([0.5, 1.5, 3]),
    decimals("0", "600", 0),
    decimals("0.5", "4", 1),
    decimals("10", "300", 0),
    st.sampled_from(["positive", "negative"]),
    st.lists(st.sampled_from(EventCode), max_size=2),
    st.integers(0, 3),
)


def check(rec: Any, profile: RuleProfile) -> Recommendation:
    return precheck_dose(
        rec, cycle=1, dose_number=9, scheduled_at=NOW, at=NOW, profile=profile
    ).recommendation


@KEY
@given(precheck_records, st.sampled_from(EventCode), st.sampled_from([DEFAULT_PROFILE, SITE_RULES]))
def test_adding_a_finding_never_lowers_the_recommendation(
    rec: Any, code: EventCode, profile: RuleProfile
) -> None:
    before = check(rec, profile)
    after = check(replace(rec, events=(*rec.events, event(code))), profile)
    assert severity(after) >= severity(before)


@KEY
@given(precheck_records, st.sampled_from([DEFAULT_PROFILE, SITE_RULES]))
def test_a_hold_criterion_never_turns_discontinue_into_give(rec: Any, profile: RuleProfile) -> None:
    stopped = replace(rec, events=(*rec.events, event("sustained_vt")))
    assert check(stopped, profile) is Recommendation.DISCONTINUE
    for hold_finding in ("svt", "mental_status_change"):
        more = replace(stopped, events=(*stopped.events, event(hold_finding)))
        assert check(more, profile) is Recommendation.DISCONTINUE
    lower_bp = replace(stopped, vitals=(replace(stopped.vitals[0], systolic_bp=80),))
    assert check(lower_bp, profile) is Recommendation.DISCONTINUE


@KEY
@given(st.integers(1, 600_000), decimals("20", "300", 3))
def test_dose_arithmetic_is_exact_for_any_weight_in_range(per_kg: int, weight: Decimal) -> None:
    any_dose = replace(  # the arithmetic for any dose a site's profile could allow
        DEFAULT_PROFILE, dosing=replace(DEFAULT_PROFILE.dosing, min_dose_iu_per_kg=1)
    )
    result = dose_calculate(dose_iu_per_kg=per_kg, dosing_weight_kg=weight, profile=any_dose)
    half = Fraction(1, 2)
    assert result.dose_iu == floor(Fraction(per_kg) * Fraction(weight) + half)
    hundredths = floor(Fraction(result.dose_iu * 100, 18_000_000) + half)
    assert result.volume_ml == Decimal(hundredths) / 100
    thousandths = floor(Fraction(result.dose_iu * 11 * 100, 18_000_000) + half)
    assert result.mg == Decimal(thousandths) / 1000
    assert (result.vials - 1) * 22_000_000 < result.dose_iu <= result.vials * 22_000_000


@KEY
@given(
    st.integers(1, 48),
    decimals("36", "40", 1),
    st.integers(1, 12),
    decimals("1", "30", 1),
    st.integers(60, 720),
    st.integers(1, 60),
    st.integers(1, 900_000),
)
def test_profile_round_trips_through_json(
    window: int,
    fever: Decimal,
    urine_hours: int,
    weight_pct: Decimal,
    low_interval: int,
    high_interval: int,
    ceiling: int,
) -> None:
    import json

    base = DEFAULT_PROFILE
    profile = replace(
        base,
        version=f"v{window}",
        news2=replace(base.news2, low_total_interval_minutes=low_interval,
                      high_total_interval_minutes=high_interval),
        crs=replace(base.crs, fever_c=fever, fever_window_hours=window),
        vls=replace(base.vls, urine_window_hours=urine_hours, urine_min_recorded_hours=urine_hours,
                    weight_gain_pct=weight_pct),
        dosing=replace(base.dosing, min_dose_iu_per_kg=1, max_dose_iu_per_kg=ceiling),
    )  # fmt: skip
    assert RuleProfile.from_dict(json.loads(json.dumps(profile.to_dict()))) == profile


def test_baseline_builder_is_valid() -> None:
    assert baseline().weight_kg == Decimal(70)
