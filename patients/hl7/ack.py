"""The HL7 ACK (original mode): MSH with sender and receiver swapped, MSA-1 AA/AE/AR, MSA-2 the
message's MSH-10, and for AE/AR an ERR segment with the table 0357 code and the reason."""

from __future__ import annotations

from typing import Any

import hl7
from django.utils import timezone

from patients.hl7.message import ERROR_NAMES, Refusal

# Who answers when the message cannot be read far enough to know whom it was sent to.
RECEIVING_APPLICATION = "IL2MONITOR"


def now_dtm() -> str:
    return timezone.localtime().strftime("%Y%m%d%H%M%S%z")


def escaped(text: str) -> str:
    """HL7 escape sequences for the delimiters, so a reason naming "101^HR^99X" stays text."""
    for char, sequence in (
        ("\\", "\\E\\"),
        ("|", "\\F\\"),
        ("^", "\\S\\"),
        ("~", "\\R\\"),
        ("&", "\\T\\"),
    ):
        text = text.replace(char, sequence)
    return text.replace("\r", " ").replace("\n", " ")


def err_segment(refusal: Refusal) -> str:
    """ERR (v2.5): ERR-2 location, ERR-3 the code (HL70357), ERR-4 severity, ERR-8 the reason."""
    code = f"{refusal.error}^{ERROR_NAMES[refusal.error]}^HL70357"
    return "|".join(["ERR", "", refusal.location, code, "E", "", "", "", escaped(refusal.reason)])


def ack_for(message: Any, ack_code: str, refusal: Refusal | None = None) -> str:
    """The ACK of a message python-hl7 could parse."""
    ack = message.create_ack(ack_code=ack_code, message_id=hl7.generate_message_control_id())
    ack.segment("MSH").assign_field(now_dtm(), 7)
    segments = [segment for segment in str(ack).split("\r") if segment]
    if refusal is not None:
        segments[1] += "|" + escaped(refusal.reason)  # MSA-3, for receivers older than ERR
        segments.append(err_segment(refusal))
    return "\r".join(segments) + "\r"


def ack_for_unreadable(refusal: Refusal) -> str:
    """An AR for a body that is not an HL7 message: nothing to swap, no control id to echo."""
    msh = "|".join(
        [
            "MSH",
            "^~\\&",
            RECEIVING_APPLICATION,
            "",
            "",
            "",
            now_dtm(),
            "",
            "ACK",
            hl7.generate_message_control_id(),
            "P",
            "2.5",
        ]
    )
    msa = f"MSA|{refusal.ack_code}||{escaped(refusal.reason)}"
    return "\r".join([msh, msa, err_segment(refusal)]) + "\r"
