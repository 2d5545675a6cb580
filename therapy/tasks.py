"""Celery tasks: thin, taking ids, calling a service. Enqueued on commit (patients.monitor_hook)
or by beat (il2monitor/celery.py). Logs carry patient ids, never names or MRNs."""

import uuid

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from patients.selectors import admitted_patients
from therapy import alerts, selectors, services
from therapy.notify import DeliveryError, notification_send

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
    """Re-evaluate every admitted patient with a record newer than its last evaluation: what
    a broker outage lost."""
    patient_ids = selectors.patients_needing_evaluation()
    for patient_id in patient_ids:
        patient_evaluate.delay(str(patient_id), "sweep")
    return len(patient_ids)


@shared_task(acks_late=True, **RETRY)  # type: ignore[untyped-decorator]
def monitor_tick() -> int:
    """Re-assess every admitted patient: overdue vitals and doses, and the pre-check in the
    2 h before each dose, appear with time alone, without a new record."""
    patient_ids = list(admitted_patients(user=None).values_list("patient_id", flat=True))
    for patient_id in patient_ids:
        patient_evaluate.delay(str(patient_id), "tick")
    return len(patient_ids)


@shared_task(acks_late=True, **RETRY)  # type: ignore[untyped-decorator]
def alerts_escalate() -> int:
    return alerts.alerts_escalate(now=timezone.now())


@shared_task(
    acks_late=True,
    autoretry_for=(DeliveryError, OperationalError),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
)  # type: ignore[untyped-decorator]
def notification_deliver(notification_id: str) -> bool:
    return notification_send(notification_id=uuid.UUID(notification_id))


@shared_task  # type: ignore[untyped-decorator]
def ping() -> str:
    """An empty task: the floor of a Celery round trip (benchmarks, health checks)."""
    return "pong"
