"""therapy's listener on the patients monitor hook: enqueue one evaluation of the patient."""

import logging
import uuid

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
