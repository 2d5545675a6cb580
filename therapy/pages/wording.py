"""Every clinical word the pages show, in one place: the words for codes (alert kinds' evidence,
VLS signs, NEWS2 parameters, pre-check recommendations and criteria, escalation channels) and
the sentences built from stored findings. The board, the chart, the inbox, the handover and the
dose panel all read them here, so a finding reads the same on every page and on paper."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import dateformat, timezone

from patients.models import Consciousness, News2Band, OxygenDevice
from patients.selectors.observations import LatestValue
from therapy.models import (
    Alert,
    AlertKind,
    AlertStatus,
    Notification,
    NotificationChannel,
    NotificationStatus,
)
from therapy.monitor.alerts import escalation_delay
from therapy.monitor.notify import max_attempts
from therapy.state.health import failure_words

VLS_SIGN_WORDS = {
    "hypotension": "Hypotension",
    "weight_gain": "Weight gain",
    "oliguria": "Low urine output",
    "hypoxia": "Hypoxia",
    "creatinine_rise": "Creatinine rise",
    "hypoalbuminemia": "Low albumin",
    "edema": "Oedema",
}
# (v2) Acute kidney injury, KDIGO 2012 (clinical-rules.md §3a): each criterion's code.
AKI_CRITERION_WORDS = {
    "creatinine_ratio": "Creatinine over baseline",
    "creatinine_rise": "Creatinine rise",
    "creatinine_absolute": "Creatinine",
    "anuria": "No urine",
    "renal_replacement": "Dialysis",
}
NEWS2_PARAMETER_WORDS = {
    "respiratory_rate": "respiratory rate",
    "spo2": "SpO2",
    "air_or_oxygen": "on oxygen",
    "systolic_bp": "systolic BP",
    "heart_rate": "heart rate",
    "consciousness": "consciousness",
    "temperature": "temperature",
}


def when(value: Any) -> str:
    """An evidence timestamp (ISO text or datetime) in the site's time, e.g. "3 Mar 14:05"."""
    if not value:
        return "unknown time"
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return dateformat.format(timezone.localtime(moment), "j M H:i")


def _news2(evidence: dict[str, Any]) -> list[str]:
    band = evidence.get("band")
    band_words = News2Band(band).label.lower() if band else "no band"
    lines = [
        f"NEWS2 {evidence.get('total')} ({band_words}) from the vitals taken "
        f"{when(evidence.get('taken_at'))}."
    ]
    scoring = [
        f"{NEWS2_PARAMETER_WORDS.get(name, name)} {score}"
        for name, score in (evidence.get("subscores") or {}).items()
        if score
    ]
    if scoring:
        lines.append("Scoring: " + ", ".join(scoring) + ".")
    if evidence.get("red_flag"):
        lines.append("A single parameter scores 3 (red score).")
    return lines


def _crs(evidence: dict[str, Any]) -> list[str]:
    lines = [f"CRS grade {evidence.get('grade')} (ASTCT)."]
    lines += [str(reason) for reason in evidence.get("reasons") or []]
    if evidence.get("fever_masked"):
        lines.append("Fever may be masked by antipyretic, anticytokine or steroid therapy.")
    if evidence.get("missing"):
        lines.append("Not recorded: " + ", ".join(evidence["missing"]) + ".")
    return lines


def _vls(evidence: dict[str, Any]) -> list[str]:
    critical = evidence.get("severity") == "critical"
    lines = ["Vascular leak suspected" + (", critical." if critical else ".")]
    for sign in evidence.get("signs") or []:
        if sign.get("status") != "present":
            continue
        words = VLS_SIGN_WORDS.get(sign.get("code"), str(sign.get("code")))
        value = f": {sign['value']}" if sign.get("value") is not None else ""
        threshold = f" (threshold {sign['threshold']})" if sign.get("threshold") else ""
        note = f"; {sign['note']}" if sign.get("note") else ""
        lines.append(f"{words}{value}{threshold}{note}.")
    return lines


def aki_criterion_words(code: str) -> str:
    """A KDIGO criterion in words; the urine criteria are named by their window."""
    if code.startswith("urine_") and code.endswith("h"):
        return f"Low urine output over {code.removeprefix('urine_')}"
    return AKI_CRITERION_WORDS.get(code, code)


def _aki(evidence: dict[str, Any]) -> list[str]:
    lines = [f"Acute kidney injury, KDIGO stage {evidence.get('stage')}."]
    baseline = evidence.get("baseline_creatinine_mg_dl")
    if baseline is not None:
        lines.append(f"Baseline creatinine {baseline} mg/dL.")
    for criterion in evidence.get("criteria") or []:
        if criterion.get("status") != "met":
            continue
        words = aki_criterion_words(str(criterion.get("code")))
        value = f": {criterion['value']}" if criterion.get("value") is not None else ""
        note = f"; {criterion['note']}" if criterion.get("note") else ""
        lines.append(
            f"{words}{value} (stage {criterion.get('stage')}: {criterion.get('threshold')}){note}."
        )
    unknown = evidence.get("not_assessable") or []
    if unknown:
        named = ", ".join(aki_criterion_words(str(code)).lower() for code in unknown)
        lines.append(f"Not assessable (data missing): {named}.")
    return lines


def _hold(evidence: dict[str, Any]) -> list[str]:
    recommendation = str(evidence.get("recommendation", "")).replace("_", " ").upper()
    lines = [
        f"Pre-dose check for cycle {evidence.get('cycle')} dose {evidence.get('dose_number')} "
        f"(due {when(evidence.get('scheduled_at'))}) says {recommendation}."
    ]
    for criterion in evidence.get("criteria") or []:
        lines.append(
            f"{str(criterion.get('action', '')).upper()}: {criterion.get('code')}, value "
            f"{criterion.get('value')} meets “{criterion.get('threshold')}”."
        )
    if evidence.get("vitals_stale"):
        lines.append("No vitals in the 2 hours before the dose.")
    return lines


def _vitals_overdue(evidence: dict[str, Any]) -> list[str]:
    last = evidence.get("last_vitals_at")
    interval = evidence.get("due_interval_minutes")
    return [
        (f"Last vitals {when(last)}." if last else "No vitals recorded this admission.")
        + f" Due every {interval} min; overdue since {when(evidence.get('overdue_since'))}."
    ]


def _dose_overdue(evidence: dict[str, Any]) -> list[str]:
    return [
        f"Cycle {evidence.get('cycle')} dose {evidence.get('number')} was due "
        f"{when(evidence.get('scheduled_at'))}; neither given nor held "
        f"{evidence.get('overdue_after_minutes')} min later."
    ]


def _skipped(evidence: dict[str, Any]) -> list[str]:
    """Records the rule left out (§6 (v2): it says so in the evidence)."""
    return [
        f"Not used: {item.get('kind')} record {item.get('id')} ({item.get('reason')})."
        for item in evidence.get("skipped") or []
    ]


def _monitor_failure(evidence: dict[str, Any]) -> list[str]:
    scope = evidence.get("scope")
    if scope == "stale":
        since = evidence.get("not_monitored_since") or evidence.get("last_success_at")
        return [
            f"No evaluation of this patient has succeeded since {when(since)} "
            f"({evidence.get('stale_minutes')} min or more): the patient is not monitored.",
            "Check that the monitor's workers are running; watch the patient at the bedside.",
        ]
    lines = [f"The monitor could not evaluate this patient: {failure_words(evidence)}."]
    for failure in evidence.get("failures") or []:
        if failure.get("where"):
            lines.append(f"{failure.get('rule')} stopped at {failure['where']}.")
    checked = evidence.get("parts_checked")
    if checked:
        lines.append("Still checked: " + ", ".join(checked) + ".")
    lines.append("Until an evaluation succeeds, watch the patient at the bedside.")
    return lines


EVIDENCE_WORDS: dict[str, Callable[[dict[str, Any]], list[str]]] = {
    AlertKind.NEWS2_LOW_MEDIUM: _news2,
    AlertKind.NEWS2_MEDIUM: _news2,
    AlertKind.NEWS2_HIGH: _news2,
    AlertKind.CRS: _crs,
    AlertKind.VLS: _vls,
    AlertKind.AKI: _aki,
    AlertKind.HOLD_CRITERIA: _hold,
    AlertKind.VITALS_OVERDUE: _vitals_overdue,
    AlertKind.DOSE_OVERDUE: _dose_overdue,
    AlertKind.MONITOR_FAILURE: _monitor_failure,
}


def evidence_lines(alert: Alert) -> list[str]:
    """The evidence that raised an alert, in sentences a ward clinician reads."""
    words = EVIDENCE_WORDS.get(alert.kind)
    try:
        if not words:
            return [str(alert.evidence)]
        return words(alert.evidence or {}) + _skipped(alert.evidence or {})
    except (TypeError, ValueError, KeyError):
        # Never hide an alert because its evidence has an unexpected shape: show it raw.
        return [str(alert.evidence)]


CHANNEL_WORDS: dict[str, str] = {
    NotificationChannel.EMAIL: "email",
    NotificationChannel.WEBHOOK: "webhook",
}


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _escalation_rows(alert: Alert) -> list[Notification]:
    rows = getattr(alert, "escalations", None)
    if rows is None:
        rows = list(alert.notifications.filter(event__startswith="escalated"))
    event = f"escalated_{alert.severity}"
    return [n for n in rows if n.event == event] or list(rows)


def channel_words(rows: list[Notification]) -> str:
    """How an escalation went out, channel by channel; never claims someone was notified
    (clinical-rules.md §6 (v2))."""
    if not rows:
        return "no notification of it was recorded — nobody outside the app was notified."
    order = list(CHANNEL_WORDS)
    beyond = sorted(
        (n for n in rows if n.channel != NotificationChannel.IN_APP),
        key=lambda n: order.index(n.channel) if n.channel in order else len(order),
    )
    if not beyond:
        return "no channel beyond this app is configured — nobody outside the app was notified."
    sent = [CHANNEL_WORDS.get(n.channel, n.channel) for n in beyond if n.status == "sent"]
    said = [f"sent by {_and(sent)}"] if sent else []
    for n in beyond:
        label = CHANNEL_WORDS.get(n.channel, n.channel)
        if n.status in (NotificationStatus.PENDING, NotificationStatus.SENDING):
            said.append(f"{label} still pending")
        elif n.status == NotificationStatus.FAILED:
            tries = f"{n.attempts} attempt{'s' if n.attempts != 1 else ''}"
            if n.next_attempt_at is not None and n.attempts < max_attempts():
                said.append(f"{label} failed ({tries}), trying again")
            else:
                said.append(f"{label} failed ({tries}) — given up, not delivered")
    text = "; ".join(said) + "."
    if not sent:
        text += " Nobody outside the app has been notified yet."
    return text


def escalation_words(alert: Alert, now: datetime) -> str:
    """Where the alert stands on the escalation ladder (clinical-rules.md §6), and for an
    escalated one, through which channels it went."""
    if alert.escalated_at is not None:
        return f"Escalated {when(alert.escalated_at)}: {channel_words(_escalation_rows(alert))}"
    if alert.status == AlertStatus.ACKNOWLEDGED:
        return "Acknowledged: does not escalate."
    if alert.status == AlertStatus.RESOLVED:
        return "Resolved."
    delay = escalation_delay(alert.severity)
    if delay is None:
        return "Routine: does not escalate."
    due = alert.severity_since + delay
    if due <= now:
        return f"Escalation due since {when(due)}."
    return f"Escalates {when(due)} unless acknowledged."


SEVERITY_WORDS = {2: "Emergency", 1: "Urgent", 0: "Routine"}
VLS_WORDS = {"none": "Not suspected", "warning": "Suspected", "critical": "Suspected: critical"}
VLS_RANK = {"none": 0, "warning": 1, "critical": 2}
PRECHECK_WORDS = {
    "give": "GIVE",
    "hold": "HOLD",
    "discontinue": "DISCONTINUE",
    "insufficient_data": "INSUFFICIENT DATA",
}


def crs_words(crs: dict[str, Any] | None, *, assessed: bool = True) -> str:
    if not assessed:
        return "Not assessed"
    grade = (crs or {}).get("grade")
    return "Not graded" if grade is None else f"Grade {grade}"


def vls_words(vls: dict[str, Any] | None) -> str:
    return VLS_WORDS.get((vls or {}).get("severity") or "", "Not assessed")


def vls_signs(vls: dict[str, Any] | None) -> list[str]:
    present = (vls or {}).get("present", [])
    return [VLS_SIGN_WORDS.get(code, code).lower() for code in present]


def aki_words(aki: dict[str, Any] | None) -> str:
    """The KDIGO stage in words: "Stage 2", "No AKI", or why there is none."""
    if aki is None:
        return "Not assessed"
    stage = aki.get("stage")
    if stage is None:
        return "Not assessable"
    return f"Stage {stage}" if stage else "No AKI"


def aki_signs(aki: dict[str, Any] | None) -> list[str]:
    """The criteria met, in words (lower case, as the VLS signs)."""
    met = (aki or {}).get("met", [])
    return [aki_criterion_words(str(code)).lower() for code in met]


def precheck_words(check: dict[str, Any] | None, next_dose: object | None) -> str:
    if check is None:
        return "Awaiting check" if next_dose else "No dose due"
    words: str = PRECHECK_WORDS.get(check["recommendation"], check["recommendation"].upper())
    return words


def precheck_provisional_words(check: Any) -> str:
    """(v2, §4) "Provisional: final at 3 Mar 14:05" for a check made more than 2 h before its
    dose; "" for a final one. Reads the read model's dict or a ``PrecheckResult``."""
    if check is None:
        return ""
    provisional = check.get("provisional") if isinstance(check, dict) else check.provisional
    final_at = check.get("final_at") if isinstance(check, dict) else check.final_at
    return f"Provisional: final at {when(final_at)}" if provisional else ""


@dataclass(frozen=True)
class LatestValueItem:
    """One measurement as a clinician reads it ("BP 92/60"), with its own time."""

    label: str
    text: str
    taken_at: datetime


def latest_value_items(values: dict[str, LatestValue]) -> list[LatestValueItem]:
    """The newest value of each measurement in ward words, BP first. Systolic and diastolic
    from one set read as one "BP"; from different sets each keeps its own time."""

    def item(label: str, name: str, text: str) -> LatestValueItem:
        return LatestValueItem(label, text, values[name].taken_at)

    items: list[LatestValueItem] = []
    systolic, diastolic = values.get("systolic_bp"), values.get("diastolic_bp")
    if systolic and diastolic and systolic.vitals.pk == diastolic.vitals.pk:
        items.append(item("BP", "systolic_bp", f"{systolic.value}/{diastolic.value}"))
    else:
        if systolic:
            items.append(item("SBP", "systolic_bp", str(systolic.value)))
        if diastolic:
            items.append(item("DBP", "diastolic_bp", str(diastolic.value)))
    if "heart_rate" in values:
        items.append(item("HR", "heart_rate", str(values["heart_rate"].value)))
    if "respiratory_rate" in values:
        items.append(item("RR", "respiratory_rate", str(values["respiratory_rate"].value)))
    if "spo2" in values:
        items.append(item("SpO2", "spo2", f"{values['spo2'].value} %"))
    if "oxygen_device" in values:
        device = OxygenDevice(values["oxygen_device"].value).label
        flow = values.get("oxygen_flow_l_min")
        text = f"{device} {flow.value} L/min" if flow else device
        items.append(item("O2", "oxygen_device", text))
    if "temperature_c" in values:
        items.append(item("T", "temperature_c", f"{values['temperature_c'].value} °C"))
    if "consciousness" in values:
        words = Consciousness(values["consciousness"].value).label
        items.append(item("ACVPU", "consciousness", words))
    if "weight_kg" in values:
        items.append(item("Weight", "weight_kg", f"{values['weight_kg'].value} kg"))
    if "edema_grade" in values:
        items.append(item("Oedema", "edema_grade", f"grade {values['edema_grade'].value}"))
    return items
