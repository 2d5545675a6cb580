"""Celery tasks: thin, taking ids, calling a service. Enqueued on commit (patients.monitor_hook)
or by beat (il2monitor/celery.py). Logs carry patient ids, never names or MRNs."""

from __future__ import annotations

import contextlib
import logging
import uuid
from typing import TypedDict

from celery import Task, shared_task
from django.db import OperationalError
from django.utils import timezone

from patients.selectors.patients import open_admissions
from therapy.api.summary import summary_document_refresh
from therapy.monitor import alerts, selectors
from therapy.monitor import evaluation as services
from therapy.monitor.notify import notification_send, notifications_sweep

logger = logging.getLogger(__name__)


class _Retry(TypedDict):
    autoretry_for: tuple[type[BaseException], ...]
    retry_backoff: bool
    retry_backoff_max: int
    retry_jitter: bool
    max_retries: int


RETRY: _Retry = {
    "autoretry_for": (OperationalError,),
    "retry_backoff": True,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(bind=True, acks_late=True, **RETRY)
def patient_evaluate(self: Task[[str, str], None], patient_id: str, reason: str) -> None:
    """One evaluation in two steps (issue 16): for a new record, the urgent parts (NEWS2,
    CRS, VLS, AKI) and their alerts are committed first; then the whole evaluation at the same
    moment (the pre-check, trends, overdue care, the monitor's state and log), then the
    summary document. Running it again changes nothing more (every alert change is claimed)."""
    now = timezone.now()
    try:
        urgent = None
        if reason in services.URGENT_REASONS:
            urgent = services.evaluation_urgent_run(
                patient_id=uuid.UUID(patient_id), reason=reason, now=now
            )
        services.evaluation_run(
            patient_id=uuid.UUID(patient_id), reason=reason, now=now, after=urgent
        )
    except OperationalError as error:
        if self.max_retries is not None and self.request.retries >= self.max_retries:
            # The last retry: record the failure (monitor_failure) if the database lets us;
            # if it is still unreachable, the watchdog raises it once the database is back.
            with contextlib.suppress(OperationalError):
                services.evaluation_failure_record(
                    patient_id=uuid.UUID(patient_id), reason=reason, error=error, now=timezone.now()
                )
        raise
    _document_refresh(patient_id)


def _document_refresh(patient_id: str) -> None:
    """Store the patient's summary document after evaluating (issue 16): the alerts are
    committed already, and a failure here only leaves the document to be built on request."""
    try:
        summary_document_refresh(patient_id=uuid.UUID(patient_id))
    except Exception:
        logger.exception("summary document not stored patient=%s", patient_id)


@shared_task(acks_late=True, **RETRY)
def evaluation_sweep() -> int:
    """Re-evaluate every admitted patient with a record newer than its last evaluation: what
    a broker outage lost."""
    patient_ids = selectors.patients_needing_evaluation()
    for patient_id in patient_ids:
        patient_evaluate.delay(str(patient_id), "sweep")
    return len(patient_ids)


@shared_task(acks_late=True, **RETRY)
def monitor_tick() -> int:
    """Re-assess every admitted patient: overdue vitals and doses, and the pre-check in the
    2 h before each dose, appear with time alone, without a new record."""
    patient_ids = list(open_admissions().values_list("patient_id", flat=True))
    for patient_id in patient_ids:
        patient_evaluate.delay(str(patient_id), "tick")
    return len(patient_ids)


@shared_task(acks_late=True, **RETRY)
def alerts_escalate() -> int:
    return alerts.alerts_escalate(now=timezone.now())


@shared_task(acks_late=True, **RETRY)
def monitor_watchdog() -> int:
    """monitor_failure for admitted patients with no successful evaluation for 10 min."""
    return services.monitor_watchdog(now=timezone.now())


@shared_task(acks_late=True, **RETRY)
def notification_deliver(notification_id: str) -> bool:
    """The first send, enqueued on commit. A failed send is retried by the outbox sweep."""
    return notification_send(notification_id=uuid.UUID(notification_id))


@shared_task(acks_late=True, **RETRY)
def notifications_send_due() -> int:
    """The outbox sweep: pending, failed-and-due and stuck notifications."""
    return notifications_sweep(now=timezone.now())


@shared_task
def ping() -> str:
    """An empty task: the floor of a Celery round trip (benchmarks, health checks)."""
    return "pong"
