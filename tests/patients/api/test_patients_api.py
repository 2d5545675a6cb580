"""The patients endpoints of the public contract (api-contract.md, "Patients")."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from il2monitor.tokens.services import api_token_create
from patients.models import Patient
from tests.support.factories import AdmissionFactory, PatientFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/patients/"
VALID = {
    "mrn": "il2-7001",
    "given_name": "Ada",
    "family_name": "Okafor",
    "birth_date": "1961-03-14",
    "sex": "female",
    "diagnosis": "metastatic_melanoma",
    "baseline_weight_kg": "68.4",
}


def test_anonymous_gets_401_and_no_data(api, patient):
    for response in (
        api.get(LIST),
        api.get(f"{LIST}{patient.pk}/"),
        api.post(LIST, VALID, format="json"),
    ):
        assert response.status_code == 401
        assert "results" not in response.json()
        assert patient.family_name not in response.content.decode()


def test_create_returns_the_contract_fields(api_as, nurse):
    response = api_as(nurse).post(LIST, VALID, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) >= {
        "id",
        "mrn",
        "given_name",
        "family_name",
        "birth_date",
        "sex",
        "diagnosis",
        "baseline_weight_kg",
        "baseline_systolic_bp",
        "baseline_creatinine_mg_dl",
        "spo2_scale",
        "ward",
        "bed",
    }
    assert body["mrn"] == "IL2-7001"
    assert body["spo2_scale"] == 1
    assert body["ward"] is None
    assert Patient.objects.get(pk=body["id"]).history.first().history_user == nurse


BAD_INPUTS = [
    ({"baseline_weight_kg": "19.9"}, "baseline_weight_kg", "Weight must be between 20 and 300 kg."),
    (
        {"baseline_weight_kg": "300.5"},
        "baseline_weight_kg",
        "Weight must be between 20 and 300 kg.",
    ),
    ({"baseline_weight_kg": "heavy"}, "baseline_weight_kg", "A valid number is required."),
    ({"birth_date": "2999-01-01"}, "birth_date", "Birth date cannot be in the future."),
    ({"birth_date": "14/03/1961"}, "birth_date", "Date has wrong format."),
    ({"mrn": "has space"}, "mrn", "MRN must be 3–32 letters, digits or hyphens"),
    ({"sex": "f"}, "sex", '"f" is not a valid choice.'),
    ({"diagnosis": "melanoma"}, "diagnosis", '"melanoma" is not a valid choice.'),
    ({"spo2_scale": 3}, "spo2_scale", '"3" is not a valid choice.'),
    (
        {"baseline_systolic_bp": 300},
        "baseline_systolic_bp",
        "Baseline systolic BP must be between 50 and 250 mmHg.",
    ),
    (
        {"baseline_creatinine_mg_dl": "0"},
        "baseline_creatinine_mg_dl",
        "Baseline creatinine must be between 0.1 and 20 mg/dL.",
    ),
    ({"given_name": ""}, "given_name", "This field may not be blank."),
    ({"family_name": None}, "family_name", "This field may not be null."),
]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    BAD_INPUTS,
    ids=[case[1] + ":" + str(next(iter(case[0].values()))) for case in BAD_INPUTS],
)
def test_bad_input_is_a_400_naming_the_field_and_writes_nothing(
    api_as, physician, change, field, message
):
    response = api_as(physician).post(LIST, {**VALID, **change}, format="json")

    assert response.status_code == 400
    assert any(message in text for text in response.json()[field]), response.json()
    assert Patient.objects.count() == 0


def test_missing_required_fields_are_all_named_at_once(api_as, nurse):
    response = api_as(nurse).post(LIST, {}, format="json")

    assert response.status_code == 400
    assert set(response.json()) == {
        "mrn",
        "given_name",
        "family_name",
        "birth_date",
        "diagnosis",
        "baseline_weight_kg",
    }


def test_every_failing_field_is_reported_in_one_response(api_as, nurse):
    response = api_as(nurse).post(
        LIST,
        {**VALID, "baseline_weight_kg": "5", "birth_date": "2999-01-01", "sex": "?"},
        format="json",
    )
    assert response.status_code == 400
    assert {"baseline_weight_kg", "birth_date", "sex"} <= set(response.json())


def test_duplicate_mrn_in_other_case_is_a_400(api_as, nurse):
    PatientFactory(mrn="IL2-7001")
    response = api_as(nurse).post(LIST, VALID, format="json")
    assert response.status_code == 400
    assert response.json()["mrn"] == ["A patient with this MRN already exists."]
    assert Patient.objects.count() == 1


def test_nurse_cannot_prescribe_spo2_scale_2_but_physician_can(api_as, nurse, physician):
    response = api_as(nurse).post(LIST, {**VALID, "spo2_scale": 2}, format="json")
    assert response.status_code == 400
    assert response.json()["spo2_scale"] == ["Only a physician may prescribe SpO2 scale 2."]

    response = api_as(physician).post(LIST, {**VALID, "spo2_scale": 2}, format="json")
    assert response.status_code == 201
    assert response.json()["spo2_scale"] == 2


def test_patch_updates_and_keeps_history(api_as, physician, patient):
    response = api_as(physician).patch(
        f"{LIST}{patient.pk}/", {"baseline_weight_kg": "70.5"}, format="json"
    )

    assert response.status_code == 200, response.json()
    assert response.json()["baseline_weight_kg"] == 70.5
    assert patient.history.count() == 2


def test_patch_with_bad_value_writes_nothing(api_as, physician, patient):
    response = api_as(physician).patch(
        f"{LIST}{patient.pk}/", {"baseline_weight_kg": "400"}, format="json"
    )
    assert response.status_code == 400
    patient.refresh_from_db()
    assert str(patient.baseline_weight_kg) == "72.0"


def test_put_and_delete_are_not_offered(api_as, physician, patient):
    client = api_as(physician)
    assert client.delete(f"{LIST}{patient.pk}/").status_code == 405
    assert client.put(f"{LIST}{patient.pk}/", VALID, format="json").status_code == 405
    assert Patient.objects.filter(pk=patient.pk).exists()


def test_unknown_id_is_404(api_as, nurse):
    assert api_as(nurse).get(f"{LIST}00000000-0000-0000-0000-000000000000/").status_code == 404


@pytest.mark.parametrize(
    ("role_fixture", "read", "write"),
    [
        ("nurse", 200, 201),
        ("physician", 200, 201),
        ("pharmacist", 200, 403),
        ("api_reader", 200, 403),
    ],
)
def test_roles(request, api_as, role_fixture, read, write):
    client = api_as(request.getfixturevalue(role_fixture))
    assert client.get(LIST).status_code == read
    assert client.post(LIST, VALID, format="json").status_code == write


def test_user_without_a_role_is_forbidden(api_as, make_user):
    assert api_as(make_user(None, username="nobody")).get(LIST).status_code == 403


def test_token_authentication(api_reader):
    client = APIClient()
    key = api_token_create(user=api_reader, name="registry", scope="read", by=None).key
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get(LIST).status_code == 200
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.get(LIST).status_code == 401


def test_list_is_paginated_and_searchable_by_mrn_and_name(api_as, nurse):
    PatientFactory(mrn="IL2-1111", given_name="Margaret", family_name="Okafor")
    PatientFactory(mrn="IL2-2222", given_name="David", family_name="Lindqvist")
    PatientFactory.create_batch(3)
    client = api_as(nurse)

    page = client.get(LIST, {"page_size": 2}).json()
    assert (
        page["count"] == 5
        and len(page["results"]) == 2
        and page["next"]
        and page["previous"] is None
    )
    assert [p["mrn"] for p in client.get(LIST, {"search": "il2-2222"}).json()["results"]] == [
        "IL2-2222"
    ]
    assert [p["mrn"] for p in client.get(LIST, {"search": "okaf marg"}).json()["results"]] == [
        "IL2-1111"
    ]
    assert client.get(LIST, {"search": "nobody-like-this"}).json()["count"] == 0


def test_list_shows_ward_and_bed_from_the_open_admission_and_filters_by_ward(api_as, nurse):
    AdmissionFactory(ward="HDU", bed="H1")
    AdmissionFactory(ward="7B", bed="2")

    results = api_as(nurse).get(LIST, {"ward": "HDU"}).json()["results"]
    assert [(p["ward"], p["bed"]) for p in results] == [("HDU", "H1")]


def test_list_query_count_does_not_grow_with_patients(nurse, django_assert_num_queries):
    client = APIClient()
    key = api_token_create(user=nurse, name="tablet", scope="read_write", by=None).key
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    AdmissionFactory.create_batch(3)
    client.get(LIST)  # the token's first use writes its last-used time (then once a minute)
    # token+user, the user's own and group permissions, count, page, open admissions.
    with django_assert_num_queries(6):
        assert len(client.get(LIST).json()["results"]) == 3
    AdmissionFactory.create_batch(30)
    with django_assert_num_queries(6):
        assert len(client.get(LIST).json()["results"]) == 33


def test_router_reverse_names_are_stable():
    assert reverse("api:patient-list") == LIST
