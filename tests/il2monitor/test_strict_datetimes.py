"""Every datetime sent to the API carries its UTC offset (api-contract.md v2, general rules):
a date alone or a time without an offset is a 400 naming the field with one message, in every
serializer (the bedside records', admissions', therapy's), and nothing is written. Pages keep
taking the site's local time and say which zone it is."""

from datetime import UTC, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from il2monitor.exceptions import TIME_ZONE_REQUIRED
from patients.models import VitalSigns
from tests.support.api_world import World, build_world
from tests.support.rows import snapshot

pytestmark = pytest.mark.django_db


def bad_values() -> dict[str, str]:
    local = timezone.localtime() - timedelta(minutes=30)
    return {
        "a date alone": local.date().isoformat(),
        "a naive time": local.strftime("%Y-%m-%dT%H:%M"),
        "a naive time with seconds": local.strftime("%Y-%m-%dT%H:%M:%S"),
        "words": "half an hour ago",
    }


def at(minutes: float) -> str:
    return (timezone.now() + timedelta(minutes=minutes)).isoformat()


# (URL maker, valid body maker, the datetime field under test)
WRITES: list[tuple[str, Any, Any, str]] = [
    (
        "vitals",
        lambda w: f"/api/v1/patients/{w.ids['patient']}/vitals/",
        lambda: {"taken_at": at(-5), "heart_rate": 80},
        "taken_at",
    ),
    (
        "fluids start",
        lambda w: f"/api/v1/patients/{w.ids['patient']}/fluids/",
        lambda: {
            "direction": "intake",
            "route": "iv",
            "volume_ml": 100,
            "period_start": at(-60),
            "period_end": at(-1),
        },
        "period_start",
    ),
    (
        "labs",
        lambda w: f"/api/v1/patients/{w.ids['patient']}/labs/",
        lambda: {"test": "albumin", "value": "3.1", "unit": "g/dL", "collected_at": at(-5)},
        "collected_at",
    ),
    (
        "medications",
        lambda w: f"/api/v1/patients/{w.ids['patient']}/medications/",
        lambda: {"drug": "Ondansetron", "category": "antiemetic", "administered_at": at(-5)},
        "administered_at",
    ),
    (
        "events",
        lambda w: f"/api/v1/patients/{w.ids['patient']}/events/",
        lambda: {"code": "svt", "observed_at": at(-5)},
        "observed_at",
    ),
    (
        "admission",
        lambda w: f"/api/v1/patients/{w.ids['unadmitted']}/admissions/",
        lambda: {"ward": "HDU", "bed": "H6", "admitted_at": at(-60)},
        "admitted_at",
    ),
    (
        "discharge",
        lambda w: f"/api/v1/admissions/{w.ids['admission']}/discharge/",
        lambda: {"discharged_at": at(-1)},
        "discharged_at",
    ),
    (
        "course order (therapy's serializer)",
        lambda w: f"/api/v1/patients/{w.ids['no_course']}/courses/",
        lambda: {"cycle_1_start": at(60)},
        "cycle_1_start",
    ),
    (
        "dose given_at (therapy's serializer)",
        lambda w: f"/api/v1/doses/{w.ids['dose']}/administer/",
        lambda: {
            "given_at": at(-1),
            "verifier": {"username": "nurse.two", "password": "correct-horse-battery"},
        },
        "given_at",
    ),
]


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.mark.parametrize(("name", "url", "body", "field"), WRITES, ids=[w[0] for w in WRITES])
def test_a_datetime_without_its_offset_is_a_400_naming_the_field(
    api_as, world, name, url, body, field
):
    client = api_as(world.users["physician"])
    before = snapshot()
    for label, value in bad_values().items():
        response = client.post(url(world), {**body(), field: value}, format="json")
        assert response.status_code == 400, (label, response.content)
        assert response.json()[field] == [TIME_ZONE_REQUIRED], (label, response.json())
    assert snapshot() == before


@pytest.mark.parametrize(
    "spelling",
    [
        lambda moment: moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        lambda moment: moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        lambda moment: moment.strftime("%Y-%m-%dT%H:%M+00:00"),
        lambda moment: moment.strftime("%Y-%m-%d %H:%M:%S+0000"),
        lambda moment: moment.astimezone(timezone.get_fixed_timezone(-300)).isoformat(),
    ],
    ids=["Z", "Z with microseconds", "+00:00 without seconds", "space and +0000", "-05:00"],
)
def test_every_offset_spelling_is_taken_and_means_the_same_instant(
    api_as, nurse, admission, spelling
):
    moment = (timezone.now() - timedelta(minutes=20)).replace(second=0, microsecond=0)
    response = api_as(nurse).post(
        f"/api/v1/patients/{admission.patient.pk}/vitals/",
        {"taken_at": spelling(moment.astimezone(UTC)), "heart_rate": 80},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["taken_at"] == moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def test_list_filters_need_the_offset_too(api_as, nurse, admission):
    url = f"/api/v1/patients/{admission.patient.pk}/vitals/"
    response = api_as(nurse).get(url, {"since": timezone.localdate().isoformat()})
    assert response.status_code == 400
    assert response.json() == {"since": [TIME_ZONE_REQUIRED]}
    assert api_as(nurse).get(url, {"since": at(-60)}).status_code == 200


def test_pages_say_which_time_zone_their_times_are_in(client, nurse, admission):
    client.force_login(nurse)
    note = f"Times are {settings.TIME_ZONE}."
    for name in ("bedside-vitals", "bedside-fluids", "bedside-weight", "detail"):
        page = client.get(reverse(f"patients:{name}", args=[admission.patient.pk]))
        text = page.content.decode()
        assert note in text, name
        assert 'aria-describedby="id_' in text and '-tz"' in text, name


def test_a_page_time_is_the_sites_local_time(client, nurse, admission):
    """The form's 10:00 is 10:00 in the site's zone (Europe/London by default), not UTC."""
    client.force_login(nurse)
    taken = timezone.localtime().replace(second=0, microsecond=0) - timedelta(minutes=15)
    response = client.post(
        reverse("patients:bedside-weight", args=[admission.patient.pk]),
        {
            "client_id": "5b0c8e3e-6c39-4c43-9a0a-6d1f6a0d9d11",
            "taken_at": taken.strftime("%Y-%m-%dT%H:%M"),
            "weight_kg": "72.0",
        },
    )
    assert response.status_code == 201
    assert VitalSigns.objects.get().taken_at == taken
