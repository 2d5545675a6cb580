"""What every bedside recording service shares.

- The record goes against the patient's open admission, locked so a concurrent discharge waits.
- ``client_id`` makes a save idempotent: a repeat returns the stored row and writes nothing.
  The unique constraint decides a race: the loser's insert fails, and it reads the winner's row.
- Saving runs the model's own validation (``full_clean``) and tells the monitor on commit.
- Nothing is deleted or edited: a wrong record is marked entered in error, with a reason.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from patients.errors import ConflictError
from patients.history import history_user_set
from patients.models import Admission, Observation, Patient
from patients.monitor_hook import notify_monitor

RecordT = TypeVar("RecordT", bound=Observation)

# Observations taken shortly before the stay was opened in the system (the first set on
# arrival, labs drawn in clinic that morning) belong to it; anything older is most likely a
# mistyped date.
BEFORE_ADMISSION_ALLOWANCE = timedelta(hours=24)
NOT_ADMITTED = (
    "This patient has no open admission: admit the patient before recording observations."
)
CLIENT_ID_OF_ANOTHER_PATIENT = "This client_id was already used for another patient's record."
ALREADY_IN_ERROR = "This record is already marked entered in error."
REASON_REQUIRED = "Give the reason this record is wrong."


@dataclass(frozen=True)
class Recorded(Generic[RecordT]):
    """The stored record, and whether this call wrote it (False: a repeated ``client_id``)."""

    record: RecordT
    created: bool


def stored_by_client_id(
    model: type[RecordT], *, client_id: uuid.UUID | None, patient: Patient
) -> RecordT | None:
    if client_id is None:
        return None
    stored = model._default_manager.filter(client_id=client_id).first()
    if stored is not None and stored.patient_id != patient.pk:
        raise ConflictError({"client_id": [CLIENT_ID_OF_ANOTHER_PATIENT]})
    return stored


def lock_open_admission(patient: Patient) -> Admission:
    """The open stay, locked until commit; its patient comes with it (fresh, not locked)."""
    admission = (
        Admission.objects.select_for_update(of=("self",))
        .select_related("patient")
        .filter(patient_id=patient.pk, discharged_at__isnull=True)
        .first()
    )
    if admission is None:
        raise ConflictError(NOT_ADMITTED, code="not_admitted")
    return admission


def check_within_admission(admission: Admission, *, field: str, value: datetime | None) -> None:
    earliest = admission.admitted_at - BEFORE_ADMISSION_ALLOWANCE
    if value is not None and value < earliest:
        shown = timezone.localtime(admission.admitted_at).strftime("%d %b %Y %H:%M")
        raise ValidationError(
            {field: [f"This time is more than 24 hours before the admission ({shown})."]}
        )


def history_user(by: Any) -> Any:
    return by if getattr(by, "is_authenticated", False) else None


def save_record(
    record: RecordT, *, by: Any, children: list[Any] | tuple[Any, ...] = ()
) -> Recorded[RecordT]:
    """Validate, insert (with ``children``, each pointing at ``record``) and notify the monitor.

    ``client_id`` uniqueness is left to the database so that a race has one winner; the loser
    gets the winner's row, as a plain repeat would. The check constraints are not asked of the
    database one by one before the insert (some thirty queries for a vital-signs set): each has
    its twin in the field validators and ``clean()``, and the insert itself enforces them.
    """
    record.full_clean(exclude=["client_id", *_known(record)], validate_constraints=False)
    child_errors = []
    for child in children:
        try:
            child.full_clean(
                exclude=[child_parent_field(child), *_known(child)], validate_constraints=False
            )
        except ValidationError as error:
            child_errors.extend(error.messages)
    if child_errors:
        raise ValidationError({record.CHILDREN_FIELD: child_errors})
    history_user_set(record, history_user(by))
    try:
        with transaction.atomic():
            record.save(force_insert=True)
            for child in children:
                history_user_set(child, history_user(by))
                child.save(force_insert=True)
    except IntegrityError as error:
        stored = stored_by_client_id(
            type(record), client_id=record.client_id, patient=record.patient
        )
        if stored is None:
            raise ValidationError(
                "The record could not be saved: it breaks a rule of the database."
            ) from error
        return Recorded(stored, created=False)
    notify_monitor(patient_id=record.patient_id, reason=record.KIND)
    return Recorded(record, created=True)


def _known(record: Any) -> list[str]:
    """Fields whose check would only ask the database what the service already knows: the
    new primary key (a fresh UUID: unique), and each foreign key whose row the service holds
    as read from the database (the locked stay, its patient, the signed-in user), so exists.
    The insert's own constraints still decide a row deleted meanwhile."""
    known = [record._meta.pk.name] if record._state.adding else []
    for field in record._meta.concrete_fields:
        if field.is_relation and field.is_cached(record):
            related = field.get_cached_value(record)
            if related is not None and not related._state.adding:
                known.append(field.name)
    return known


def child_parent_field(child: Any) -> str:
    return str(child.PARENT_FIELD)


@transaction.atomic
def observation_mark_entered_in_error(*, observation: RecordT, by: Any, reason: str) -> RecordT:
    """Mark a record as entered in error. It stays stored and listed in its history."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [REASON_REQUIRED]})
    locked = type(observation)._default_manager.select_for_update().get(pk=observation.pk)
    if locked.entered_in_error:
        raise ConflictError(ALREADY_IN_ERROR, code="already_entered_in_error")
    locked.entered_in_error = True
    locked.entered_in_error_reason = reason
    locked.entered_in_error_at = timezone.now()
    locked.entered_in_error_by = history_user(by)
    history_user_set(locked, history_user(by))
    locked.save(
        update_fields=[
            "entered_in_error",
            "entered_in_error_reason",
            "entered_in_error_at",
            "entered_in_error_by",
            "updated_at",
        ]
    )
    notify_monitor(patient_id=locked.patient_id, reason=locked.KIND)
    return locked
