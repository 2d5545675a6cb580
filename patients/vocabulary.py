"""The closed vocabularies of what is recorded about a patient, declared once, in pure Python.

Each is the API contract's set of values (api-contract.md). The rules read them
(``therapy.rules`` imports this module, as it imports :mod:`patients.news2`); the Django
choices of the models are built from them with their labels (``il2monitor.choices``), so a
value cannot be added, renamed or dropped in one place and not the other. NEWS2's own inputs,
``OxygenDevice`` and ``Consciousness``, and its ``Band`` are declared in :mod:`patients.news2`.

Pure Python: no Django, no import from ``therapy`` (import-linter holds both).
"""

from enum import StrEnum

__all__ = [
    "DoseUnit",
    "EventCode",
    "FluidDirection",
    "FluidRoute",
    "FobtResult",
    "LabTest",
    "MedicationCategory",
    "VasopressorAgent",
]


class VasopressorAgent(StrEnum):
    NOREPINEPHRINE = "norepinephrine"
    EPINEPHRINE = "epinephrine"
    PHENYLEPHRINE = "phenylephrine"
    DOPAMINE = "dopamine"
    VASOPRESSIN = "vasopressin"
    OTHER = "other"


class DoseUnit(StrEnum):
    """A vasopressor infusion's rate unit, as stored and sent by the API."""

    MCG_KG_MIN = "mcg_kg_min"
    MCG_MIN = "mcg_min"
    UNITS_MIN = "units_min"
    UNITS_H = "units_h"


class FluidDirection(StrEnum):
    INTAKE = "intake"
    OUTPUT = "output"


class FluidRoute(StrEnum):
    URINE = "urine"
    IV = "iv"
    ORAL = "oral"
    EMESIS = "emesis"
    STOOL = "stool"
    DRAIN = "drain"
    OTHER = "other"


class LabTest(StrEnum):
    CREATININE = "creatinine"  # mg/dL
    ALBUMIN = "albumin"  # g/dL
    PLATELETS = "platelets"  # 10^3/µL
    BILIRUBIN = "bilirubin"  # mg/dL
    BICARBONATE = "bicarbonate"  # mmol/L
    POTASSIUM = "potassium"  # mmol/L
    TROPONIN = "troponin"  # ng/L
    FOBT = "fobt"  # positive / negative


class FobtResult(StrEnum):
    POSITIVE = "positive"
    NEGATIVE = "negative"


class MedicationCategory(StrEnum):
    # antipyretic, anticytokine and corticosteroid mask fever (clinical-rules.md §2 [S13]).
    ANTIPYRETIC = "antipyretic"
    ANTICYTOKINE = "anticytokine"
    CORTICOSTEROID = "corticosteroid"
    ANTIEMETIC = "antiemetic"
    OTHER = "other"


class EventCode(StrEnum):
    """Clinician-recorded findings the hold criteria read (clinical-rules.md §4)."""

    # Hold (label [S1]).
    MENTAL_STATUS_CHANGE = "mental_status_change"
    ATRIAL_FIBRILLATION = "atrial_fibrillation"
    SVT = "svt"
    BRADYCARDIA = "bradycardia"
    # Discontinue (consensus [S6]).
    INFECTION_SUSPECTED = "infection_suspected"
    # Permanent stop (label [S1], [S2]).
    SUSTAINED_VT = "sustained_vt"
    UNCONTROLLED_ARRHYTHMIA = "uncontrolled_arrhythmia"
    ISCHEMIA = "ischemia"
    CARDIAC_TAMPONADE = "cardiac_tamponade"
    INTUBATION = "intubation"
    DIALYSIS = "dialysis"
    COMA = "coma"
    SEIZURES = "seizures"
    BOWEL_PERFORATION = "bowel_perforation"
    GI_BLEED_SURGERY = "gi_bleed_surgery"
