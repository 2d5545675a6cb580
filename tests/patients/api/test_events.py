"""Clinical events (api-contract.md): every code the hold criteria of clinical-rules.md §4 read."""

import os
import re
from pathlib import Path

import pytest

from patients.models import ClinicalEvent, ClinicalEventCode
from tests.support.clock import FromNow
from tests.support.observation_kinds import event_payload
from tests.support.paths import REPO

pytestmark = pytest.mark.django_db

# The codes named in the hold-criteria table (clinical-rules.md §4).
HOLD_CRITERIA_CODES = {
    "mental_status_change",
    "atrial_fibrillation",
    "svt",
    "bradycardia",
    "infection_suspected",
    "sustained_vt",
    "uncontrolled_arrhythmia",
    "ischemia",
    "cardiac_tamponade",
    "intubation",
    "dialysis",
    "coma",
    "seizures",
    "bowel_perforation",
    "gi_bleed_surgery",
}
# Beside the repository, like the rules tests' vectors (or where IL2_SHARED_DIR says).
SHARED = Path(os.environ.get("IL2_SHARED_DIR", REPO.parent / "shared"))
RULES = SHARED / "clinical-rules.md"


def url(patient) -> str:  # type: ignore[no-untyped-def]
    return f"/api/v1/patients/{patient.pk}/events/"


def test_every_code_of_the_hold_criteria_is_offered():
    assert set(ClinicalEventCode.values) == HOLD_CRITERIA_CODES


def test_the_hold_criteria_table_names_no_other_event_code():
    if not RULES.exists():
        pytest.fail(f"clinical-rules.md not found at {RULES}")
    section = RULES.read_text().split("## 4.")[1].split("## 5.")[0]
    named = set()
    for line in section.splitlines():
        criterion = line.split("|")[2] if line.count("|") > 3 else ""
        if "event `" in criterion:
            named |= set(re.findall(r"`([a-z_]+)`", criterion.split("event ", 1)[1]))
    assert named == HOLD_CRITERIA_CODES


@pytest.mark.parametrize("code", sorted(HOLD_CRITERIA_CODES))
def test_each_code_is_recorded(api_as, physician, admission, code):
    response = api_as(physician).post(
        url(admission.patient), event_payload(code=code), format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["code"] == code


def test_the_note_is_optional(api_as, nurse, admission):
    response = api_as(nurse).post(url(admission.patient), event_payload(note=...), format="json")
    assert response.status_code == 201 and response.json()["note"] == ""


BAD = [
    ({"code": "hypotension"}, "code", '"hypotension" is not a valid choice.'),
    ({"code": ...}, "code", "This field is required."),
    ({"observed_at": ...}, "observed_at", "This field is required."),
    (
        {"observed_at": FromNow(minutes=30)},
        "observed_at",
        "Time cannot be in the future.",
    ),
    ({"note": "x" * 2001}, "note", "Ensure this field has no more than 2000 characters."),
]


@pytest.mark.parametrize(("change", "field", "message"), BAD, ids=[f for _, f, _ in BAD])
def test_bad_input_is_a_400_naming_the_field(api_as, nurse, admission, change, field, message):
    response = api_as(nurse).post(url(admission.patient), event_payload(**change), format="json")
    assert response.status_code == 400
    assert any(message in text for text in response.json()[field]), response.json()
    assert ClinicalEvent.objects.count() == 0
