"""The clinical rules engine: pure Python, no Django (conventions.md).

Plain frozen dataclasses in (:mod:`therapy.rules.inputs`) and out; every result carries the
name and version of the rule profile that produced it. NEWS2 lives in :mod:`patients.news2`.
"""

from therapy.rules.aki import AkiResult, AkiStatus, aki_assess
from therapy.rules.crs import CrsResult, crs_assess
from therapy.rules.dosing import DoseCalculation, DoseInputError, dose_calculate
from therapy.rules.errors import ProfileError, RuleInputError
from therapy.rules.inputs import (
    ClinicalEvent,
    DoseRecord,
    DoseStatus,
    FluidEntry,
    LabResult,
    PatientBaseline,
    PatientRecord,
    SupportiveMedication,
    Vasopressor,
    VitalsSet,
)
from therapy.rules.precheck import (
    CriterionStatus,
    Finding,
    PrecheckResult,
    Recommendation,
    precheck_dose,
)
from therapy.rules.profile import DEFAULT_PROFILE, RuleProfile, default_profile
from therapy.rules.schedule import (
    ScheduledDose,
    ScheduleInputError,
    administration_refusals,
    course_schedule,
    doses_to_cancel,
)
from therapy.rules.vls import SignStatus, VlsResult, VlsSeverity, vls_assess

__all__ = [
    "DEFAULT_PROFILE",
    "AkiResult",
    "AkiStatus",
    "ClinicalEvent",
    "CriterionStatus",
    "CrsResult",
    "DoseCalculation",
    "DoseInputError",
    "DoseRecord",
    "DoseStatus",
    "Finding",
    "FluidEntry",
    "LabResult",
    "PatientBaseline",
    "PatientRecord",
    "PrecheckResult",
    "ProfileError",
    "Recommendation",
    "RuleInputError",
    "RuleProfile",
    "ScheduleInputError",
    "ScheduledDose",
    "SignStatus",
    "SupportiveMedication",
    "Vasopressor",
    "VitalsSet",
    "VlsResult",
    "VlsSeverity",
    "administration_refusals",
    "aki_assess",
    "course_schedule",
    "crs_assess",
    "default_profile",
    "dose_calculate",
    "doses_to_cancel",
    "precheck_dose",
    "vls_assess",
]
