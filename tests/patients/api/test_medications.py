"""Supportive medications (api-contract.md): the category decides CRS fever masking."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from patients.models import MedicationCategory, SupportiveMedication
from tests.support.clock import FromNow, as_iso
from tests.support.factories import PatientFactory
from tests.support.observation_factories import SupportiveMedicationFactory

pytestmark = pytest.mark.django_db


def url(patient) -> str:  # type: ignore[no-untyped-def]
    return f"/api/v1/patients/{patient.pk}/medications/"


def given(**changes: object) -> dict[str, object]:
    payload = {
        "drug": "Paracetamol 1 g PO",
        "category": "antipyretic",
        "administered_at": (timezone.now() - timedelta(minutes=30)).isoformat(),
    }
    payload.update(changes)
    return as_iso({key: value for key, value in payload.items() if value is not ...})


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
        url(admission.patient), given(drug=drug, category=category), "json"
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
    response = api_as(nurse).post(url(admission.patient), given(**change), format="json")
    assert response.status_code == 400
    assert any(message in text for text in response.json()[field]), response.json()
    assert SupportiveMedication.objects.count() == 0


def test_repeated_client_id_and_no_admission(api_as, nurse, admission):
    client_id = str(uuid.uuid4())
    client = api_as(nurse)
    assert (
        client.post(url(admission.patient), given(client_id=client_id), "json").status_code == 201
    )
    assert (
        client.post(url(admission.patient), given(client_id=client_id), "json").status_code == 200
    )
    assert client.post(url(PatientFactory()), given(), "json").status_code == 409
    assert SupportiveMedication.objects.count() == 1


def test_entered_in_error(api_as, physician, admission):
    medication = SupportiveMedicationFactory(admission=admission)
    response = api_as(physician).post(
        f"/api/v1/medications/{medication.pk}/entered-in-error/",
        {"reason": "Charted for the wrong bed"},
        format="json",
    )
    assert response.status_code == 200 and response.json()["entered_in_error"]


@pytest.mark.parametrize(
    ("role_fixture", "write"),
    [("nurse", 201), ("physician", 201), ("pharmacist", 403), ("api_reader", 403)],
)
def test_roles(request, api_as, admission, role_fixture, write):
    client = api_as(request.getfixturevalue(role_fixture))
    assert client.get(url(admission.patient)).status_code == 200
    assert client.post(url(admission.patient), given(), format="json").status_code == write


@pytest.mark.parametrize("rows", [3, 30])
def test_list_query_count(api_as, nurse, admission, django_assert_num_queries, rows):
    for _ in range(rows):
        SupportiveMedicationFactory(admission=admission)
    client = api_as(nurse)
    client.get(url(admission.patient))
    with django_assert_num_queries(4):  # patient (+ open admission), count, page
        assert len(client.get(url(admission.patient)).json()["results"]) == rows
