"""What the monitor finds for one patient at one moment (clinical-rules.md §6): NEWS2 from the
stored latest set, CRS and VLS from the rules engine, the next dose's pre-check within 2 h of
the dose, and overdue vitals and doses. Each finding names its alert kind, severity, evidence."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings

from patients.models import Admission, Patient, VitalSigns
from patients.news2 import minimum_observation_interval
from therapy.models import AlertKind, Course, CourseStatus, Dose, DoseStatus, Severity
from therapy.profiles import rule_profile_active, rules_profile
from therapy.record import patient_record
from therapy.rules import Recommendation, crs_assess, precheck_dose, vls_assess
from therapy.rules.vls import VlsSeverity

IN_CYCLE_VITALS_INTERVAL = timedelta(hours=2)  # vitals every 2 h during an active cycle [S9]
NOT_IN_CYCLE_VITALS_INTERVAL = timedelta(hours=12)  # NEWS2 total 0 [S15]
PRECHECK_WINDOW = timedelta(hours=2)  # the pre-check runs in the 2 h before each dose [S8]
CYCLE_MARGIN = timedelta(hours=24)  # a dose within a day either side: the cycle is active


@dataclass(frozen=True)
class Finding:
    kind: str
    severity: str
    evidence: dict[str, Any]
    rule_version: str


@dataclass
class Assessment:
    at: datetime
    rule_version: str
    due_interval: timedelta
    findings: dict[str, Finding] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)

    def add(
        self, kind: str, severity: str, evidence: dict[str, Any], rule_version: str = ""
    ) -> None:
        self.findings[kind] = Finding(kind, severity, evidence, rule_version or self.rule_version)


def dose_overdue_after() -> timedelta:
    # A scheduled dose neither given nor held 30 min after its time (§6).
    return timedelta(minutes=settings.IL2_DOSE_OVERDUE_MINUTES)


def _news2(assessment: Assessment, latest: VitalSigns | None) -> None:
    if latest is None or latest.news2_total is None:
        return
    evidence = {
        "vitals_id": str(latest.pk),
        "taken_at": latest.taken_at.isoformat(),
        **(latest.news2() or {}),
    }
    version = latest.news2_algorithm_version
    band_kinds = {
        "high": (AlertKind.NEWS2_HIGH, Severity.EMERGENCY),
        "medium": (AlertKind.NEWS2_MEDIUM, Severity.URGENT),
        "low_medium": (AlertKind.NEWS2_LOW_MEDIUM, Severity.URGENT),
    }
    if latest.news2_band in band_kinds:
        kind, severity = band_kinds[latest.news2_band]
        assessment.add(kind, severity, evidence, version)


def _due_interval(latest_complete: VitalSigns | None, in_cycle: bool, profile: Any) -> timedelta:
    interval = IN_CYCLE_VITALS_INTERVAL if in_cycle else NOT_IN_CYCLE_VITALS_INTERVAL
    if latest_complete is not None and latest_complete.news2_total is not None:
        news2_interval = minimum_observation_interval(
            latest_complete.news2_total,
            red_flag=latest_complete.news2_red_flag,
            policy=profile.news2,
        )
        interval = min(interval, news2_interval)
    return interval


def assess(*, patient: Patient, at: datetime) -> Assessment:
    """Everything the monitor finds for an admitted patient at ``at``."""
    profile_row = rule_profile_active()
    profile = rules_profile(profile_row)
    course = (
        Course.objects.filter(patient=patient, status=CourseStatus.ACTIVE)
        .order_by("-cycle_1_start")
        .first()
    )
    record = patient_record(patient=patient, at=at, profile=profile, course=course)
    vitals = VitalSigns.objects.filter(patient=patient, entered_in_error=False, taken_at__lte=at)
    latest = vitals.order_by("-taken_at", "-created_at").first()
    latest_complete = (
        vitals.filter(news2_total__isnull=False).order_by("-taken_at", "-created_at").first()
    )
    doses = list(Dose.objects.filter(course=course).order_by("cycle", "number")) if course else []
    in_cycle = any(abs(d.scheduled_at - at) <= CYCLE_MARGIN for d in doses)
    assessment = Assessment(
        at=at,
        rule_version=profile_row.label,
        due_interval=_due_interval(latest_complete, in_cycle, profile),
    )

    _news2(assessment, latest_complete)

    crs = crs_assess(record, at=at, profile=profile)
    assessment.summary["crs"] = crs.to_dict()
    if crs.grade is not None and crs.grade >= 2:
        assessment.add(
            AlertKind.CRS, Severity.URGENT if crs.grade == 2 else Severity.EMERGENCY, crs.to_dict()
        )

    vls = vls_assess(record, at=at, profile=profile)
    assessment.summary["vls"] = vls.to_dict()
    if vls.severity is not VlsSeverity.NONE:
        severity = Severity.EMERGENCY if vls.severity is VlsSeverity.CRITICAL else Severity.URGENT
        assessment.add(AlertKind.VLS, severity, vls.to_dict())

    next_dose = next((d for d in doses if d.status == DoseStatus.SCHEDULED), None)
    if next_dose is not None:
        check = precheck_dose(
            record,
            cycle=next_dose.cycle,
            dose_number=next_dose.number,
            scheduled_at=next_dose.scheduled_at,
            at=at,
            profile=profile,
        )
        assessment.summary["precheck"] = {"dose_id": str(next_dose.pk), **check.to_dict()}
        if (
            next_dose.scheduled_at - PRECHECK_WINDOW <= at
            and check.recommendation is not Recommendation.GIVE
        ):
            assessment.add(
                AlertKind.HOLD_CRITERIA,
                Severity.URGENT,
                {"dose_id": str(next_dose.pk), **check.to_dict()},
            )
        if at - next_dose.scheduled_at >= dose_overdue_after():
            assessment.add(
                AlertKind.DOSE_OVERDUE,
                Severity.URGENT,
                {
                    "dose_id": str(next_dose.pk),
                    "cycle": next_dose.cycle,
                    "number": next_dose.number,
                    "scheduled_at": next_dose.scheduled_at.isoformat(),
                    "overdue_after_minutes": int(dose_overdue_after().total_seconds() // 60),
                },
            )

    last_taken = latest.taken_at if latest else None
    admitted = (
        Admission.objects.filter(patient=patient, discharged_at__isnull=True)
        .values_list("admitted_at", flat=True)
        .first()
    )
    reference = last_taken or admitted
    if reference is not None and at - reference > assessment.due_interval:
        assessment.add(
            AlertKind.VITALS_OVERDUE,
            Severity.ROUTINE,
            {
                "last_vitals_at": last_taken.isoformat() if last_taken else None,
                "due_interval_minutes": int(assessment.due_interval.total_seconds() // 60),
                "overdue_since": (reference + assessment.due_interval).isoformat(),
            },
        )
    assessment.summary["news2"] = latest_complete.news2() if latest_complete else None
    assessment.summary["due_interval_minutes"] = int(assessment.due_interval.total_seconds() // 60)
    return assessment
