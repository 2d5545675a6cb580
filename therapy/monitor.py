"""therapy's side of the two hooks ``patients`` offers: the listener that enqueues one
evaluation of a patient when something is recorded (``patients.monitor_hook``), and the
provider of "not monitored" words for ``patients``' pages (``patients.monitor_status``)."""

import logging
import uuid

from django.utils import timezone

logger = logging.getLogger(__name__)


def enqueue_evaluation(patient_id: uuid.UUID, reason: str) -> None:
    from therapy.tasks import patient_evaluate

    try:
        patient_evaluate.delay(str(patient_id), reason)
    except Exception as error:
        # The broker is unreachable. The record is already committed; the periodic sweep
        # re-evaluates this patient once the broker is back. Never fail the nurse's save.
        logger.warning(
            "broker unavailable (%s); evaluation deferred to sweep patient=%s",
            type(error).__name__,
            patient_id,
        )


def not_monitored_words(patient_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    """ "Not monitored since 14:05 — <reason>" for each admitted patient of ``patient_ids``
    the monitor is not watching; one query whatever the number."""
    from patients.models import Admission
    from therapy.models import MonitorState
    from therapy.monitor_health import monitor_health

    now = timezone.now()
    stays = Admission.objects.filter(patient_id__in=patient_ids, discharged_at__isnull=True)
    words = {}
    for stay in stays.select_related("patient__monitor_state"):
        try:
            state = stay.patient.monitor_state
        except MonitorState.DoesNotExist:
            state = None
        health = monitor_health(state, admitted_at=stay.admitted_at, now=now)
        if not health.ok:
            words[stay.patient_id] = health.words
    return words
