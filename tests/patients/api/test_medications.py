"""Supportive medications (api-contract.md): the category decides CRS fever masking."""

import pytest

from patients.models import MedicationCategory, SupportiveMedication
from tests.support.clock import FromNow
from tests.support.observation_kinds import medication_payload

pytestmark = pytest.mark.django_db


def url(patient) -> str:  # type: ignore[no-untyped-def]
    return f"/api/v1/patients/{patient.pk}/medications/"


def test_the_categories_are_the_contracts():
    assert MedicationCategory.values == [
        "antipyretic",
        "anticytokine",
        "corticosteroid",
        "antiemetic",
        "other",
    ]


@pytest.mark.parametrize(
    ("drug", "category"),
    [
        ("Paracetamol 1 g PO", "antipyretic"),
        ("Tocilizumab 8 mg/kg IV", "anticytokine"),
        ("Dexamethasone 10 mg IV", "corticosteroid"),
        ("Ondansetron 8 mg IV", "antiemetic"),
        ("Pethidine 25 mg IV (rigors)", "other"),
    ],
)
def test_record_each_category(api_as, nurse, admission, drug, category):
    response = api_as(nurse).post(
        url(admission.patient), medication_payload(drug=drug, category=category), "json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["category"] == category and response.json()["drug"] == drug


BAD = [
    ({"category": "analgesic"}, "category", '"analgesic" is not a valid choice.'),
    ({"category": ...}, "category", "This field is required."),
    ({"drug": ""}, "drug", "This field may not be blank."),
    ({"drug": "x" * 101}, "drug", "Ensure this field has no more than 100 characters."),
    (
        {"administered_at": FromNow(hours=2)},
        "administered_at",
        "Time cannot be in the future.",
    ),
    ({"administered_at": "now"}, "administered_at", "with its time zone: Z or ±hh:mm"),
]


@pytest.mark.parametrize(("change", "field", "message"), BAD, ids=[f for _, f, _ in BAD])
def test_bad_input_is_a_400_naming_the_field(api_as, nurse, admission, change, field, message):
    response = api_as(nurse).post(
        url(admission.patient), medication_payload(**change), format="json"
    )
    assert response.status_code == 400
    assert any(message in text for text in response.json()[field]), response.json()
    assert SupportiveMedication.objects.count() == 0
