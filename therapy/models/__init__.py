"""therapy models, one module per sub-domain; import them from here."""

from therapy.models.courses import Course, CourseStatus, Dose, DoseStatus
from therapy.models.monitor import PatientEvaluation
from therapy.models.profiles import RuleProfileVersion

__all__ = [
    "Course",
    "CourseStatus",
    "Dose",
    "DoseStatus",
    "PatientEvaluation",
    "RuleProfileVersion",
]
