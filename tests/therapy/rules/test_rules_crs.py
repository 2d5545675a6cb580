"""CRS grade, ASTCT 2019 (clinical-rules.md §2): both edges of every threshold and window."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.support.rules_factories import NOW, ago, medication, profile_with, record, vitals
from therapy.rules.crs import crs_assess, hypotension_grade, hypoxia_grade, pressor_count
from therapy.rules.inputs import Vasopressor

D = Decimal


def pressor(agent: str, dose: str = "0.1") -> Vasopressor:
    return Vasopressor(agent, D(dose), "mcg/kg/min")  # type: ignore[arg-type]


def grade_of(*sets: Any, medications: Any = (), profile: Any = None, **kwargs: Any) -> Any:
    extra = {} if profile is None else {"profile": profile}
    return crs_assess(record(vitals=sets, medications=medications), at=NOW, **extra, **kwargs)


@pytest.mark.parametrize(
    ("temperature", "fever"),
    [("37.9", False), ("37.94", False), ("37.95", True), ("38.0", True), ("38.1", True)],
)
def test_fever_edge(temperature: str, fever: bool) -> None:
    result = grade_of(vitals(temperature_c=D(temperature)))
    assert result.fever is fever
    assert result.grade == int(fever)


@pytest.mark.parametrize(
    ("taken", "counts"),
    [({"hours": 24}, True), ({"hours": 24, "seconds": 1}, False), ({"seconds": 0}, True)],
)
def test_fever_window_edges(taken: dict[str, float], counts: bool) -> None:
    febrile = vitals(ago(**taken), temperature_c=D("38.5"))
    result = grade_of(febrile, vitals(ago(minutes=1)))
    assert result.fever is counts


def test_fever_later_than_the_evaluation_time_is_not_read() -> None:
    result = grade_of(vitals(ago(minutes=-1), temperature_c=D("39.0")), vitals(ago(minutes=10)))
    assert not result.fever


def test_fever_window_is_a_profile_field() -> None:
    profile = profile_with("crs", fever_window_hours=6)
    febrile = vitals(ago(hours=7), temperature_c=D("38.5"))
    assert not grade_of(febrile, vitals(), profile=profile).fever
    assert grade_of(febrile, vitals()).fever


def test_fever_threshold_is_a_profile_field() -> None:
    profile = profile_with("crs", fever_c=D("38.3"))
    assert not grade_of(vitals(temperature_c=D("38.2")), profile=profile).fever
    assert grade_of(vitals(temperature_c=D("38.3")), profile=profile).fever


@pytest.mark.parametrize(
    ("category", "masks"),
    [
        ("antipyretic", True),
        ("anticytokine", True),
        ("corticosteroid", True),
        ("antiemetic", False),
        ("other", False),
    ],
)
def test_masking_categories(category: str, masks: bool) -> None:
    hypoxic = vitals(oxygen_device="nasal_cannula", oxygen_flow_l_min=D(2))
    result = grade_of(hypoxic, medications=(medication(category),))
    assert result.fever_masked is masks
    assert result.grade == (2 if masks else 0)


@pytest.mark.parametrize(
    ("given", "masks"),
    [
        ({"hours": 24}, True),
        ({"hours": 24, "seconds": 1}, False),
        ({"seconds": 0}, True),
        ({"minutes": -1}, False),
    ],
)
def test_masking_window_edges(given: dict[str, float], masks: bool) -> None:
    result = grade_of(vitals(), medications=(medication("antipyretic", ago(**given)),))
    assert result.fever_masked is masks


def test_masking_window_is_a_profile_field() -> None:
    profile = profile_with("crs", masking_window_hours=4)
    late = (medication("corticosteroid", ago(hours=5)),)
    assert not grade_of(vitals(), medications=late, profile=profile).fever_masked


@pytest.mark.parametrize(("sbp", "grade"), [(89, 2), (90, 0), (60, 2), (120, 0)])
def test_hypotension_sbp_edge(sbp: int, grade: int) -> None:
    assert hypotension_grade(sbp, (), sbp_below=90) == grade
    result = grade_of(vitals(systolic_bp=sbp, temperature_c=D("38.5")))
    assert result.hypotension_grade == grade
    assert result.grade == max(grade, 1)


def test_hypotension_threshold_is_a_profile_field() -> None:
    profile = profile_with("crs", hypotension_sbp_below=100)
    result = grade_of(vitals(systolic_bp=95, temperature_c=D("38.5")), profile=profile)
    assert result.hypotension_grade == 2


@pytest.mark.parametrize(
    ("agents", "count", "grade"),
    [
        ((), 0, 0),
        (("vasopressin",), 1, 3),  # vasopressin alone counts as one
        (("norepinephrine",), 1, 3),
        (("norepinephrine", "vasopressin"), 1, 3),  # with or without vasopressin
        (("norepinephrine", "norepinephrine"), 1, 3),  # the same agent twice is one
        (("norepinephrine", "phenylephrine"), 2, 4),
        (("dopamine", "epinephrine", "vasopressin"), 2, 4),
        (("other",), 1, 3),
        (("other", "other"), 2, 4),  # each "other" entry is a different drug
        (("phenylephrine", "other"), 2, 4),
    ],
)
def test_vasopressor_counting(agents: tuple[str, ...], count: int, grade: int) -> None:
    pressors = tuple(pressor(agent) for agent in agents)
    assert pressor_count(pressors) == count
    assert hypotension_grade(120, pressors, sbp_below=90) == grade


def test_stopped_vasopressor_does_not_count() -> None:
    assert pressor_count((pressor("norepinephrine", "0"), pressor("vasopressin"))) == 1
    assert hypotension_grade(None, (pressor("dopamine", "0"),), sbp_below=90) is None


def test_vasopressor_grades_without_sbp() -> None:
    assert hypotension_grade(None, (pressor("norepinephrine"),), sbp_below=90) == 3
    assert hypotension_grade(None, (), sbp_below=90) is None


@pytest.mark.parametrize(
    ("device", "flow", "grade"),
    [
        ("room_air", None, 0),
        ("blow_by", None, 2),
        ("nasal_cannula", "1", 2),
        ("nasal_cannula", "6", 2),
        ("nasal_cannula", "6.1", 3),
        ("nasal_cannula", None, 2),  # at least low flow
        ("high_flow_nasal_cannula", "30", 3),
        ("simple_face_mask", "6", 3),
        ("non_rebreather_mask", "15", 3),
        ("venturi_mask", "8", 3),
        ("cpap", "10", 4),
        ("bipap", "10", 4),
        ("mechanical_ventilation", None, 4),
    ],
)
def test_hypoxia_by_device_and_flow(device: str, flow: str | None, grade: int) -> None:
    flow_value = None if flow is None else D(flow)
    assert hypoxia_grade(device, flow_value) == grade  # type: ignore[arg-type]
    result = grade_of(vitals(oxygen_device=device, oxygen_flow_l_min=flow_value))
    assert result.hypoxia_grade == grade


@pytest.mark.parametrize(
    ("fever", "masked", "hypotension", "hypoxia", "grade"),
    [
        (False, False, 0, 0, 0),
        (False, False, 4, 4, 0),  # without fever, not masked: 0
        (True, False, 0, 0, 1),
        (True, False, 2, 0, 2),
        (True, False, 0, 3, 3),
        (True, False, 3, 2, 3),  # the more severe of the two
        (True, False, 2, 4, 4),
        (False, True, 0, 0, 0),  # masked with neither: 0
        (False, True, 3, 2, 3),
        (True, True, 0, 0, 1),
    ],
)
def test_grade_composition(
    fever: bool, masked: bool, hypotension: int, hypoxia: int, grade: int
) -> None:
    sbp = 80 if hypotension == 2 else 120
    agents = {0: (), 2: (), 3: ("dopamine",), 4: ("dopamine", "epinephrine")}[hypotension]
    device, flow = {
        0: ("room_air", None),
        2: ("nasal_cannula", D(4)),
        3: ("venturi_mask", D(8)),
        4: ("bipap", D(10)),
    }[hypoxia]
    latest = vitals(
        systolic_bp=sbp,
        vasopressors=tuple(pressor(agent) for agent in agents),
        oxygen_device=device,
        oxygen_flow_l_min=flow,
        temperature_c=D("38.6") if fever else D("37.2"),
    )
    meds = (medication("anticytokine"),) if masked else ()
    result = grade_of(latest, medications=meds)
    assert (result.hypotension_grade, result.hypoxia_grade) == (hypotension, hypoxia)
    assert result.grade == grade
    assert (result.fever, result.fever_masked) == (fever, masked)


def test_hypotension_and_hypoxia_come_from_the_latest_set_only() -> None:
    earlier = vitals(ago(hours=3), systolic_bp=80, oxygen_device="cpap", oxygen_flow_l_min=D(8))
    latest = vitals(ago(minutes=5), temperature_c=D("38.4"))
    result = grade_of(earlier, latest)
    assert (result.hypotension_grade, result.hypoxia_grade, result.grade) == (0, 0, 1)
    assert result.as_of == latest.taken_at


def test_no_vitals_in_the_window_gives_no_grade() -> None:
    result = grade_of(
        vitals(ago(hours=25), temperature_c=D("39.0")), medications=(medication("antipyretic"),)
    )
    assert result.grade is None
    assert result.fever is False and result.fever_masked is True
    assert result.hypotension_grade is None and result.hypoxia_grade is None
    assert result.as_of is None
    assert result.missing == ("vitals",)
    assert result.reasons == ("No vital signs in the preceding 24 h: CRS cannot be graded.",)
    assert result.to_dict()["grade"] is None


def test_missing_inputs_give_a_lower_bound_and_say_so() -> None:
    latest = vitals(systolic_bp=None, oxygen_device=None, temperature_c=None)
    result = grade_of(latest, medications=(medication("antipyretic"),))
    assert result.grade == 0
    assert result.hypotension_grade is None and result.hypoxia_grade is None
    assert result.max_temperature_c is None
    assert result.missing == ("temperature_c", "systolic_bp", "oxygen_device")
    assert result.reasons == (
        "No temperature recorded in the window.",
        f"Fever masked: antipyretic given at {ago(2).isoformat()}.",
        "No SBP in the latest set and no vasopressor running.",
        "No oxygen device recorded in the latest set.",
    )
    nasal = grade_of(vitals(oxygen_device="nasal_cannula", oxygen_flow_l_min=None))
    assert nasal.missing == ("oxygen_flow_l_min",)


def test_reasons_are_plain_words() -> None:
    latest = vitals(
        systolic_bp=85,
        oxygen_device="nasal_cannula",
        oxygen_flow_l_min=D(4),
        temperature_c=D("38.4"),
        vasopressors=(pressor("norepinephrine"),),
    )
    result = grade_of(latest, medications=(medication("antipyretic", ago(hours=2)),))
    assert result.reasons == (
        "Highest temperature 38.4 °C (fever, ≥ 38.0).",
        f"Fever masked: antipyretic given at {ago(hours=2).isoformat()}.",
        "SBP 85 mmHg (< 90 is hypotension), vasopressors: norepinephrine: hypotension grade 3.",
        "Oxygen: nasal_cannula at 4 L/min: hypoxia grade 2.",
    )
    calm = grade_of(vitals())
    assert calm.reasons == (
        "Highest temperature 37.0 °C (no fever, ≥ 38.0).",
        "SBP 120 mmHg (< 90 is hypotension), vasopressors: none: hypotension grade 0.",
        "Oxygen: room_air: hypoxia grade 0.",
        "No fever and no masking medication: grade 0 (ASTCT requires fever).",
    )


def test_masking_reasons_are_in_time_order() -> None:
    meds = (medication("corticosteroid", ago(1)), medication("antipyretic", ago(5)))
    result = grade_of(vitals(), medications=meds)
    assert [r for r in result.reasons if r.startswith("Fever masked")] == [
        f"Fever masked: antipyretic given at {ago(5).isoformat()}.",
        f"Fever masked: corticosteroid given at {ago(1).isoformat()}.",
    ]


def test_contract_shape_carries_the_profile_version() -> None:
    result = grade_of(vitals(temperature_c=D("38.2")))
    data = result.to_dict()
    assert {k: data[k] for k in ("grade", "fever", "fever_masked", "hypotension_grade")} == {
        "grade": 1,
        "fever": True,
        "fever_masked": False,
        "hypotension_grade": 0,
    }
    assert data["hypoxia_grade"] == 0
    assert data["as_of"] == ago(minutes=30).isoformat()
    assert data["max_temperature_c"] == "38.2"
    assert data["missing"] == []
    assert len(data["reasons"]) == 3
    assert (data["profile_name"], data["profile_version"]) == ("label-2024+consensus-2014", "1")


def test_reasons_name_every_running_vasopressor() -> None:
    latest = vitals(vasopressors=(pressor("dopamine"), pressor("vasopressin")))
    result = grade_of(latest)
    assert result.reasons[1] == (
        "SBP 120 mmHg (< 90 is hypotension), vasopressors: dopamine, vasopressin: "
        "hypotension grade 3."
    )
