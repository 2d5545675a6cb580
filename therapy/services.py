import logging
import uuid

from django.db import IntegrityError, transaction

from patients.models import Patient
from therapy.models import PatientEvaluation
from therapy.selectors import record_as_of

logger = logging.getLogger(__name__)


def evaluation_run(*, patient_id: uuid.UUID, reason: str) -> PatientEvaluation | None:
    """Evaluate a patient's current record once. Idempotent: a repeat for the same record state
    (duplicate delivery, retry, two workers) finds the existing row and writes nothing."""
    if not Patient.objects.filter(pk=patient_id).exists():
        logger.warning("evaluation skipped: no patient=%s", patient_id)
        return None
    as_of = record_as_of(patient_id=patient_id)
    if as_of is None:
        return None
    existing = PatientEvaluation.objects.filter(patient_id=patient_id, record_as_of__gte=as_of)
    if existing.exists():
        logger.info("evaluation already done patient=%s as_of=%s", patient_id, as_of.isoformat())
        return existing.order_by("-record_as_of").first()
    try:
        with transaction.atomic():
            evaluation = PatientEvaluation.objects.create(
                patient_id=patient_id, reason=reason, record_as_of=as_of
            )
    except IntegrityError:  # a concurrent worker evaluated the same state first
        return PatientEvaluation.objects.get(patient_id=patient_id, record_as_of=as_of)
    logger.info("evaluated patient=%s reason=%s", patient_id, reason)
    return evaluation
