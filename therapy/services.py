"""The monitor's evaluation of one patient: assess, reconcile alerts, log the run."""

import logging
import uuid
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from patients.models import Admission, Patient
from therapy.alerts import alerts_close_for_discharge, alerts_reconcile
from therapy.assessment import Assessment, assess
from therapy.models import MonitorState, PatientEvaluation
from therapy.selectors import record_as_of

logger = logging.getLogger(__name__)

LOGGED_REASONS = frozenset(
    {
        "vitals",
        "fluids",
        "labs",
        "medications",
        "events",
        "dose",
        "course",
        "admission",
        "discharge",
        "sweep",
        "manual",
    }
)


def _store_state(patient: Patient, assessment: Assessment) -> None:
    """Keep the newest assessment only: an older one (out of order) never overwrites it."""
    findings = {**assessment.summary, "alerts": sorted(str(k) for k in assessment.findings)}
    updated = MonitorState.objects.filter(patient=patient, assessed_at__lte=assessment.at).update(
        assessed_at=assessment.at, findings=findings, rule_version=assessment.rule_version
    )
    if updated == 0:
        try:
            with transaction.atomic():
                MonitorState.objects.create(
                    patient=patient,
                    assessed_at=assessment.at,
                    findings=findings,
                    rule_version=assessment.rule_version,
                )
        except IntegrityError:
            pass  # a newer assessment is stored already, or a concurrent one created it


def evaluation_run(
    *, patient_id: uuid.UUID, reason: str, now: datetime | None = None
) -> PatientEvaluation | None:
    """Evaluate a patient's record as of ``now`` and reconcile their alerts.

    Safe to run twice or concurrently: alerts are claimed with conditional updates and unique
    constraints. Runs triggered by a record (and sweeps) are logged with their findings so the
    sweep knows what was evaluated; periodic ticks only reconcile."""
    now = now or timezone.now()
    patient = Patient.objects.filter(pk=patient_id).first()
    if patient is None:
        logger.warning("evaluation skipped: no patient=%s", patient_id)
        return None
    as_of = record_as_of(patient_id=patient_id)
    admitted = Admission.objects.filter(patient=patient, discharged_at__isnull=True).exists()
    with transaction.atomic():
        if not admitted:
            closed = alerts_close_for_discharge(patient_id=patient_id, now=now)
            if closed:
                logger.info("alerts resolved on discharge patient=%s count=%s", patient_id, closed)
            assessment = None
        else:
            assessment = assess(patient=patient, at=now)
            alerts_reconcile(patient_id=patient_id, assessment=assessment)
            _store_state(patient, assessment)
        if reason not in LOGGED_REASONS or as_of is None:
            return None
        evaluation = PatientEvaluation.objects.create(
            patient=patient,
            reason=reason,
            record_as_of=as_of,
            findings={}
            if assessment is None
            else {**assessment.summary, "alerts": sorted(str(k) for k in assessment.findings)},
            rule_version="" if assessment is None else assessment.rule_version,
        )
    logger.info(
        "evaluated patient=%s reason=%s findings=%s",
        patient_id,
        reason,
        sorted(assessment.findings) if assessment else [],
    )
    return evaluation
