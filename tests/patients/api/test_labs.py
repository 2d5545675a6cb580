"""Lab results (api-contract.md, "Labs"): each test in its one unit; a wrong unit is a 400
naming ``unit``; FOBT is positive or negative."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from patients.models import LabResult
from patients.services.observations import lab_record
from tests.support.clock import FromNow
from tests.support.observation_kinds import lab_payload

pytestmark = pytest.mark.django_db

UNITS = {
    "creatinine": ("mg/dL", "1.35"),
    "albumin": ("g/dL", "2.8"),
    "platelets": ("10^3/µL", "142"),
    "bilirubin": ("mg/dL", "1.2"),
    "bicarbonate": ("mmol/L", "19"),
    "potassium": ("mmol/L", "3.4"),
    "troponin": ("ng/L", "12"),
}


def url(patient) -> str:  # type: ignore[no-untyped-def]
    return f"/api/v1/patients/{patient.pk}/labs/"


@pytest.mark.parametrize("test", list(UNITS))
def test_each_test_is_recorded_in_its_unit(api_as, nurse, admission, test):
    unit, value = UNITS[test]
    response = api_as(nurse).post(
        url(admission.patient), lab_payload(test=test, unit=unit, value=value), "json"
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["test"], body["unit"], body["value"]) == (test, unit, float(value))
    assert LabResult.objects.get().value == Decimal(value)


@pytest.mark.parametrize("value", ["positive", "negative", "Positive"])
def test_fobt_is_positive_or_negative_without_a_unit(api_as, physician, admission, value):
    response = api_as(physician).post(
        url(admission.patient), lab_payload(test="fobt", value=value, unit=...), "json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["value"] == value.lower() and response.json()["unit"] == ""


def test_numbers_may_be_sent_as_json_numbers_and_micro_spelt_u(api_as, nurse, admission):
    response = api_as(nurse).post(
        url(admission.patient), lab_payload(test="platelets", value=48, unit="10^3/uL"), "json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["unit"] == "10^3/µL"


BAD = [
    ({"unit": "mg/L"}, "unit", "Creatinine is recorded in mg/dL, not mg/L."),
    ({"unit": "µmol/L", "value": "120"}, "unit", "Creatinine is recorded in mg/dL"),
    ({"unit": ""}, "unit", "Creatinine is recorded in mg/dL: give the unit."),
    ({"unit": ...}, "unit", "Creatinine is recorded in mg/dL: give the unit."),
    ({"test": "albumin", "unit": "g/L", "value": "28"}, "unit", "Albumin is recorded in g/dL"),
    ({"test": "fobt", "value": "positive", "unit": "mg/dL"}, "unit", "leave the unit out"),
    ({"test": "fobt", "value": "3", "unit": ...}, "value", "'positive' or 'negative'"),
    ({"test": "potassium", "unit": "mmol/L", "value": "positive"}, "value", "needs a number"),
    ({"value": "0"}, "value", "Creatinine must be between 0.1 and 30 mg/dL."),
    ({"value": "31"}, "value", "Creatinine must be between 0.1 and 30 mg/dL."),
    ({"test": "platelets", "unit": "10^3/µL", "value": "2500"}, "value", "Platelets must be"),
    ({"value": "1.355"}, "value", "Enter at most 2 decimal places."),
    ({"value": "high"}, "value", "Enter a number, or 'positive' / 'negative' for fobt."),
    ({"value": True}, "value", "Enter a number"),
    ({"value": "NaN"}, "value", "Enter a number"),
    ({"value": ...}, "value", "This field is required."),
    ({"test": "lactate"}, "test", '"lactate" is not a valid choice.'),
    ({"collected_at": FromNow(hours=1)}, "collected_at", "future"),
]


@pytest.mark.parametrize(("change", "field", "message"), BAD, ids=[str(c) for c, _, _ in BAD])
def test_bad_input_is_a_400_naming_the_field(api_as, nurse, admission, change, field, message):
    response = api_as(nurse).post(url(admission.patient), lab_payload(**change), format="json")

    assert response.status_code == 400
    assert any(message in text for text in response.json()[field]), response.json()
    assert LabResult.objects.count() == 0


def test_a_wrong_unit_and_a_future_time_are_named_together(api_as, nurse, admission):
    response = api_as(nurse).post(
        url(admission.patient),
        lab_payload(unit="mmol/L", collected_at=(timezone.now() + timedelta(days=1)).isoformat()),
        format="json",
    )
    assert set(response.json()) == {"unit", "collected_at"}


def test_the_service_refuses_a_wrong_unit_too(admission, nurse):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        lab_record(
            patient=admission.patient,
            by=nurse,
            test="bilirubin",
            value=Decimal("2"),
            unit="µmol/L",
            collected_at=timezone.now(),
        )
    assert "unit" in error.value.message_dict


@pytest.mark.parametrize(
    ("test", "value", "unit", "qualitative"),
    [
        ("creatinine", Decimal("1.0"), "mg/L", ""),
        ("creatinine", Decimal("40"), "mg/dL", ""),
        ("fobt", None, "", "maybe"),
        ("fobt", Decimal("1"), "", "positive"),
        ("troponin", None, "ng/L", ""),
    ],
)
def test_the_database_holds_each_test_to_its_unit_and_range(
    admission, nurse, test, value, unit, qualitative
):
    with pytest.raises(IntegrityError), transaction.atomic():
        LabResult.objects.create(
            patient=admission.patient,
            admission=admission,
            entered_by=nurse,
            test=test,
            value=value,
            unit=unit,
            qualitative=qualitative,
            collected_at=timezone.now(),
        )
