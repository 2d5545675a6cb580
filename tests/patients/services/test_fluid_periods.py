"""Fluid periods (api-contract.md v2, "Fluids"): a period lasts 1 minute to 24 hours and is
not in the future (the 5-minute clock-skew allowance of every clinical time); an output that
overlaps another recorded output of the same route is a 409 naming that record, on the API
and on the tablet, checked under a lock on the patient so two overlapping saves cannot both
land; a repeated client_id is still a repeat (200), never an overlap with itself."""

import contextlib
import html
import threading
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from patients import limits
from patients.models import FluidEntry
from patients.services import observations as services_observations
from patients.services.observations import OverlappingOutputError, fluid_record
from patients.services.recording import observation_mark_entered_in_error
from tests.support.factories import AdmissionFactory, UserFactory
from tests.support.rows import snapshot

pytestmark = pytest.mark.django_db


def url(patient: Any) -> str:
    return f"/api/v1/patients/{patient.pk}/fluids/"


def output(start: datetime, end: datetime, **changes: Any) -> dict[str, Any]:
    return {
        "direction": "output",
        "route": "urine",
        "volume_ml": 150,
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
        **changes,
    }


def recorded(admission: Any, nurse: Any, start: datetime, end: datetime, **changes: Any) -> Any:
    values = {"direction": "output", "route": "urine", "volume_ml": 320, **changes}
    return fluid_record(
        patient=admission.patient, by=nurse, period_start=start, period_end=end, **values
    ).record


@pytest.fixture
def now() -> datetime:
    return timezone.now().replace(second=0, microsecond=0)


def test_a_period_of_one_minute_is_taken_and_a_shorter_one_refused(api_as, nurse, admission, now):
    client = api_as(nurse)
    short = client.post(
        url(admission.patient),
        output(now - timedelta(minutes=10, seconds=30), now - timedelta(minutes=10)),
        format="json",
    )
    assert short.status_code == 400
    assert short.json() == {"period_end": [limits.PERIOD_TOO_SHORT]}
    minute = client.post(
        url(admission.patient),
        output(now - timedelta(minutes=11), now - timedelta(minutes=10)),
        format="json",
    )
    assert minute.status_code == 201


def test_the_future_allows_the_clock_skew_of_every_clinical_time(api_as, nurse, admission):
    client = api_as(nurse)
    now = timezone.now()
    skewed = output(now - timedelta(hours=1), now + timedelta(minutes=4))
    assert client.post(url(admission.patient), skewed, format="json").status_code == 201
    ahead = output(now + timedelta(minutes=10), now + timedelta(minutes=40), route="drain")
    response = client.post(url(admission.patient), ahead, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"period_start", "period_end"}
    assert FluidEntry.objects.count() == 1


def test_an_overlapping_output_is_a_409_naming_the_record(api_as, nurse, admission, now):
    first = recorded(admission, nurse, now - timedelta(hours=6), now - timedelta(hours=2))
    before = snapshot()

    response = api_as(nurse).post(
        url(admission.patient),
        output(now - timedelta(hours=3), now - timedelta(minutes=5)),
        format="json",
    )

    assert response.status_code == 409
    body = response.json()
    start, end = timezone.localtime(first.period_start), timezone.localtime(first.period_end)
    assert body["overlapping"] == {
        "id": str(first.pk),
        "direction": "output",
        "route": "urine",
        "volume_ml": 320,
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
    }
    assert (
        f"{start:%d %b %Y %H:%M} to {end:%d %b %Y %H:%M} (Europe/London): 320 mL"
        in (body["detail"])
    )
    assert "mark it entered in error first" in body["detail"]
    assert snapshot() == before


@pytest.mark.parametrize(
    ("changes", "start_hours", "end_hours"),
    [
        ({"route": "emesis"}, -3, -1),  # another route
        ({"direction": "intake", "route": "other"}, -3, -1),  # an intake
        ({}, -2, -1),  # touches: starts as the recorded one ends
        ({}, -8, -6),  # touches: ends as the recorded one starts
    ],
    ids=["another route", "an intake", "starts at its end", "ends at its start"],
)
def test_what_is_not_an_overlap(api_as, nurse, admission, now, changes, start_hours, end_hours):
    recorded(admission, nurse, now - timedelta(hours=6), now - timedelta(hours=2))
    response = api_as(nurse).post(
        url(admission.patient),
        output(now + timedelta(hours=start_hours), now + timedelta(hours=end_hours), **changes),
        format="json",
    )
    assert response.status_code == 201, response.json()


def test_a_record_entered_in_error_no_longer_blocks_its_period(api_as, nurse, admission, now):
    wrong = recorded(admission, nurse, now - timedelta(hours=4), now - timedelta(hours=1))
    again = output(now - timedelta(hours=4), now - timedelta(hours=1), volume_ml=180)
    client = api_as(nurse)
    assert client.post(url(admission.patient), again, format="json").status_code == 409
    observation_mark_entered_in_error(observation=wrong, by=nurse, reason="typed 320 for 180")
    assert client.post(url(admission.patient), again, format="json").status_code == 201


def test_another_patients_output_is_no_overlap(api_as, nurse, admission, now):
    recorded(AdmissionFactory(), nurse, now - timedelta(hours=4), now - timedelta(hours=1))
    response = api_as(nurse).post(
        url(admission.patient),
        output(now - timedelta(hours=4), now - timedelta(hours=1)),
        format="json",
    )
    assert response.status_code == 201


def test_a_repeated_client_id_is_a_repeat_not_an_overlap_with_itself(api_as, nurse, admission, now):
    body = output(now - timedelta(hours=2), now - timedelta(minutes=5), client_id=str(uuid.uuid4()))
    client = api_as(nurse)
    first = client.post(url(admission.patient), body, format="json")
    again = client.post(url(admission.patient), body, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert FluidEntry.objects.count() == 1


def test_the_tablet_page_says_it_in_words(client, nurse, admission, now):
    recorded(admission, nurse, now - timedelta(hours=6), now - timedelta(hours=2))
    client.force_login(nurse)
    local = timezone.localtime(now)
    response = client.post(
        reverse("patients:bedside-fluids", args=[admission.patient.pk]),
        {
            "client_id": str(uuid.uuid4()),
            "direction": "output",
            "route": "urine",
            "volume_ml": "100",
            "period_start": (local - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
            "period_end": (local - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 409
    text = html.unescape(response.content.decode())
    assert "This urine output overlaps the urine output already recorded from" in text
    assert "320 mL" in text and "mark it entered in error first" in text
    assert FluidEntry.objects.count() == 1


# --- Two saves at once --------------------------------------------------------------------
def race(monkeypatch: Any, saves: list[dict[str, Any]], patient: Any, nurse: Any) -> list[Any]:
    """Run the saves in two threads. Each waits, after its overlap check and before it
    writes, for the other to have checked too (at most 2 s): without the lock on the
    patient both would pass the check and both would be stored."""
    checked = threading.Barrier(2)
    original = services_observations.overlapping_output

    def check_then_wait(**kwargs: Any) -> Any:
        found = original(**kwargs)
        # Broken when the other save waits for the lock (as it should): go on.
        with contextlib.suppress(threading.BrokenBarrierError):
            checked.wait(timeout=2)
        return found

    monkeypatch.setattr(services_observations, "overlapping_output", check_then_wait)
    results: list[Any] = []

    def save(values: dict[str, Any]) -> None:
        try:
            results.append(fluid_record(patient=patient, by=nurse, **values).created)
        except Exception as error:  # reported by the caller's assertion
            results.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(values,)) for values in saves]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def period(now: datetime, start_hours: float, end_hours: float, **changes: Any) -> dict[str, Any]:
    return {
        "direction": "output",
        "route": "urine",
        "volume_ml": 100,
        "period_start": now + timedelta(hours=start_hours),
        "period_end": now + timedelta(hours=end_hours),
        **changes,
    }


@pytest.mark.django_db(transaction=True)
def test_two_overlapping_outputs_saved_at_once_store_one(monkeypatch):
    nurse = UserFactory(role="nurse", username="nurse.race")
    admission = AdmissionFactory()
    now = timezone.now()
    saves = [period(now, -3, -1), period(now, -2, -0.5)]

    results = race(monkeypatch, saves, admission.patient, nurse)

    assert sorted(map(type, results), key=str) == sorted([bool, OverlappingOutputError], key=str)
    assert True in results
    assert FluidEntry.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_saves_of_one_entry_at_once_are_a_repeat_not_an_overlap(monkeypatch):
    nurse = UserFactory(role="nurse", username="nurse.race")
    admission = AdmissionFactory()
    now = timezone.now()
    client_id = uuid.uuid4()
    saves = [period(now, -3, -1, client_id=client_id)] * 2

    results = race(monkeypatch, saves, admission.patient, nurse)

    assert sorted(results, key=str) == [False, True]
    assert FluidEntry.objects.filter(client_id=client_id).count() == 1
