"""Reading an ORU^R01 (ER7) into what the vitals service needs, or refusing it with the HL7
error (table 0357) and the reason in words. python-hl7 parses; this module decides.

Nothing here writes: the receiver (``receive.py``) looks the patient up and records.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import hl7
from django.utils import timezone

from patients import news2
from patients.hl7 import codes

# HL7 table 0357, the error codes an ACK's ERR-3 carries.
SEGMENT_SEQUENCE_ERROR = 100
REQUIRED_FIELD_MISSING = 101
DATA_TYPE_ERROR = 102
TABLE_VALUE_NOT_FOUND = 103
UNSUPPORTED_MESSAGE_TYPE = 200
UNSUPPORTED_EVENT_CODE = 201
UNKNOWN_KEY_IDENTIFIER = 204
APPLICATION_INTERNAL_ERROR = 207
ERROR_NAMES = {
    SEGMENT_SEQUENCE_ERROR: "Segment sequence error",
    REQUIRED_FIELD_MISSING: "Required field missing",
    DATA_TYPE_ERROR: "Data type error",
    TABLE_VALUE_NOT_FOUND: "Table value not found",
    UNSUPPORTED_MESSAGE_TYPE: "Unsupported message type",
    UNSUPPORTED_EVENT_CODE: "Unsupported event code",
    UNKNOWN_KEY_IDENTIFIER: "Unknown key identifier",
    APPLICATION_INTERNAL_ERROR: "Application internal error",
}

ENCODING_CHARACTERS = "|^~\\&"

# Result statuses (OBX-11, table 0085) that carry no value to record: cannot be obtained,
# deleted, wrong, not asked, pending.
SKIPPED_STATUSES = frozenset({"X", "D", "W", "N", "I"})


class Refusal(Exception):
    """The message is not recorded: ``ack_code`` AR (not processed: not an ORU^R01, not
    readable) or AE (read, but something in it is wrong); nothing was written."""

    def __init__(self, ack_code: str, error: int, reason: str, location: str = "") -> None:
        super().__init__(reason)
        self.ack_code = ack_code
        self.error = error
        self.reason = reason
        self.location = location


def rejected(error: int, reason: str, location: str = "") -> Refusal:
    return Refusal("AR", error, reason, location)


def erroneous(error: int, reason: str, location: str = "") -> Refusal:
    return Refusal("AE", error, reason, location)


@dataclass(frozen=True)
class Header:
    sending_application: str
    sending_facility: str
    control_id: str
    message_type: str


@dataclass(frozen=True)
class Reading:
    """One OBX, understood: the set's field, its value in the set's unit, when, from which
    device, and where it was in the message (for ERR-2)."""

    measure: codes.Measure
    value: Decimal | str
    taken_at: datetime
    device_id: str
    location: str


@dataclass
class Observations:
    header: Header
    mrn: str
    readings: list[Reading] = field(default_factory=list)
    # OBX codes of a known system this interface does not record (ST segment, alarms, ...).
    ignored: list[str] = field(default_factory=list)


def decoded(raw: bytes) -> str:
    """UTF-8, else ISO 8859-1 (HL7's usual MSH-18 "8859/1"), which decodes any byte."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def normalized(body: str) -> str:
    """Segments end with CR in HL7; HTTP clients and files often use LF or CRLF."""
    return body.strip().replace("\r\n", "\r").replace("\n", "\r")


def parse(body: str) -> Any:
    """The python-hl7 message, or AR: a body that is not an HL7 v2 message at all."""
    text = normalized(body)
    if not text.startswith("MSH") or len(text) < 8:
        raise rejected(SEGMENT_SEQUENCE_ERROR, "The body is not an HL7 v2 message: no MSH.")
    if "\x00" in text:
        raise rejected(DATA_TYPE_ERROR, "The message contains a NUL character.")
    if text[3:8] != ENCODING_CHARACTERS:
        raise rejected(
            DATA_TYPE_ERROR,
            "MSH-1 and MSH-2 must be the standard separators |^~\\&.",
            "MSH^1^2",
        )
    try:
        return hl7.parse(text)
    except Exception as error:  # python-hl7 raises plain ValueError/IndexError on garbage
        raise rejected(DATA_TYPE_ERROR, f"The message cannot be parsed: {error}.") from error


def header_of(message: Any) -> Header:
    msh = message.segment("MSH")
    return Header(
        sending_application=_text(msh, 3),
        sending_facility=_text(msh, 4),
        control_id=_text(msh, 10),
        message_type=_text(msh, 9),
    )


def read(message: Any, header: Header) -> Observations:
    """The ORU^R01's patient and readings, or a Refusal naming what is wrong."""
    kind = _components(header.message_type)
    if kind[:1] != ["ORU"]:
        raise rejected(
            UNSUPPORTED_MESSAGE_TYPE,
            f"Only ORU^R01 is accepted here, not {header.message_type or 'an untyped message'}.",
            "MSH^1^9",
        )
    if kind[1:2] != ["R01"]:
        raise rejected(
            UNSUPPORTED_EVENT_CODE,
            f"Only ORU^R01 is accepted here, not {header.message_type}.",
            "MSH^1^9",
        )
    if not header.control_id:
        raise rejected(REQUIRED_FIELD_MISSING, "MSH-10 (message control id) is empty.", "MSH^1^10")
    observations = Observations(header=header, mrn=_mrn(message))
    observed_at: datetime | None = None
    device_default = header.sending_application
    seen: dict[str, int] = defaultdict(int)  # ERR-2 counts each segment type on its own
    for segment in message:
        name = str(segment(0))
        seen[name] += 1
        if name == "OBR":
            text = _text(segment, 7)
            observed_at = _time(text, f"OBR^{seen[name]}^7") if text else None
        elif name == "OBX":
            reading = _reading(
                segment, seen[name], observed_at, device_default, observations.ignored
            )
            if reading is not None:
                observations.readings.append(reading)
    if not observations.readings:
        raise erroneous(
            REQUIRED_FIELD_MISSING,
            "The message holds no vital sign this interface records (docs/hl7.md lists them).",
            "OBX",
        )
    return observations


def _mrn(message: Any) -> str:
    """PID-3: the identifier typed MR (CX-5); an untyped one only if it is the only one."""
    pids = [segment for segment in message if str(segment(0)) == "PID"]
    if not pids:
        raise erroneous(REQUIRED_FIELD_MISSING, "The message has no PID segment.", "PID")
    if len(pids) > 1:
        # Several patients' results in one ORU: every OBX would have to be tied to its PID;
        # a monitor sends one patient per message, and a guess here could chart on the wrong one.
        raise erroneous(
            APPLICATION_INTERNAL_ERROR,
            "The message holds more than one patient (PID); send one patient per message.",
            "PID^2",
        )
    pid = pids[0]
    identifiers = [_components(rep) for rep in _repetitions(_text(pid, 3))]
    identifiers = [cx for cx in identifiers if cx and cx[0]]
    typed = [cx[0] for cx in identifiers if len(cx) > 4 and cx[4] == "MR"]
    if len(typed) == 1:
        return typed[0]
    if not typed and len(identifiers) == 1:
        return identifiers[0][0]
    raise erroneous(
        REQUIRED_FIELD_MISSING if not identifiers else DATA_TYPE_ERROR,
        "PID-3 must hold the patient's MRN: one identifier typed MR (CX-5).",
        "PID^1^3",
    )


def _reading(
    obx: Any, index: int, observed_at: datetime | None, device_default: str, ignored: list[str]
) -> Reading | None:
    where = f"OBX^{index}"
    code_text = _text(obx, 3)
    status = _text(obx, 11).upper()
    value_text = _text(obx, 5)
    measure = _measure(code_text, f"{where}^3")
    if measure is None:
        ignored.append(code_text)
        return None
    if status in SKIPPED_STATUSES or not value_text:
        return None
    taken_text = _text(obx, 14)
    taken_at = _time(taken_text, f"{where}^14") if taken_text else observed_at
    if taken_at is None:
        raise erroneous(
            REQUIRED_FIELD_MISSING,
            f"{measure.label} ({code_text}) has no time: OBX-14 and OBR-7 are empty.",
            f"{where}^14",
        )
    device = _components(_repetitions(_text(obx, 18))[0]) if _text(obx, 18) else []
    device_id = "^".join(part for part in device[:2] if part) or device_default
    value: Decimal | str
    if measure.kind == "numeric":
        value = _numeric(measure, value_text, _text(obx, 6), code_text, where)
    else:
        value = _coded(measure, value_text, code_text, where)
    return Reading(measure, value, taken_at, device_id[:100], where)


def _measure(code_text: str, location: str) -> codes.Measure | None:
    """OBX-3's meaning: its identifier, else its alternate identifier (CWE-4..6), in a coding
    system this interface reads. A code of a known system that is not in the table is some
    other parameter (ST segment, a device row): ignored. A code in any other system is an
    error: it may be a vital sign this interface would otherwise miss."""
    parts = [*_components(code_text), "", "", "", "", "", ""]
    pairs = [(parts[i + 2], parts[i]) for i in (0, 3)]
    pairs = [(system, code) for system, code in pairs if code or system]
    for system, code in pairs:
        if system == codes.MDC and code in codes.MDC_REFIDS:
            code = codes.MDC_REFIDS[code]
        if system in codes.CODING_SYSTEMS:
            return codes.CODES.get((system, code))
    raise erroneous(
        TABLE_VALUE_NOT_FOUND,
        f"Observation {code_text or '(no code)'}: coding system "
        f"{pairs[0][0] if pairs and pairs[0][0] else '(none)'} is not one this interface reads "
        "(LN for LOINC, MDC for IEEE 11073, 99IL2 for its local codes).",
        location,
    )


def _numeric(
    measure: codes.Measure, value_text: str, unit_text: str, code_text: str, where: str
) -> Decimal:
    try:
        value = Decimal(value_text.strip())
    except InvalidOperation as error:
        raise erroneous(
            DATA_TYPE_ERROR,
            f"{measure.label} ({code_text}): {value_text!r} is not a number.",
            f"{where}^5",
        ) from error
    if not value.is_finite():
        raise erroneous(DATA_TYPE_ERROR, f"{measure.label}: {value_text!r} is not a number.")
    units = codes.units_for(measure)
    unit_parts = _components(unit_text)
    matched = {units[part] for part in unit_parts[:2] if part in units}
    if len(matched) > 1:  # "268192^MDC_DIM_FAHR": a number and a name that disagree
        raise erroneous(
            TABLE_VALUE_NOT_FOUND,
            f"{measure.label} ({code_text}): unit {unit_text} names two different units.",
            f"{where}^6",
        )
    unit = matched.pop() if matched else None
    if unit is None:
        raise erroneous(
            TABLE_VALUE_NOT_FOUND,
            f"{measure.label} ({code_text}): unit {unit_text or '(none)'} is not one this "
            f"interface reads; send {sorted(set(u.name for u in units.values()))[0]} "
            "(docs/hl7.md lists the units).",
            f"{where}^6",
        )
    return unit.convert(value)


def _coded(measure: codes.Measure, value_text: str, code_text: str, where: str) -> str:
    value = _components(value_text)[0].strip()
    if measure.field == "consciousness":
        value = codes.ACVPU.get(value.upper(), value.lower())
        allowed = [level.value for level in news2.Consciousness]
    else:
        value = value.lower()
        allowed = [device.value for device in news2.OxygenDevice]
    if value not in allowed:
        raise erroneous(
            TABLE_VALUE_NOT_FOUND,
            f"{measure.label} ({code_text}): {value_text!r} is not one of {', '.join(allowed)}.",
            f"{where}^5",
        )
    return value


def _time(text: str, location: str) -> datetime:
    """An HL7 DTM; without an offset it is the site's local time (docs/hl7.md)."""
    try:
        moment: datetime = hl7.parse_datetime(text.split("^")[0])
    except (ValueError, TypeError) as error:
        raise erroneous(DATA_TYPE_ERROR, f"{text!r} is not an HL7 date and time.", location) from (
            error
        )
    if moment is None:
        raise erroneous(DATA_TYPE_ERROR, f"{text!r} is not an HL7 date and time.", location)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _text(segment: Any, number: int) -> str:
    return str(segment(number)) if len(segment) > number else ""


def _repetitions(text: str) -> list[str]:
    return text.split("~")


def _components(text: str) -> list[str]:
    return text.split("^") if text else []
