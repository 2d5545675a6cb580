"""More of the record in FHIR (issue 15 item 3), through HTTP: lab results (category
``laboratory``, the LOINC codes docs/fhir.md cites, UCUM units; troponin and FOBT without a
LOINC code), fluid intake and urine output (a volume over ``effectivePeriod``, local codes),
vasopressor infusions (MedicationAdministration with ``dosage.rateQuantity``); each searchable
and readable by id."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from fhir.resources.R4B import get_fhir_model_class

from tests.support.factories import AdmissionFactory
from tests.support.observation_factories import FluidEntryFactory, LabResultFactory
from tests.support.therapy_fixtures import CRS_GRADE_3, record_vitals

pytestmark = pytest.mark.django_db

BASE = "/fhir/r4/"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
EXPECTED_LOINC = {
    "creatinine": ("2160-0", Decimal("1.40"), "mg/dL", "mg/dL"),
    "albumin": ("1751-7", Decimal("2.9"), "g/dL", "g/dL"),
    "platelets": ("777-3", Decimal("180"), "10^3/µL", "10*3/uL"),
    "bilirubin": ("1975-2", Decimal("1.1"), "mg/dL", "mg/dL"),
    "bicarbonate": ("1963-8", Decimal("21"), "mmol/L", "mmol/L"),
    "potassium": ("2823-3", Decimal("3.9"), "mmol/L", "mmol/L"),
}


def get(client: Any, path: str, **params: Any) -> dict[str, Any]:
    response = client.get(BASE + path, params, HTTP_ACCEPT="application/fhir+json")
    assert response.status_code == 200, response.content
    body = response.json()
    get_fhir_model_class(body["resourceType"]).model_validate(body)
    return body


def found(bundle: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["resource"]["id"]: e["resource"] for e in bundle.get("entry", [])}


@pytest.fixture
def fhir(api_as, pharmacist):  # type: ignore[no-untyped-def]
    return api_as(pharmacist)


def test_labs_are_laboratory_observations_with_their_loinc_codes(fhir, nurse):
    admission = AdmissionFactory()
    labs = {
        test: LabResultFactory(admission=admission, by=nurse, test=test, value=value, unit=unit)
        for test, (_, value, unit, _) in EXPECTED_LOINC.items()
    }
    troponin = LabResultFactory(
        admission=admission, by=nurse, test="troponin", value=Decimal("12"), unit="ng/L"
    )
    fobt = LabResultFactory(admission=admission, by=nurse, test="fobt", value="positive", unit=None)
    patient = admission.patient
    bundle = get(fhir, "Observation", patient=patient.pk, category="laboratory")
    resources = found(bundle)
    assert bundle["total"] == len(labs) + 2
    for test, (code, value, _, ucum) in EXPECTED_LOINC.items():
        resource = resources[f"{labs[test].pk}-lab"]
        assert resource["code"]["coding"][0]["system"] == LOINC
        assert resource["code"]["coding"][0]["code"] == code, test
        assert resource["valueQuantity"]["value"] == float(value)
        assert (resource["valueQuantity"]["system"], resource["valueQuantity"]["code"]) == (
            UCUM,
            ucum,
        )
        searched = get(fhir, "Observation", patient=patient.pk, code=f"{LOINC}|{code}")
        assert list(found(searched)) == [resource["id"]]
    no_loinc = [resources[f"{troponin.pk}-lab"], resources[f"{fobt.pk}-lab"]]
    assert all(LOINC not in {c["system"] for c in r["code"]["coding"]} for r in no_loinc)
    assert no_loinc[1]["valueCodeableConcept"]["text"] == "Positive"
    read = get(fhir, f"Observation/{labs['creatinine'].pk}-lab")
    assert read == resources[read["id"]]


def test_urine_output_and_intake_are_volumes_over_their_period(fhir, nurse):
    admission = AdmissionFactory()
    end = timezone.now() - timedelta(minutes=10)
    urine = FluidEntryFactory(
        admission=admission,
        by=nurse,
        volume_ml=180,
        period_end=end,
        period_start=end - timedelta(hours=3),
    )
    intake = FluidEntryFactory(
        admission=admission,
        by=nurse,
        direction="intake",
        route="iv",
        volume_ml=500,
        period_end=end,
        period_start=end - timedelta(hours=3),
    )
    patient = admission.patient
    resources = found(get(fhir, "Observation", patient=patient.pk, category="fluid-balance"))
    out = resources[f"{urine.pk}-fluid"]
    assert out["code"]["text"] == "Urine output"
    assert out["code"]["coding"][0]["code"] == "output_urine"
    assert out["valueQuantity"] == {"value": 180, "unit": "mL", "system": UCUM, "code": "mL"}
    assert timezone.datetime.fromisoformat(out["effectivePeriod"]["end"]) == end.replace(
        microsecond=0
    )
    assert resources[f"{intake.pk}-fluid"]["code"]["coding"][0]["code"] == "intake_iv"
    # A date search compares the period: inside it, both; after it ends, none.
    during = (end - timedelta(hours=1)).isoformat(timespec="seconds")
    assert (
        get(fhir, "Observation", patient=patient.pk, category="fluid-balance", date=f"le{during}")[
            "total"
        ]
        == 2
    )
    assert (
        get(fhir, "Observation", patient=patient.pk, category="fluid-balance", date=f"sa{during}")[
            "total"
        ]
        == 0
    )
    assert get(fhir, f"Observation/{urine.pk}-fluid") == out


def test_vasopressor_infusions_are_medication_administrations_with_a_rate(fhir, nurse):
    admission = AdmissionFactory()
    vitals = record_vitals(
        admission.patient,
        nurse,
        minutes_ago=5,
        **{
            **CRS_GRADE_3,
            "vasopressors": [{"agent": "vasopressin", "dose": "0.03", "dose_unit": "units_min"}],
        },
    )
    (infusion,) = vitals.vasopressors.all()
    bundle = get(
        fhir, "MedicationAdministration", patient=admission.patient.pk, status="in-progress"
    )
    (resource,) = found(bundle).values()
    assert resource["id"] == f"{infusion.pk}-vaso"
    assert resource["medicationCodeableConcept"] == {"text": "Vasopressin"}
    # "units" of vasopressin: no UCUM unit claimed, the words only.
    assert resource["dosage"]["rateQuantity"] == {"value": 0.03, "unit": "units/min"}
    assert resource["supportingInformation"] == [{"reference": f"Observation/{vitals.pk}-bp"}]
    assert get(fhir, f"MedicationAdministration/{infusion.pk}-vaso") == resource
    assert get(fhir, f"Observation/{vitals.pk}-bp")["id"] == f"{vitals.pk}-bp"
