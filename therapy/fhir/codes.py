"""Code systems and codes of the FHIR export. Sources are clinical-reference.md §5 tags
([S16], [S17]); a code the reference marks unverified is not used (docs/fhir.md says what is
used instead)."""

from typing import Any, Final

from django.conf import settings

LOINC: Final = "http://loinc.org"
SNOMED: Final = "http://snomed.info/sct"
UCUM: Final = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY: Final = "http://terminology.hl7.org/CodeSystem/observation-category"
DATA_ABSENT_REASON: Final = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
IDENTIFIER_TYPE: Final = "http://terminology.hl7.org/CodeSystem/v2-0203"
FLAG_CATEGORY: Final = "http://terminology.hl7.org/CodeSystem/flag-category"
# R4 core extension "flag-priority" and its code system (PN/PL/PM/PH).
FLAG_PRIORITY_EXTENSION: Final = "http://hl7.org/fhir/StructureDefinition/flag-priority"
FLAG_PRIORITY: Final = "http://hl7.org/fhir/flag-priority-code"
PERFORM_FUNCTION: Final = "http://terminology.hl7.org/CodeSystem/med-admin-perform-function"
CONDITION_CLINICAL: Final = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_CATEGORY: Final = "http://terminology.hl7.org/CodeSystem/condition-category"
CONDITION_VERIFICATION: Final = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
LIST_EMPTY_REASON: Final = "http://terminology.hl7.org/CodeSystem/list-empty-reason"

# Local code systems: what no verified standard code covers (docs/fhir.md lists their codes).
LOCAL_OBSERVATION: Final = "urn:il2monitor:codesystem:observation"
LOCAL_NEWS2: Final = "urn:il2monitor:codesystem:news2"
LOCAL_HOLD_REASON: Final = "urn:il2monitor:codesystem:hold-reason"
LOCAL_ALERT_KIND: Final = "urn:il2monitor:codesystem:alert-kind"
LOCAL_CONSCIOUSNESS: Final = "urn:il2monitor:codesystem:acvpu"

# Core R4 vital-signs profiles [S17]: the base profile and one per measurement.
VITALSIGNS_PROFILE: Final = "http://hl7.org/fhir/StructureDefinition/vitalsigns"


def profile(name: str) -> str:
    return f"http://hl7.org/fhir/StructureDefinition/{name}"


def mrn_system() -> str:
    """The hospital's MRN namespace (settings.IL2_FHIR_MRN_SYSTEM)."""
    return str(settings.IL2_FHIR_MRN_SYSTEM)


def coding(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    result = {"system": system, "code": code}
    if display:
        result["display"] = display
    return result


def concept(*codings: dict[str, Any], text: str | None = None) -> dict[str, Any]:
    result: dict[str, Any] = {}
    if codings:
        result["coding"] = list(codings)
    if text:
        result["text"] = text
    return result


def quantity(value: Any, unit: str, code: str | None = None) -> dict[str, Any]:
    """A UCUM quantity; ``unit`` is what people read, ``code`` the UCUM code (default: same)."""
    return {"value": value, "unit": unit, "system": UCUM, "code": code or unit}


# --- Vital signs, LOINC and UCUM [S17] ------------------------------------------------------
RESPIRATORY_RATE: Final = coding(LOINC, "9279-1", "Respiratory rate")
HEART_RATE: Final = coding(LOINC, "8867-4", "Heart rate")
BODY_TEMPERATURE: Final = coding(LOINC, "8310-5", "Body temperature")
BP_PANEL: Final = coding(LOINC, "85354-9", "Blood pressure panel with all children optional")
SYSTOLIC_BP: Final = coding(LOINC, "8480-6", "Systolic blood pressure")
DIASTOLIC_BP: Final = coding(LOINC, "8462-4", "Diastolic blood pressure")
# SpO2: the core vital-signs code and the pulse-oximetry code together, as US Core does [S17].
SPO2: Final = coding(LOINC, "2708-6", "Oxygen saturation in Arterial blood")
SPO2_PULSE_OXIMETRY: Final = coding(
    LOINC, "59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry"
)
INHALED_O2_FLOW: Final = coding(LOINC, "3151-8", "Inhaled oxygen flow rate")
BODY_WEIGHT: Final = coding(LOINC, "29463-7", "Body weight")

PER_MINUTE: Final = "/min"
CELSIUS: Final = "Cel"
MM_HG: Final = "mm[Hg]"
PERCENT: Final = "%"
LITRES_PER_MINUTE: Final = "L/min"
KILOGRAM: Final = "kg"
SCORE: Final = "{score}"
INTERNATIONAL_UNIT: Final = "[iU]"

# --- NEWS2 total: SNOMED 1104051000000101 [S16] (the LOINC candidate is unverified). -------
NEWS2_TOTAL: Final = coding(SNOMED, "1104051000000101")

# --- ACVPU: no verified LOINC for the observation; SNOMED answers from IHE mPSC [S17] ------
# ("voice" is 255373000 there; a PH IG uses 300202002 — we follow IHE). "New confusion" has
# no verified code: local code only.
ACVPU_ANSWERS: Final = {
    "alert": coding(SNOMED, "248234008"),
    "voice": coding(SNOMED, "255373000"),
    "pain": coding(SNOMED, "450847001"),
    "unresponsive": coding(SNOMED, "422768004"),
}

# --- Documents [S17 IPS] ------------------------------------------------------------------
PATIENT_SUMMARY_DOCUMENT: Final = coding(LOINC, "60591-5", "Patient summary Document")
SECTION_PROBLEMS: Final = coding(LOINC, "11450-4", "Problem list - Reported")
SECTION_ALLERGIES: Final = coding(LOINC, "48765-2", "Allergies and adverse reactions Document")
SECTION_MEDICATIONS: Final = coding(LOINC, "10160-0", "History of Medication use Narrative")
SECTION_VITAL_SIGNS: Final = coding(LOINC, "8716-3", "Vital signs")
SECTION_ALERTS: Final = coding(LOINC, "104605-1", "Alert")

# Alert severity → flag priority (R4 core extension flag-priority).
FLAG_PRIORITY_BY_SEVERITY: Final = {"routine": "PL", "urgent": "PM", "emergency": "PH"}
FLAG_PRIORITY_DISPLAY: Final = {
    "PL": "Low priority",
    "PM": "Medium priority",
    "PH": "High priority",
}

# --- Labs (category laboratory) -------------------------------------------------------------
# Each LOINC code is cited in docs/fhir.md with the HL7 publication that lists it. Troponin
# (I or T not recorded) and FOBT (no method recorded; the LOINC codes found are
# method-specific) have no verified code: local code and words only.
LAB_LOINC: Final = {
    "creatinine": coding(LOINC, "2160-0", "Creatinine [Mass/volume] in Serum or Plasma"),
    "albumin": coding(LOINC, "1751-7", "Albumin [Mass/volume] in Serum or Plasma"),
    "platelets": coding(LOINC, "777-3", "Platelets [#/volume] in Blood by Automated count"),
    "bilirubin": coding(LOINC, "1975-2", "Bilirubin.total [Mass/volume] in Serum or Plasma"),
    "bicarbonate": coding(LOINC, "1963-8", "Bicarbonate [Moles/volume] in Serum"),
    "potassium": coding(LOINC, "2823-3", "Potassium [Moles/volume] in Serum or Plasma"),
}
# The contract's lab units → UCUM (what people read stays the contract's unit).
LAB_UCUM: Final = {
    "mg/dL": "mg/dL",
    "g/dL": "g/dL",
    "10^3/µL": "10*3/uL",
    "mmol/L": "mmol/L",
    "ng/L": "ng/L",
}
LOCAL_LAB: Final = "urn:il2monitor:codesystem:lab-test"
LOCAL_FOBT_RESULT: Final = "urn:il2monitor:codesystem:fobt-result"

# --- Fluids: a volume over a recorded period. The LOINC codes verified (9192-6 "Urine output
# 24 hour", 9108-2 fluid intake 24 h) name 24-hour totals, which these are not: local codes.
LOCAL_FLUID: Final = "urn:il2monitor:codesystem:fluid"
LOCAL_OBSERVATION_CATEGORY: Final = "urn:il2monitor:codesystem:observation-category"
MILLILITRE: Final = "mL"

# --- Vasopressor infusions: no verified RxNorm or SNOMED code here: the agent in words.
# Rates in UCUM where UCUM has the unit; "units" of vasopressin in words only.
VASOPRESSOR_RATE_UCUM: Final = {
    "mcg_kg_min": ("mcg/kg/min", "ug/kg/min"),
    "mcg_min": ("mcg/min", "ug/min"),
    "units_min": ("units/min", None),
    "units_h": ("units/h", None),
}
