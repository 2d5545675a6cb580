"""The pre-dose check of clinical-rules.md §4 (v2): a vasopressor other than phenylephrine at
dose time (hold, or discontinue as a site's choice), the SpO2 threshold on scale 2, and events
that end."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from tests.support.rules_factories import NOW, ago, baseline, event, profile_with, record, vitals
from therapy.rules.precheck import CriterionStatus, Recommendation, precheck_dose
from therapy.rules.profile import DEFAULT_PROFILE, Action, CriterionCode, RuleProfile

MET, NOT_MET = CriterionStatus.MET, CriterionStatus.NOT_MET


def check(rec: Any, profile: RuleProfile = DEFAULT_PROFILE) -> Any:
    return precheck_dose(rec, cycle=1, dose_number=5, scheduled_at=NOW, at=NOW, profile=profile)


def finding(result: Any, code: str) -> Any:
    (found,) = [f for f in result.findings if f.code == code]
    return found


def pressor(agent: str, dose: str = "0.05", unit: str = "mcg/kg/min") -> dict[str, str]:
    return {"agent": agent, "dose": dose, "dose_unit": unit}


# --- vasopressor at dose time ---------------------------------------------------------------
@pytest.mark.parametrize("agent", ["norepinephrine", "epinephrine", "dopamine", "other"])
def test_any_other_vasopressor_at_dose_time_holds_even_with_a_heart_rate_under_100(
    agent: str,
) -> None:
    rec = record(vitals=(vitals(heart_rate=92, systolic_bp=104, vasopressors=(pressor(agent),)),))

    result = check(rec)

    assert result.recommendation is Recommendation.HOLD
    found = finding(result, "vasopressor_at_dose")
    assert (found.status, found.action, found.value) == (MET, Action.HOLD, agent)
    assert found.threshold == "a vasopressor other than phenylephrine running at dose time"
    assert "vasopressor_at_dose" in result.hold_reasons


def test_vasopressor_stopped_or_never_recorded_does_not_hold() -> None:
    stopped = record(vitals=(vitals(vasopressors=(pressor("norepinephrine", "0"),)),))
    none = record()
    for rec in (stopped, none):
        assert finding(check(rec), "vasopressor_at_dose").status is NOT_MET
        assert check(rec).recommendation is Recommendation.GIVE


def test_a_site_may_make_it_discontinue() -> None:
    criteria = tuple(
        replace(c, action=Action.DISCONTINUE) if c.code is CriterionCode.VASOPRESSOR_AT_DOSE else c
        for c in DEFAULT_PROFILE.precheck.criteria
    )
    profile = profile_with("precheck", criteria=criteria)
    rec = record(vitals=(vitals(vasopressors=(pressor("vasopressin", "0.03", "units/min"),)),))

    assert check(rec, profile).recommendation is Recommendation.DISCONTINUE


def test_stale_vitals_make_it_not_assessable() -> None:
    rec = record(vitals=(vitals(ago(hours=3), vasopressors=(pressor("norepinephrine"),)),))
    found = finding(check(rec), "vasopressor_at_dose")
    assert found.status is CriterionStatus.NOT_ASSESSABLE


# --- SpO2 on scale 2 -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("scale", "spo2", "status"),
    [
        (2, 87, MET),
        (2, 88, NOT_MET),
        (2, 89, NOT_MET),
        (1, 89, MET),
        (1, 90, NOT_MET),
    ],
)
def test_spo2_threshold_by_scale(scale: int, spo2: int, status: CriterionStatus) -> None:
    rec = record(baseline=baseline(spo2_scale=scale), vitals=(vitals(spo2=spo2),))
    found = finding(check(rec), "spo2_lt_90")
    assert found.status is status
    expected = "SpO2 < 88 % (SpO2 scale 2)" if scale == 2 else "SpO2 < 90 %"
    assert found.threshold == expected


def test_a_scale_2_patient_at_89_is_given() -> None:
    rec = record(baseline=baseline(spo2_scale=2), vitals=(vitals(spo2=89),))
    assert check(rec).recommendation is Recommendation.GIVE


def test_the_scale_2_threshold_is_a_profile_setting() -> None:
    profile = profile_with("precheck", spo2_scale_2_below=90)
    rec = record(baseline=baseline(spo2_scale=2), vitals=(vitals(spo2=89),))
    assert check(rec, profile).recommendation is Recommendation.HOLD


# --- events that end -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("ended_at", "holds"),
    [(None, True), (ago(seconds=-1), True), (NOW, False), (ago(hours=1), False)],
)
def test_an_ended_arrhythmia_no_longer_holds(ended_at: Any, holds: bool) -> None:
    af = event("atrial_fibrillation", ago(hours=20), ended_at=ended_at)
    result = check(record(events=(af,)))
    assert (finding(result, "arrhythmia").status is MET) is holds
    expected = Recommendation.HOLD if holds else Recommendation.GIVE
    assert result.recommendation is expected
