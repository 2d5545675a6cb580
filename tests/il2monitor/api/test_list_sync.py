"""Incremental sync over the REST lists (issue 15 item 4; il2monitor/listing.py), through HTTP:
``recorded_since`` (entry time) on every list finds a late entry that ``since`` (clinical time)
misses; ``since``/``until`` on alerts, doses, courses and admissions; and paging that stays
stable while records are entered (the ``recorded_until`` pin in the links)."""

from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from patients.services.vitals import vitals_record
from tests.support.factories import AdmissionFactory
from tests.support.therapy_fixtures import CRS_GRADE_3, order_course, record_vitals
from therapy.monitor.evaluation import evaluation_run

pytestmark = pytest.mark.django_db


def listed(client: Any, url: str, **params: Any) -> dict[str, Any]:
    response = client.get(url, params)
    assert response.status_code == 200, response.content
    return response.json()  # type: ignore[no-any-return]


def ids(page: dict[str, Any]) -> list[str]:
    return [row["id"] for row in page["results"]]


def test_recorded_since_finds_a_set_taken_long_ago_but_entered_now(api_as, nurse, admission):
    api = api_as(nurse)
    url = f"/api/v1/patients/{admission.patient.pk}/vitals/"
    record_vitals(admission.patient, nurse, minutes_ago=10)
    last_sync = timezone.now()
    late = vitals_record(
        patient=admission.patient,
        by=nurse,
        taken_at=timezone.now() - timedelta(minutes=90),
        heart_rate=80,
    ).record
    by_entry = listed(api, url, recorded_since=last_sync.isoformat())
    assert ids(by_entry) == [str(late.pk)]
    by_clinical_time = listed(api, url, since=last_sync.isoformat())
    assert str(late.pk) not in ids(by_clinical_time)  # what used to be missed
    for kind in ("fluids", "labs", "medications", "events"):
        assert (
            listed(
                api,
                f"/api/v1/patients/{admission.patient.pk}/{kind}/",
                recorded_since=last_sync.isoformat(),
            )["count"]
            == 0
        )


def test_since_and_until_on_alerts_doses_courses_and_admissions(api_as, nurse, physician):
    api = api_as(physician)
    patient = AdmissionFactory().patient
    course = order_course(patient, physician)
    record_vitals(patient, nurse, minutes_ago=5, **CRS_GRADE_3)
    evaluation_run(patient_id=patient.pk, reason="vitals")
    now = timezone.now()
    later, earlier = (now + timedelta(days=60)).isoformat(), (now - timedelta(days=60)).isoformat()
    lists = {
        "/api/v1/alerts/": {"patient": str(patient.pk)},
        f"/api/v1/patients/{patient.pk}/doses/": {},
        f"/api/v1/patients/{patient.pk}/courses/": {},
        f"/api/v1/patients/{patient.pk}/admissions/": {},
    }
    for url, extra in lists.items():
        everything = listed(api, url, **extra)["count"]
        assert everything >= 1, url
        assert listed(api, url, since=earlier, until=later, **extra)["count"] == everything, url
        assert listed(api, url, since=later, **extra)["count"] == 0, url
        assert listed(api, url, until=earlier, **extra)["count"] == 0, url
        assert listed(api, url, recorded_since=later, **extra)["count"] == 0, url
        assert api.get(url, {"since": "yesterday", **extra}).status_code == 400, url
    doses = listed(
        api,
        f"/api/v1/patients/{patient.pk}/doses/",
        until=(course.cycle_1_start + timedelta(hours=1)).isoformat(),
    )
    assert [d["number"] for d in doses["results"]] == [1]  # scheduled before then
    assert api.get("/api/v1/patients/", {"since": earlier}).status_code == 400  # no clinical time
    assert listed(api, "/api/v1/patients/", recorded_since=earlier)["count"] >= 1


def test_paging_is_stable_while_records_are_entered(api_as, nurse, admission):
    api = api_as(nurse)
    url = f"/api/v1/patients/{admission.patient.pk}/vitals/"
    for minutes in (50, 40, 30, 20, 10):
        record_vitals(admission.patient, nurse, minutes_ago=minutes)
    first = listed(api, url, page_size=2)
    pin = parse_qs(urlsplit(first["next"]).query)["recorded_until"]
    assert pin and first["count"] == 5
    # Entered between two pages, newest clinical time first: without the pin every later page
    # would shift by one and a set would be listed twice.
    newer = record_vitals(admission.patient, nurse, minutes_ago=1)
    seen, page = ids(first), first
    while page["next"]:
        page = api.get(page["next"]).json()
        assert page["count"] == 5
        seen += ids(page)
    assert len(seen) == len(set(seen)) == 5
    assert str(newer.pk) not in seen
    assert "recorded_until" in page["previous"]
    # The next sync asks for what was entered after the pin.
    assert ids(listed(api, url, recorded_since=pin[0])) == [str(newer.pk)]
