"""Receiving one HL7 v2 message (HTTP or MLLP): the ACK to send back.

- Idempotent per (MSH-4 sending facility, MSH-10 control id): a repeat gets the stored ACK and
  writes nothing. AA and AE are stored; an AR (not an ORU^R01, not readable) is not processed
  and not stored, so a corrected message may reuse its control id.
- The readings become vital-signs sets through the vitals service (``vitals_record``): the
  tablet's limits, NEWS2 and the monitor hook apply unchanged. Any error in any reading → AE,
  nothing written: a message is recorded whole or not at all.
- A set is the readings of one device taken within ``SET_WINDOW`` of its first (docs/hl7.md).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from patients.errors import ConflictError
from patients.hl7 import ack, message
from patients.hl7.message import Observations, Reading, Refusal, erroneous
from patients.models import Hl7AckCode, Hl7Message, Patient, VitalSigns
from patients.services.vitals import vitals_record
from patients.validators import normalize_mrn

# Readings of one device this close to the first of a set are one set: a monitor's NIBP cycle,
# SpO2 and temperature of one round arrive a minute or two apart.
SET_WINDOW = timedelta(minutes=5)
INTEGER_FIELDS = frozenset(
    {"heart_rate", "respiratory_rate", "spo2", "systolic_bp", "diastolic_bp"}
)


@dataclass(frozen=True)
class Received:
    """The ACK to send, and what it did (for the caller's log and tests)."""

    ack: str
    ack_code: str
    repeated: bool
    vitals: tuple[VitalSigns, ...] = ()


def hl7_receive(*, body: str, by: Any) -> Received:
    try:
        parsed = message.parse(body)
        header = message.header_of(parsed)
    except Refusal as refusal:
        return Received(ack.ack_for_unreadable(refusal), refusal.ack_code, repeated=False)
    stored = _stored(header)
    if stored is not None:
        return Received(stored.ack, stored.ack_code, repeated=True)
    try:
        try:
            observations = message.read(parsed, header)
            with transaction.atomic():
                patient, sets = _record(observations, by=by)
                return _store(parsed, header, Hl7AckCode.ACCEPTED, patient=patient, sets=sets)
        except Refusal as refusal:
            if refusal.ack_code == "AR":
                return Received(ack.ack_for(parsed, "AR", refusal), "AR", repeated=False)
            return _store(parsed, header, Hl7AckCode.ERROR, refusal=refusal)
    except IntegrityError:
        # A concurrent copy of this message stored first: this one's sets were rolled back
        # with the transaction; the winner's ACK is the answer.
        stored = _stored(header)
        if stored is None:
            raise
        return Received(stored.ack, stored.ack_code, repeated=True)


def _stored(header: message.Header) -> Hl7Message | None:
    return Hl7Message.objects.filter(
        sending_facility=header.sending_facility, control_id=header.control_id
    ).first()


def _store(
    parsed: Any,
    header: message.Header,
    code: str,
    *,
    refusal: Refusal | None = None,
    patient: Patient | None = None,
    sets: list[VitalSigns] | None = None,
) -> Received:
    """The message's row, with its ACK (the unique constraint decides a race)."""
    text = ack.ack_for(parsed, code, refusal)
    with transaction.atomic():
        row = Hl7Message.objects.create(
            sending_facility=header.sending_facility,
            control_id=header.control_id,
            message_type=header.message_type[:20],
            ack_code=code,
            ack=text,
            reason=refusal.reason if refusal else "",
            patient=patient,
        )
        row.vitals.set(sets or [])
    return Received(text, code, repeated=False, vitals=tuple(sets or ()))


def _record(observations: Observations, *, by: Any) -> tuple[Patient, list[VitalSigns]]:
    mrn = normalize_mrn(observations.mrn)
    patient = Patient.objects.filter(mrn=mrn).first()
    if patient is None:
        raise erroneous(
            message.UNKNOWN_KEY_IDENTIFIER, f"No patient has the MRN {mrn} (PID-3).", "PID^1^3"
        )
    recorded = []
    for readings in sets_of(observations.readings):
        values = _values(readings)
        if not values:
            continue  # a set of MAP alone: nothing the set stores
        try:
            result = vitals_record(
                patient=patient,
                by=by,
                taken_at=min(reading.taken_at for reading in readings),
                device_id=readings[0].device_id,
                **values,
            )
        except (ValidationError, ConflictError) as error:
            raise _refusal_of(error, readings) from error
        recorded.append(result.record)
    if not recorded:
        raise erroneous(
            message.REQUIRED_FIELD_MISSING,
            "The message holds no vital sign this interface stores (docs/hl7.md).",
            "OBX",
        )
    return patient, recorded


def sets_of(readings: list[Reading]) -> list[list[Reading]]:
    """Per device, in time order; a reading more than SET_WINDOW after a set's first starts
    the next set."""
    by_device: dict[str, list[Reading]] = defaultdict(list)
    for reading in sorted(readings, key=lambda r: r.taken_at):
        by_device[reading.device_id].append(reading)
    sets: list[list[Reading]] = []
    for device_readings in by_device.values():
        current: list[Reading] = []
        for reading in device_readings:
            if current and reading.taken_at - current[0].taken_at > SET_WINDOW:
                sets.append(current)
                current = []
            current.append(reading)
        sets.append(current)
    return sets


def _values(readings: list[Reading]) -> dict[str, Any]:
    """The set's fields: per field the best-ranked code; two different values of equal rank
    (two temperature probes) are an error, not a guess."""
    chosen: dict[str, Reading] = {}
    for reading in readings:
        name = reading.measure.field
        if name is None:
            continue
        held = chosen.get(name)
        if held is None or reading.measure.rank < held.measure.rank:
            chosen[name] = reading
        elif reading.measure.rank == held.measure.rank and reading.value != held.value:
            raise erroneous(
                message.APPLICATION_INTERNAL_ERROR,
                f"{reading.measure.label}: two different values in one set ({held.value} at "
                f"{held.location}, {reading.value} at {reading.location}); send one.",
                reading.location,
            )
    return {name: _as_stored(name, reading.value) for name, reading in chosen.items()}


def _as_stored(name: str, value: Decimal | str) -> Any:
    if isinstance(value, str):
        return value
    if name in INTEGER_FIELDS:
        return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _refusal_of(error: ValidationError | ConflictError, readings: list[Reading]) -> Refusal:
    """The service's own words (the tablet's limits), located at the OBX that carried the
    field when there is one."""
    if isinstance(error, ConflictError):  # not admitted
        return erroneous(message.APPLICATION_INTERNAL_ERROR, " ".join(error.messages), "PID^1^3")
    fields = error.message_dict if hasattr(error, "error_dict") else {}
    location = next(
        (f"{r.location}^5" for name in fields for r in readings if r.measure.field == name),
        "OBX",
    )
    return erroneous(message.APPLICATION_INTERNAL_ERROR, " ".join(error.messages), location)
