"""Fluid intake and output (api-contract.md, "Fluids"): the API, the service and the tablet
form, with the same limits and messages."""

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from patients import limits
from patients.models import FluidEntry
from tests.support.clock import FromNow, as_local_input
from tests.support.observation_factories import FluidEntryFactory
from tests.support.observation_kinds import fluid_payload

pytestmark = pytest.mark.django_db


def url(patient) -> str:  # type: ignore[no-untyped-def]
    return f"/api/v1/patients/{patient.pk}/fluids/"


def iso(hours: float) -> str:
    return (timezone.now() + timedelta(hours=hours)).isoformat()


def test_record_an_output_period(api_as, nurse, admission):
    client_id = str(uuid.uuid4())
    response = api_as(nurse).post(
        url(admission.patient), fluid_payload(client_id=client_id), "json"
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert {key: body[key] for key in ("direction", "route", "volume_ml", "client_id")} == {
        "direction": "output",
        "route": "urine",
        "volume_ml": 320,
        "client_id": client_id,
    }
    assert FluidEntry.objects.get().volume_ml == 320


def test_zero_urine_is_a_reading_not_a_missing_one(api_as, nurse, admission):
    response = api_as(nurse).post(url(admission.patient), fluid_payload(volume_ml=0), "json")
    assert response.status_code == 201


BAD = [
    ({"direction": "in"}, "direction", '"in" is not a valid choice.'),
    ({"route": "catheter"}, "route", '"catheter" is not a valid choice.'),
    ({"route": "iv"}, "route", "The route 'iv' is an intake, not an output."),
    (
        {"direction": "intake", "route": "urine"},
        "route",
        "The route 'urine' is an output, not an intake.",
    ),
    ({"volume_ml": -1}, "volume_ml", limits.FLUID_VOLUME.message),
    ({"volume_ml": 10001}, "volume_ml", limits.FLUID_VOLUME.message),
    ({"volume_ml": "a lot"}, "volume_ml", "A valid integer is required."),
    ({"volume_ml": ...}, "volume_ml", "This field is required."),
    ({"period_end": FromNow(hours=1)}, "period_end", "Time cannot be in the future."),
    (
        {"period_start": FromNow(hours=-1), "period_end": FromNow(hours=-2)},
        "period_end",
        "must end after it starts",
    ),
    ({"period_start": FromNow(hours=-30)}, "period_start", "at most 24 hours"),
    ({"period_start": "8 hours ago"}, "period_start", "with its time zone: Z or ±hh:mm"),
    ({"client_id": 12}, "client_id", "Must be a valid UUID."),
]


@pytest.mark.parametrize(
    ("change", "field", "message"), BAD, ids=[f"{f}:{next(iter(c.values()))}" for c, f, _ in BAD]
)
def test_bad_input_is_a_400_naming_the_field(api_as, nurse, admission, change, field, message):
    response = api_as(nurse).post(url(admission.patient), fluid_payload(**change), format="json")

    assert response.status_code == 400
    assert any(message in text for text in response.json()[field]), response.json()
    assert FluidEntry.objects.count() == 0


def test_every_failing_field_at_once(api_as, nurse, admission):
    response = api_as(nurse).post(
        url(admission.patient),
        fluid_payload(direction="intake", route="stool", volume_ml=-5, period_end=iso(2)),
        format="json",
    )
    assert set(response.json()) == {"route", "volume_ml", "period_end"}


# --- The tablet form ----------------------------------------------------------------------
def local(hours: float) -> str:
    return (timezone.localtime() + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M")


def form(**changes: object) -> dict[str, object]:
    data = {
        "client_id": str(uuid.uuid4()),
        "direction": "output",
        "route": "urine",
        "volume_ml": "150",
        "period_start": local(-4),
        "period_end": local(-0.05),
    }
    data.update(changes)
    return as_local_input(data)


@pytest.fixture
def signed_in(client, nurse):  # type: ignore[no-untyped-def]
    client.force_login(nurse)
    return client


def test_the_form_saves_and_shows_the_urine_of_the_last_8_hours(signed_in, admission):
    earlier = timezone.now() - timedelta(hours=4, minutes=10)  # before the form's 4 h period
    FluidEntryFactory(
        admission=admission,
        volume_ml=200,
        period_end=earlier,
        period_start=earlier - timedelta(hours=1),
    )
    page = reverse("patients:bedside-fluids", args=[admission.patient.pk])
    data = form()

    response = signed_in.post(page, data)
    repeat = signed_in.post(page, data)

    assert response.status_code == 201 and repeat.status_code == 200
    assert "350 mL" in response.content.decode()
    assert FluidEntry.objects.count() == 2


FORM_BAD = [
    ("volume_ml", "10001", limits.FLUID_VOLUME.message),
    ("volume_ml", "", "This field is required."),
    ("route", "iv", "The route 'iv' is an intake, not an output."),
    ("period_end", FromNow(hours=1), "Time cannot be in the future."),
    ("period_start", FromNow(hours=-30), limits.PERIOD_TOO_LONG),
    ("period_start", FromNow(hours=0), limits.PERIOD_END_NOT_AFTER_START),
]


@pytest.mark.parametrize(("field", "value", "message"), FORM_BAD)
def test_the_form_gives_the_same_messages(signed_in, admission, field, value, message):
    page = reverse("patients:bedside-fluids", args=[admission.patient.pk])
    response = signed_in.post(page, form(**{field: value}))
    assert response.status_code == 400
    assert escape(message) in response.content.decode()
    assert FluidEntry.objects.count() == 0
