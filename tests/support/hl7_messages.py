"""Realistic HL7 v2 ORU^R01 messages in the shapes monitors send, built inside a test (times
from the clock at call time), and a reader for the ACKs that come back.

- ``philips_like``: IHE PCD-01 shape as Philips IntelliVue gateways send it: MDC codes and
  units, a device-row OBX with status X, OBX-14 per value, OBX-18 the monitor's EUI-64.
- ``ge_like``: LOINC codes and UCUM units, the time in OBR-7 only, no OBX-18, PID-3 with a
  second (national) identifier besides the MRN.
- ``mindray_like``: local codes in OBX-3 with a LOINC alternate (CWE-4..6), plain "bpm" and
  "mmHg", OBX-14 per value.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import hl7

PHILIPS_DEVICE = "0080C9FFFE123456"


def dtm(moment: datetime) -> str:
    return moment.strftime("%Y%m%d%H%M%S%z")


def message(*segments: str) -> str:
    return "\r".join(segments) + "\r"


def msh(
    control_id: str,
    *,
    sender: str = "IVUE^0080C9FFFE123456^EUI-64",
    facility: str = "WARD7",
    kind: str = "ORU^R01^ORU_R01",
    at: datetime,
    version: str = "2.6",
) -> str:
    return (
        f"MSH|^~\\&|{sender}|{facility}|IL2MONITOR|HOSP|{dtm(at)}||{kind}|{control_id}|P|{version}"
    )


def pid(mrn: str) -> str:
    return f"PID|||{mrn}^^^HOSP^MR||DOE^JANE^^^^^L"


def philips_obx(
    number: int, code: str, value: object, unit: str, at: datetime, device: str = PHILIPS_DEVICE
) -> str:
    return (
        f"OBX|{number}|NM|{code}|1.1.1.{number}|{value}|{unit}|||||R|||{dtm(at)}||||{device}^EUI-64"
    )


def philips_like(
    mrn: str,
    control_id: str,
    *,
    at: datetime,
    hr: object = 88,
    pulse: object = 86,
    spo2: object = 96,
    rr: object = 18,
    sbp: object = 124,
    dbp: object = 76,
    mean: object = 92,
    temp: object = "37.2",
    extra: Iterable[str] = (),
    facility: str = "WARD7",
) -> str:
    obx = [
        # The monitor itself, a hierarchy row with no value (status X), as PCD-01 sends it.
        f"OBX|1||69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|1.0.0.0|||||||X|||||||"
        f"{PHILIPS_DEVICE}^EUI-64",
        philips_obx(2, "147842^MDC_ECG_HEART_RATE^MDC", hr, "264864^MDC_DIM_BEAT_PER_MIN^MDC", at),
        philips_obx(3, "150456^MDC_PULS_OXIM_SAT_O2^MDC", spo2, "262688^MDC_DIM_PERCENT^MDC", at),
        philips_obx(
            4, "149530^MDC_PULS_OXIM_PULS_RATE^MDC", pulse, "264864^MDC_DIM_BEAT_PER_MIN^MDC", at
        ),
        philips_obx(5, "151562^MDC_RESP_RATE^MDC", rr, "264928^MDC_DIM_RESP_PER_MIN^MDC", at),
        philips_obx(6, "150021^MDC_PRESS_BLD_NONINV_SYS^MDC", sbp, "266016^MDC_DIM_MMHG^MDC", at),
        philips_obx(7, "150022^MDC_PRESS_BLD_NONINV_DIA^MDC", dbp, "266016^MDC_DIM_MMHG^MDC", at),
        philips_obx(8, "150023^MDC_PRESS_BLD_NONINV_MEAN^MDC", mean, "266016^MDC_DIM_MMHG^MDC", at),
        philips_obx(9, "150364^MDC_TEMP_BODY^MDC", temp, "268192^MDC_DIM_DEGC^MDC", at),
        *extra,
    ]
    return message(
        msh(control_id, facility=facility, at=at),
        pid(mrn),
        "PV1||I|WARD7^^BED3",
        f"OBR|1|{control_id}^IVUE^{PHILIPS_DEVICE}^EUI-64||182777000^monitoring of patient^SCT"
        f"|||{dtm(at)}",
        *obx,
    )


def news2_inputs(
    number: int, at: datetime, *, acvpu: str = "A", device: str = "room_air"
) -> list[str]:
    """The two NEWS2 inputs a monitor does not measure, as a gateway with the nurse's entries
    sends them, in this interface's local codes (docs/hl7.md)."""
    return [
        f"OBX|{number}|CWE|consciousness^Level of consciousness (ACVPU)^99IL2||{acvpu}^^99IL2"
        f"||||||F|||{dtm(at)}||||{PHILIPS_DEVICE}^EUI-64",
        f"OBX|{number + 1}|CWE|oxygen_device^Oxygen device^99IL2||{device}^^99IL2"
        f"||||||F|||{dtm(at)}||||{PHILIPS_DEVICE}^EUI-64",
    ]


def ge_like(mrn: str, control_id: str, *, at: datetime, temp_f: str = "99.5") -> str:
    return message(
        msh(
            control_id, sender="CARESCAPE", facility="ICU-GW", kind="ORU^R01", at=at, version="2.5"
        ),
        f"PID|1||998877^^^NHS^NH~{mrn}^^^HOSP^MR||DOE^JANE",
        f"OBR|1|||VITALS^Vital signs^L|||{dtm(at)}",
        "OBX|1|NM|8867-4^Heart rate^LN||92|/min|||||F",
        "OBX|2|NM|8480-6^Systolic blood pressure^LN||131|mm[Hg]|||||F",
        "OBX|3|NM|8462-4^Diastolic blood pressure^LN||79|mm[Hg]|||||F",
        "OBX|4|NM|8478-0^Mean blood pressure^LN||96|mm[Hg]|||||F",
        "OBX|5|NM|59408-5^Oxygen saturation by pulse oximetry^LN||95|%|||||F",
        "OBX|6|NM|9279-1^Respiratory rate^LN||17|/min|||||F",
        f"OBX|7|NM|8310-5^Body temperature^LN||{temp_f}|[degF]|||||F",
    )


def mindray_like(
    mrn: str, control_id: str, *, at: datetime, hr_code: str = "101^HR^99MNDRY^8867-4^Heart rate^LN"
) -> str:
    return message(
        msh(control_id, sender="BeneVision^MINDRAY", facility="CCU", kind="ORU^R01", at=at),
        pid(mrn),
        f"OBR|1||||||{dtm(at)}",
        f"OBX|1|NM|{hr_code}||75|bpm|||||F|||{dtm(at)}||||BED12^MINDRAY",
        f"OBX|2|NM|160^SpO2^99MNDRY^59408-5^SpO2^LN||97|%|||||F|||{dtm(at)}||||BED12^MINDRAY",
        f"OBX|3|NM|170^NIBP-S^99MNDRY^8480-6^SBP^LN||118|mmHg|||||F|||{dtm(at)}||||BED12^MINDRAY",
        f"OBX|4|NM|171^NIBP-D^99MNDRY^8462-4^DBP^LN||72|mmHg|||||F|||{dtm(at)}||||BED12^MINDRAY",
    )


@dataclass(frozen=True)
class Ack:
    text: str
    msh: list[str]
    code: str
    control_id: str
    error: str  # ERR-3.1, the HL7 table 0357 code
    reason: str  # ERR-8, unescaped


def read_ack(text: str) -> Ack:
    parsed = hl7.parse(text.replace("\n", "\r").strip())
    msa = parsed.segment("MSA")
    errors = parsed.segments("ERR") if "ERR" in [str(s(0)) for s in parsed] else []
    error = str(errors[0](3)).split("^")[0] if errors else ""
    reason = parsed.unescape(str(errors[0](8))) if errors else ""
    msh_fields = [str(field) for field in parsed.segment("MSH")]
    return Ack(text, msh_fields, str(msa(1)), str(msa(2)), error, reason)
