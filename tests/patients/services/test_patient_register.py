"""Registering and updating patients through the service: valid input, and bad input refused
with a specific message and nothing written."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from patients.models import Patient
from patients.services import patients as services
from tests.support.clock import FromNow

pytestmark = pytest.mark.django_db

VALID = {
    "mrn": "il2-00042",
    "given_name": "Ada",
    "family_name": "Okafor",
    "birth_date": date(1961, 3, 14),
    "sex": "female",
    "diagnosis": "metastatic_melanoma",
    "baseline_weight_kg": Decimal("68.4"),
}


def test_register_stores_patient_with_normalised_mrn_and_history_user(nurse):
    patient = services.patient_register(by=nurse, **VALID)

    stored = Patient.objects.get(pk=patient.pk)
    assert stored.mrn == "IL2-00042"
    assert stored.spo2_scale == 1
    assert stored.history.count() == 1
    assert stored.history.first().history_user == nurse


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("baseline_weight_kg", Decimal("19.9"), "Weight must be between 20 and 300 kg."),
        ("baseline_weight_kg", Decimal("300.1"), "Weight must be between 20 and 300 kg."),
        (
            "birth_date",
            FromNow(days=1),
            "Birth date cannot be in the future.",
        ),
        ("mrn", "a b", "MRN must be 3–32 letters, digits or hyphens"),
        ("mrn", "", "This field cannot be blank."),
        ("given_name", "", "This field cannot be blank."),
        ("diagnosis", "leukaemia", "Value 'leukaemia' is not a valid choice."),
        ("sex", "x", "Value 'x' is not a valid choice."),
        ("baseline_systolic_bp", 49, "Baseline systolic BP must be between 50 and 250 mmHg."),
        ("baseline_systolic_bp", 251, "Baseline systolic BP must be between 50 and 250 mmHg."),
        (
            "baseline_creatinine_mg_dl",
            Decimal("0.09"),
            "Baseline creatinine must be between 0.1 and 20 mg/dL.",
        ),
        (
            "baseline_creatinine_mg_dl",
            Decimal("20.01"),
            "Baseline creatinine must be between 0.1 and 20 mg/dL.",
        ),
        ("spo2_scale", 3, "Value 3 is not a valid choice."),
    ],
)
def test_bad_input_is_refused_with_its_message_and_nothing_is_written(
    physician, field, value, message
):
    if isinstance(value, FromNow):
        value = value.local_date()
    with pytest.raises(ValidationError) as caught:
        services.patient_register(by=physician, **{**VALID, field: value})

    assert any(message in text for text in caught.value.message_dict[field])
    assert Patient.objects.count() == 0


@pytest.mark.parametrize(
    "weight", [Decimal("20"), Decimal("300"), Decimal("20.1"), Decimal("299.9")]
)
def test_weight_edges_inside_the_range_are_accepted(nurse, weight):
    patient = services.patient_register(by=nurse, **{**VALID, "baseline_weight_kg": weight})
    assert patient.baseline_weight_kg == weight


def test_duplicate_mrn_is_refused_whatever_its_case(nurse):
    services.patient_register(by=nurse, **VALID)

    with pytest.raises(ValidationError) as caught:
        services.patient_register(by=nurse, **{**VALID, "mrn": " IL2-00042 ".lower()})

    assert caught.value.message_dict["mrn"] == ["A patient with this MRN already exists."]
    assert Patient.objects.count() == 1


def test_several_bad_fields_are_reported_together(nurse):
    with pytest.raises(ValidationError) as caught:
        services.patient_register(
            by=nurse,
            **{**VALID, "baseline_weight_kg": Decimal("5"), "birth_date": date(2999, 1, 1)},
        )

    assert {"baseline_weight_kg", "birth_date"} <= set(caught.value.message_dict)


def test_only_a_physician_may_prescribe_spo2_scale_2(nurse, physician):
    with pytest.raises(ValidationError) as caught:
        services.patient_register(by=nurse, **{**VALID, "spo2_scale": 2})
    assert caught.value.message_dict["spo2_scale"] == [
        "Only a physician may prescribe SpO2 scale 2."
    ]
    assert Patient.objects.count() == 0

    patient = services.patient_register(by=physician, **{**VALID, "spo2_scale": 2})
    assert patient.spo2_scale == 2
    # A nurse may still edit other fields of a scale-2 patient.
    updated = services.patient_update(patient=patient, by=nurse, given_name="Adaeze", spo2_scale=2)
    assert updated.given_name == "Adaeze"


def test_update_records_history_and_refuses_unknown_fields(nurse, physician):
    patient = services.patient_register(by=nurse, **VALID)

    services.patient_update(patient=patient, by=physician, baseline_weight_kg=Decimal("70.0"))
    with pytest.raises(ValidationError) as caught:
        services.patient_update(patient=patient, by=physician, id="x")

    patient.refresh_from_db()
    assert patient.baseline_weight_kg == Decimal("70.0")
    assert [h.history_user for h in patient.history.order_by("history_date")] == [nurse, physician]
    assert "id" in caught.value.message_dict


def test_update_to_an_out_of_range_weight_writes_nothing(nurse):
    patient = services.patient_register(by=nurse, **VALID)

    with pytest.raises(ValidationError):
        services.patient_update(patient=patient, by=nurse, baseline_weight_kg=Decimal("301"))

    patient.refresh_from_db()
    assert patient.baseline_weight_kg == Decimal("68.4")
    assert patient.history.count() == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("baseline_weight_kg", Decimal("10")),
        ("spo2_scale", 5),
        ("baseline_systolic_bp", 20),
        ("mrn", "lower-case"),
    ],
)
def test_database_constraints_hold_even_if_validation_is_bypassed(field, value):
    row = {**VALID, "mrn": "IL2-00042", field: value}
    with pytest.raises(IntegrityError), transaction.atomic():
        Patient.objects.create(**row)
