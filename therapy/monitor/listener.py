"""therapy's listener on the hook ``patients`` offers (``patients.monitor_hook``): enqueue one
evaluation of a patient when something is recorded."""

import logging
import uuid

from therapy.monitor.queue import EVALUATE_PATIENT, enqueue

logger = logging.getLogger(__name__)


def enqueue_evaluation(patient_id: uuid.UUID, reason: str) -> None:
    try:
        enqueue(EVALUATE_PATIENT, str(patient_id), reason)
    except Exception as error:
        # The broker is unreachable. The record is already committed; the periodic sweep
        # re-evaluates this patient once the broker is back. Never fail the nurse's save.
        logger.warning(
            "broker unavailable (%s); evaluation deferred to sweep patient=%s",
            type(error).__name__,
            patient_id,
        )
