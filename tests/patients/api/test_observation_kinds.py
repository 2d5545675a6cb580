"""What every kind of bedside record does alike through the API (api-contract.md: "Vital
signs", "Fluids", "Labs", "Supportive medications", "Clinical events"): who entered it, a
retried client_id, no open admission, the list (clinical time, newest first, pages, a fixed
number of queries), entered in error, never edited or deleted, unknown ids, anonymous callers
and roles. Each test runs for all five kinds; what a kind does on its own (its fields, limits
and messages) is in its module: test_vitals_api.py, test_fluids.py, test_labs.py,
test_medications.py, test_events.py."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.support.factories import AdmissionFactory, PatientFactory
from tests.support.observation_kinds import KINDS

pytestmark = pytest.mark.django_db

each_kind = pytest.mark.parametrize("kind", KINDS, ids=str)


@each_kind
def test_a_record_names_who_entered_it_its_patient_and_admission(api_as, nurse, admission, kind):
    client_id = str(uuid.uuid4())
    response = api_as(nurse).post(
        kind.list_url(admission.patient), kind.payload(client_id=client_id), format="json"
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["client_id"] == client_id
    assert body["entered_by"] == "nurse.one"
    assert body["patient"] == str(admission.patient.pk)
    assert body["admission"] == str(admission.pk)
    assert body["entered_in_error"] is False
    stored = kind.model.objects.get(pk=body["id"])
    assert stored.history.first().history_user == nurse


@each_kind
def test_a_repeated_client_id_returns_the_stored_record_with_200_and_writes_nothing(
    api_as, nurse, admission, kind
):
    client_id = str(uuid.uuid4())
    client = api_as(nurse)
    first = client.post(
        kind.list_url(admission.patient), kind.payload(client_id=client_id), format="json"
    )
    # The retry of a save whose answer was lost: same key, even if the page changed a value.
    again = client.post(
        kind.list_url(admission.patient),
        kind.payload(client_id=client_id, **kind.changed),
        format="json",
    )

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert kind.model.objects.count() == 1


@each_kind
def test_the_client_id_of_another_patients_record_is_a_409(api_as, nurse, admission, kind):
    other = AdmissionFactory()
    client_id = str(uuid.uuid4())
    client = api_as(nurse)
    client.post(kind.list_url(admission.patient), kind.payload(client_id=client_id), "json")

    response = client.post(kind.list_url(other.patient), kind.payload(client_id=client_id), "json")

    assert response.status_code == 409
    assert response.json()["client_id"] == [
        "This client_id was already used for another patient's record."
    ]
    assert kind.model.objects.count() == 1


@each_kind
def test_a_patient_without_an_open_admission_is_a_409(api_as, nurse, kind):
    response = api_as(nurse).post(kind.list_url(PatientFactory()), kind.payload(), format="json")

    assert response.status_code == 409
    assert "no open admission" in response.json()["detail"]
    assert kind.model.objects.count() == 0


@each_kind
def test_the_list_filters_by_clinical_time_newest_first(api_as, nurse, admission, kind):
    now = timezone.now()
    one, three, five = (kind.make(admission, now - timedelta(hours=h)) for h in (1, 3, 5))
    kind.make(AdmissionFactory(), now - timedelta(hours=2))  # another patient's
    client = api_as(nurse)

    body = client.get(kind.list_url(admission.patient)).json()
    assert [row["id"] for row in body["results"]] == [str(r.pk) for r in (one, three, five)]
    times = [row[kind.model.CLINICAL_TIME] for row in body["results"]]
    assert times == sorted(times, reverse=True)

    since = (now - timedelta(hours=4)).isoformat()
    until = (now - timedelta(hours=2)).isoformat()
    window = client.get(kind.list_url(admission.patient), {"since": since, "until": until})
    assert [row["id"] for row in window.json()["results"]] == [str(three.pk)]

    bad = client.get(kind.list_url(admission.patient), {"since": "last tuesday"})
    assert bad.status_code == 400 and "since" in bad.json()


@each_kind
def test_the_list_is_paginated(api_as, nurse, admission, kind):
    now = timezone.now()
    for minutes in (5, 15, 25):
        kind.make(admission, now - timedelta(minutes=minutes))
    body = api_as(nurse).get(kind.list_url(admission.patient), {"page_size": 2}).json()
    assert body["count"] == 3 and len(body["results"]) == 2
    assert body["next"] and body["previous"] is None


@each_kind
def test_entered_in_error_marks_the_record_and_keeps_it(api_as, nurse, admission, kind):
    record = kind.make(admission, timezone.now() - timedelta(minutes=10))
    client = api_as(nurse)
    action = f"{kind.detail_url(record.pk)}entered-in-error/"

    assert client.post(action, {"reason": ""}, format="json").status_code == 400
    response = client.post(action, {"reason": "Wrong patient's chart"}, format="json")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["entered_in_error"] is True
    assert body["entered_in_error_reason"] == "Wrong patient's chart"
    assert body["entered_in_error_by"] == "nurse.one"
    assert client.post(action, {"reason": "again"}, format="json").status_code == 409
    # Left out of the list, still there on request and by id.
    assert client.get(kind.list_url(admission.patient)).json()["count"] == 0
    listed = client.get(kind.list_url(admission.patient), {"include_entered_in_error": "true"})
    assert [row["entered_in_error_reason"] for row in listed.json()["results"]] == [
        "Wrong patient's chart"
    ]
    assert client.get(kind.detail_url(record.pk)).json()["entered_in_error"] is True
    record.refresh_from_db()
    assert record.history.count() == 2
    assert record.history.first().history_user == nurse


@each_kind
def test_records_are_never_deleted_or_edited_through_the_api(api_as, physician, admission, kind):
    record = kind.make(admission, timezone.now() - timedelta(minutes=10))
    stored = kind.model.objects.filter(pk=record.pk).values().get()
    client = api_as(physician)
    detail = kind.detail_url(record.pk)

    assert client.delete(detail).status_code == 405
    assert client.patch(detail, kind.changed, format="json").status_code == 405
    assert client.put(detail, kind.payload(), format="json").status_code == 405
    assert kind.model.objects.filter(pk=record.pk).values().get() == stored


@each_kind
def test_unknown_ids_are_404(api_as, nurse, kind):
    client = api_as(nurse)
    missing = uuid.uuid4()
    assert client.get(f"/api/v1/patients/{missing}/{kind}/").status_code == 404
    assert (
        client.post(f"/api/v1/patients/{missing}/{kind}/", kind.payload(), "json").status_code
        == 404
    )
    assert client.get(kind.detail_url(missing)).status_code == 404
    assert kind.model.objects.count() == 0


@each_kind
def test_anonymous_gets_401_and_no_data(api, admission, kind):
    record = kind.make(admission, timezone.now() - timedelta(minutes=10))
    for response in (
        api.get(kind.list_url(admission.patient)),
        api.post(kind.list_url(admission.patient), kind.payload(), format="json"),
        api.get(kind.detail_url(record.pk)),
        api.post(f"{kind.detail_url(record.pk)}entered-in-error/", {"reason": "x"}, "json"),
    ):
        assert response.status_code == 401
        assert "results" not in response.json()
    assert kind.model.objects.count() == 1
    record.refresh_from_db()
    assert record.entered_in_error is False


@each_kind
@pytest.mark.parametrize(
    ("role_fixture", "write"),
    [("nurse", 201), ("physician", 201), ("pharmacist", 403), ("api_reader", 403)],
)
def test_roles(request, api_as, admission, kind, role_fixture, write):
    record = kind.make(admission, timezone.now() - timedelta(minutes=10))
    client = api_as(request.getfixturevalue(role_fixture))

    assert client.get(kind.list_url(admission.patient)).status_code == 200
    assert client.get(kind.detail_url(record.pk)).status_code == 200
    response = client.post(kind.list_url(admission.patient), kind.payload(), format="json")
    assert response.status_code == write
    error = client.post(f"{kind.detail_url(record.pk)}entered-in-error/", {"reason": "x"}, "json")
    assert error.status_code == (200 if write == 201 else 403)
    assert kind.model.objects.count() == (2 if write == 201 else 1)


@each_kind
@pytest.mark.parametrize("rows", [3, 30])
def test_the_list_query_count_does_not_grow_with_rows(
    api_as, nurse, admission, django_assert_num_queries, kind, rows
):
    end = timezone.now() - timedelta(minutes=5)
    for number in range(rows):  # ten minutes apart
        kind.make(admission, end - timedelta(minutes=10 * number))
    client = api_as(nurse)
    client.get(kind.list_url(admission.patient))  # warm the user's permission cache

    # vitals 5, the others 4: see kind.list_queries_are (the patient (+ its open admission),
    # the count, the page; for vitals, the page's vasopressors too)
    with django_assert_num_queries(kind.list_queries):
        response = client.get(kind.list_url(admission.patient))
    assert len(response.json()["results"]) == rows
