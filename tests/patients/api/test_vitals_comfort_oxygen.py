"""``oxygen_for_comfort`` on a vital-signs set (api-contract.md, Vital signs (v2)): stored and
returned, false by default, refused without a supplemental oxygen device; NEWS2 still scores
the oxygen."""

import pytest

from patients import limits
from patients.models import VitalSigns
from tests.support.observation_kinds import vitals_payload

pytestmark = pytest.mark.django_db


def url(patient) -> str:  # type: ignore[no-untyped-def]
    return f"/api/v1/patients/{patient.pk}/vitals/"


def test_comfort_oxygen_is_stored_returned_and_still_scored_by_news2(api_as, nurse, admission):
    response = api_as(nurse).post(
        url(admission.patient), vitals_payload(oxygen_for_comfort=True), format="json"
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["oxygen_for_comfort"] is True
    assert body["news2"]["subscores"]["air_or_oxygen"] == 2
    assert VitalSigns.objects.get(pk=body["id"]).oxygen_for_comfort is True


def test_comfort_oxygen_is_false_by_default(api_as, nurse, admission):
    response = api_as(nurse).post(url(admission.patient), vitals_payload(), format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["oxygen_for_comfort"] is False


@pytest.mark.parametrize(
    "oxygen",
    [
        {"oxygen_device": "room_air", "oxygen_flow_l_min": None},
        {"oxygen_device": None, "oxygen_flow_l_min": None},
    ],
)
def test_comfort_oxygen_without_an_oxygen_device_is_a_400_and_writes_nothing(
    api_as, nurse, admission, oxygen
):
    payload = vitals_payload(oxygen_for_comfort=True, **oxygen)

    response = api_as(nurse).post(url(admission.patient), payload, format="json")

    assert response.status_code == 400
    assert response.json()["oxygen_for_comfort"] == [limits.COMFORT_NEEDS_OXYGEN]
    assert not VitalSigns.objects.exists()


def test_comfort_oxygen_must_be_a_boolean(api_as, nurse, admission):
    payload = vitals_payload(oxygen_for_comfort="sometimes")

    response = api_as(nurse).post(url(admission.patient), payload, format="json")

    assert response.status_code == 400
    assert "oxygen_for_comfort" in response.json()
    assert not VitalSigns.objects.exists()
