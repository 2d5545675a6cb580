"""Celery tasks: thin, taking ids, calling a service. Enqueued on commit (patients.monitor_hook)."""

import uuid

from celery import shared_task
from django.db import OperationalError

from therapy import selectors, services

RETRY = {
    "autoretry_for": (OperationalError,),
    "retry_backoff": True,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(acks_late=True, **RETRY)  # type: ignore[untyped-decorator]
def patient_evaluate(patient_id: str, reason: str) -> None:
    services.evaluation_run(patient_id=uuid.UUID(patient_id), reason=reason)


@shared_task(acks_late=True, **RETRY)  # type: ignore[untyped-decorator]
def evaluation_sweep() -> int:
    patient_ids = selectors.patients_needing_evaluation()
    for patient_id in patient_ids:
        patient_evaluate.delay(str(patient_id), "sweep")
    return len(patient_ids)
