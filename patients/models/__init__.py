"""Patient models, one module per sub-domain; import them from here."""

from patients.models.events import ClinicalEvent, ClinicalEventCode
from patients.models.fluids import FluidDirection, FluidEntry, FluidRoute
from patients.models.hl7 import Hl7AckCode, Hl7Message
from patients.models.labs import FobtResult, LabResult, LabTestCode
from patients.models.medications import MedicationCategory, SupportiveMedication
from patients.models.observation_base import Observation
from patients.models.records import Admission, Diagnosis, Patient, Sex, Spo2Scale
from patients.models.vitals import (
    Consciousness,
    DoseUnit,
    News2Band,
    OxygenDevice,
    VasopressorAgent,
    VasopressorInfusion,
    VitalSigns,
    VitalsSource,
)

__all__ = [
    "Admission",
    "ClinicalEvent",
    "ClinicalEventCode",
    "Consciousness",
    "Diagnosis",
    "DoseUnit",
    "FluidDirection",
    "FluidEntry",
    "FluidRoute",
    "FobtResult",
    "Hl7AckCode",
    "Hl7Message",
    "LabResult",
    "LabTestCode",
    "MedicationCategory",
    "News2Band",
    "Observation",
    "OxygenDevice",
    "Patient",
    "Sex",
    "Spo2Scale",
    "SupportiveMedication",
    "VasopressorAgent",
    "VasopressorInfusion",
    "VitalSigns",
    "VitalsSource",
]
