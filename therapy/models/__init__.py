"""therapy models, one module per sub-domain; import them from here."""

from therapy.models.alerts import (
    OPEN_STATUSES,
    SEVERITY_RANK,
    Alert,
    AlertKind,
    AlertStatus,
    Notification,
    NotificationChannel,
    NotificationStatus,
    Severity,
)
from therapy.models.courses import Course, CourseStatus, Dose, DoseStatus
from therapy.models.documents import StateDocument
from therapy.models.monitor import MonitorState, PatientEvaluation
from therapy.models.profiles import RuleProfileVersion

__all__ = [
    "OPEN_STATUSES",
    "SEVERITY_RANK",
    "Alert",
    "AlertKind",
    "AlertStatus",
    "Course",
    "CourseStatus",
    "Dose",
    "DoseStatus",
    "MonitorState",
    "Notification",
    "NotificationChannel",
    "NotificationStatus",
    "PatientEvaluation",
    "RuleProfileVersion",
    "Severity",
    "StateDocument",
]
