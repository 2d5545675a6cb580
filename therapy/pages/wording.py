"""Every clinical word the pages show, in one place: the words for codes (alert kinds' evidence,
VLS signs, NEWS2 parameters, pre-check recommendations and criteria, escalation channels) and
the sentences built from stored findings. The board, the chart, the inbox, the handover and the
dose panel all read them here, so a finding reads the same on every page and on paper."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import dateformat, timezone

from patients.models import ClinicalEventCode, Consciousness, News2Band, OxygenDevice
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
        name = criterion_name(str(criterion.get("code", "")), str(criterion.get("threshold", "")))
        action = str(criterion.get("action", "")).upper()
        lines.append(f"{action}: {criterion_value(criterion)} ({name[:1].lower()}{name[1:]}).")
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


def _predose_vitals_due(evidence: dict[str, Any]) -> list[str]:
    last = evidence.get("last_vitals_at")
    return [
        f"Cycle {evidence.get('cycle')} dose {evidence.get('number')} is due "
        f"{when(evidence.get('scheduled_at'))}: take a full set of vitals for its pre-dose "
        f"check (none since {when(evidence.get('window_opens_at'))}).",
        (f"Last full set {when(last)}." if last else "No full set recorded yet.")
        + f" Urgent from {when(evidence.get('urgent_from'))}.",
    ]


# The series of a trend warning (§7), as the ward names them, with their units.
TREND_SERIES_WORDS: dict[str, tuple[str, str]] = {
    "systolic_bp": ("Systolic BP", "mmHg"),
    "news2_total": ("NEWS2", ""),
    "weight_gain_pct": ("Weight gain over baseline", "%"),
    "creatinine_mg_dl": ("Creatinine", "mg/dL"),
    "urine_ml_per_shift": ("Urine output per 8 h shift", "mL"),
}
# Why vitals are due hourly (§6 (v2)).
CLOSE_WATCH_WORDS = {
    "vasopressor_running": "a vasopressor is running",
    "crs_grade": "CRS grade 3 or more",
}


def close_watch_words(reason: str | None) -> str:
    return CLOSE_WATCH_WORDS.get(reason or "", "")


def _number(value: Any, unit: str) -> str:
    return f"{value} {unit}".strip()


def trend_line_words(item: dict[str, Any]) -> str:
    """One projected crossing in a sentence: where the series is, how fast it moves, where
    the line puts it at the next dose, and the threshold it crosses."""
    name, unit = TREND_SERIES_WORDS.get(item.get("series", ""), (str(item.get("series")), ""))
    slope = item.get("slope_per_hour")
    return (
        f"{name} {_number(item.get('current_value'), unit)} "
        f"({when(item.get('current_at'))}), changing {slope} {unit}/h: projected "
        f"{_number(item.get('projected_value'), unit)} by {when(item.get('projected_at'))}, "
        f"crossing {item.get('threshold')}."
    ).replace(" /h", "/h")


def _trend(evidence: dict[str, Any]) -> list[str]:
    lines = ["Projected to cross a hold threshold before the next dose (least-squares trend)."]
    lines += [trend_line_words(item) for item in evidence.get("crossings") or []]
    return lines


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
    AlertKind.PREDOSE_VITALS_DUE: _predose_vitals_due,
    AlertKind.TREND: _trend,
    AlertKind.VITALS_OVERDUE: _vitals_overdue,
    AlertKind.DOSE_OVERDUE: _dose_overdue,
    AlertKind.MONITOR_FAILURE: _monitor_failure,
}


def _duration(minutes: int) -> str:
    hours, rest = divmod(int(minutes), 60)
    return f"{hours} h {rest} min" if hours else f"{rest} min"


def history_lines(alert: Alert) -> list[str]:
    """The gaps of an alert that resolved and was found again (§6 (v2)): one line each."""
    return [
        f"Reopened {when(item.get('at'))}, {_duration(item.get('gap_minutes') or 0)} after it "
        f"resolved ({when(item.get('resolved_at'))})."
        for item in alert.lifecycle or []
        if isinstance(item, dict) and item.get("event") == "reopened"
    ]


ISO_STAMP = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})"
)


def local_stamps(text: str) -> str:
    """Every stored timestamp in a sentence (the rules write ISO UTC: "2026-11-30T04:57:23.8+
    00:00") in the site's time, as the rest of the page: "04:57"."""

    def local(match: re.Match[str]) -> str:
        try:
            return time_words(datetime.fromisoformat(match.group(0).replace("Z", "+00:00")))
        except ValueError:
            return match.group(0)

    return ISO_STAMP.sub(local, text)


# The rules say how much urine output a window held as a fact with one decimal ("only 0.0 h of
# urine output recorded; 8 h needed" — therapy.rules.readings, therapy.rules.vls, and stored so
# in old evidence); the pages say it as the ward would.
URINE_RECORDED = re.compile(r"only (\d+(?:\.\d+)?) h of urine output recorded")


def recorded_hours_words(hours: Decimal) -> str:
    """A span of charted output: "45 min" under an hour, "3 h", "3.5 h" (no ".0")."""
    if hours < 1:
        return f"{int((hours * 60).to_integral_value())} min"
    return f"{hours.normalize():f} h"


def urine_recorded_words(text: str) -> str:
    """ "only 0.0 h of urine output recorded" reads "no urine output recorded yet"; "only 3.0 h"
    reads "only 3 h", and under an hour in minutes ("only 30 min")."""

    def words(match: re.Match[str]) -> str:
        hours = Decimal(match.group(1))
        if hours == 0:
            return "no urine output recorded yet"
        return f"only {recorded_hours_words(hours)} of urine output recorded"

    return URINE_RECORDED.sub(words, text)


def code_words(text: str) -> str:
    """Oxygen device codes a rule wrote into a sentence ("Oxygen: room_air") as words, the
    rules' counts of charted urine as the ward says them, and timestamps in local time: no
    code or UTC stamp reaches a clinician."""
    for device in OxygenDevice:
        if "_" in device.value:
            text = re.sub(rf"\b{device.value}\b", str(device.label).lower(), text)
    return local_stamps(urine_recorded_words(text))


def evidence_lines(alert: Alert) -> list[str]:
    """The evidence that raised an alert, in sentences a ward clinician reads (local times,
    words not codes), and the times it was reopened."""
    words = EVIDENCE_WORDS.get(alert.kind)
    try:
        if not words:
            return [local_stamps(str(alert.evidence))]
        evidence = alert.evidence or {}
        lines = words(evidence) + _skipped(evidence) + history_lines(alert)
        return [code_words(line) for line in lines]
    except (TypeError, ValueError, KeyError):
        # Never hide an alert because its evidence has an unexpected shape: show it raw.
        return [local_stamps(str(alert.evidence))]


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


# The one table from the pre-check's rule codes (clinical-rules.md §4) to ward words: the name
# of the criterion, and how a value that meets it reads ("SBP 83 mmHg"). The board, the chart,
# the dose panel, the inbox and the handover read it; a code missing here reads as its
# threshold, never as the code.
CRITERION_WORDS: dict[str, tuple[str, str]] = {
    "sbp_lt_90": ("Systolic BP below 90 mmHg", "SBP {value} mmHg"),
    "spo2_lt_90": ("SpO2 below target", "SpO2 {value} %"),
    "mental_status_change": ("Mental status change", "consciousness: {value}"),
    "arrhythmia": ("Arrhythmia", "arrhythmia: {value}"),
    "fobt_positive": ("Faecal occult blood positive", "FOBT positive"),
    "hr_100_130": ("Heart rate 100–130 /min", "heart rate {value} /min"),
    "hr_gt_130": ("Heart rate above 130 /min", "heart rate {value} /min"),
    "weight_gain_gt_15pct": ("Weight more than 15 % over baseline", "weight +{value} %"),
    "urine_80_160_per_8h": ("Urine 80–160 mL in 8 h", "urine {value} mL/8 h"),
    "urine_lt_80_per_8h": ("Urine below 80 mL in 8 h", "urine {value} mL/8 h"),
    "creatinine_2_5_to_2_9": ("Creatinine 2.5–2.9 mg/dL", "creatinine {value} mg/dL"),
    "creatinine_ge_3": ("Creatinine 3.0 mg/dL or more", "creatinine {value} mg/dL"),
    "oxygen_3_to_4_l": ("Oxygen 3–4 L/min by nasal cannula", "oxygen {value} L/min"),
    "oxygen_gt_4_l": ("Oxygen above 4 L/min, a mask or positive pressure", "oxygen: {value}"),
    "platelets_30_to_50": ("Platelets 30–50 ×10³/µL", "platelets {value} ×10³/µL"),
    "platelets_lt_30": ("Platelets below 30 ×10³/µL", "platelets {value} ×10³/µL"),
    "bilirubin_gt_7": ("Bilirubin above 7 mg/dL", "bilirubin {value} mg/dL"),
    "bicarbonate_le_18": ("Bicarbonate 18 mmol/L or less", "bicarbonate {value} mmol/L"),
    "phenylephrine_at_dose": ("Phenylephrine running at dose time", "phenylephrine {value}"),
    "vasopressor_at_dose": ("A vasopressor running at dose time", "vasopressor: {value}"),
    "infection": ("Infection suspected", "infection suspected"),
    "permanent_stop_event": ("An event that stops IL-2 for good", "event: {value}"),
    "three_relative_criteria": ("Three or more hold criteria at once", "{value} hold criteria"),
    "three_held_doses": ("Third held dose of the cycle", "{value} held doses"),
    # Not a criterion: the hold reason a clinician chooses, with a note.
    "clinical_judgement": ("Clinical judgement", "clinical judgement"),
}
ACTION_WORDS = {"hold": "hold", "discontinue": "discontinue", "give": "give"}


def _value_words(value: Any) -> str:
    """A criterion's value as read: codes of events and devices in words."""
    return str(value).replace("_", " ") if isinstance(value, str) else str(value)


def criterion_name(code: str, threshold: str = "") -> str:
    """The criterion in words ("Heart rate 100–130 /min"), never its code."""
    if code in CRITERION_WORDS:
        return CRITERION_WORDS[code][0]
    return threshold[:1].upper() + threshold[1:] if threshold else "A hold criterion"


def threshold_words(threshold: str) -> str:
    """A criterion's threshold as the rules describe it ("device venturi_mask, cpap", "event
    atrial_fibrillation, svt") with each device and event code in words ("venturi mask,
    CPAP", "atrial fibrillation, SVT")."""
    labels = {str(c.value): str(c.label) for c in (*OxygenDevice, *ClinicalEventCode)}

    def listed(match: re.Match[str]) -> str:
        codes = [code.strip() for code in match.group(2).split(",")]
        return f"{match.group(1)} " + ", ".join(labels.get(code, code) for code in codes)

    return re.sub(r"\b(device|event) ([a-z0-9_]+(?:, [a-z0-9_]+)*)", listed, threshold)


def criterion_value(criterion: dict[str, Any]) -> str:
    """A criterion met, as its value reads ("SBP 83 mmHg", "urine 70 mL/8 h")."""
    code = str(criterion.get("code", ""))
    value = _value_words(criterion.get("value"))
    if code in CRITERION_WORDS:
        return CRITERION_WORDS[code][1].format(value=value)
    return f"{criterion_name(code, str(criterion.get('threshold', '')))}: {value}"


def time_words(value: Any) -> str:
    """A time of today in the site's time ("04:57"); another day with its date."""
    if not value:
        return "unknown time"
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    local = timezone.localtime(moment)
    if local.date() == timezone.localtime().date():
        return dateformat.format(local, "H:i")
    return dateformat.format(local, "j M H:i")


@dataclass(frozen=True)
class PrecheckSummary:
    """The next dose's pre-check as every page shows it (issue 14 item 2): the headline, the
    dose's window, why (the criteria met, with values), and every input it could not assess,
    visible beside the recommendation."""

    headline: str
    tone: str  # the colour: give, hold, discontinue, insufficient_data, none
    provisional: bool = False
    window: str = ""
    reasons: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()


def window_words(opens_at: Any, due_at: Any) -> str:
    """The dose's window: "opens 13:47, dose at 15:47" (give or hold, and the final check,
    from when it opens)."""
    return f"Window opens {time_words(opens_at)}, dose at {time_words(due_at)}"


def _needs(check: dict[str, Any], opens_at: Any) -> tuple[str, ...]:
    """Every input the check could not assess, in words, once each (several criteria read
    the same input): "no creatinine result in the last 24 h"; the criteria that all lacked
    the vitals read as one need ("vitals taken from 13:47")."""
    vitals_note = check.get("vitals_note") or ""
    needs: list[str] = []
    if check.get("vitals_stale"):
        needs.append(f"vitals taken from {time_words(opens_at)}" if opens_at else "a vitals set")
    for criterion in check.get("not_assessed") or []:
        note = str(criterion.get("note") or "")
        if vitals_note and note == vitals_note:
            continue
        needs.append(
            code_words(note) or criterion_name(str(criterion.get("code", ""))) + ": no data"
        )
    return tuple(dict.fromkeys(needs))


def precheck_summary(
    check: dict[str, Any] | None,
    *,
    next_dose: object | None = None,
    opens_at: Any = None,
    due_at: Any = None,
) -> PrecheckSummary:
    """One definition of how a pre-check reads. Before the window the check is provisional:
    it says what the current picture would mean ("Provisional: would hold") and what it still
    needs, never a bare INSUFFICIENT DATA."""
    opens_at = opens_at or (check or {}).get("final_at")
    due_at = due_at or (check or {}).get("scheduled_at")
    window = window_words(opens_at, due_at) if opens_at and due_at else ""
    if check is None:
        headline = "Awaiting check" if next_dose else "No dose due"
        return PrecheckSummary(headline, "none", window=window)
    picture = check.get("current_picture") if check.get("provisional") else None
    if picture:
        recommendation = str(picture.get("recommendation"))
        if recommendation in ("give", "hold", "discontinue"):
            headline = f"Provisional: would {ACTION_WORDS[recommendation]} now"
        else:
            headline = "Provisional: not enough data yet"
        reasons = tuple(criterion_value(c) for c in picture.get("criteria") or [])
        needs = _needs(picture, None) + _needs(check, opens_at)
        return PrecheckSummary(
            headline,
            recommendation,
            provisional=True,
            window=window,
            reasons=reasons,
            needs=tuple(dict.fromkeys(needs)),
        )
    recommendation = str(check.get("recommendation"))
    words = PRECHECK_WORDS.get(recommendation, recommendation.replace("_", " ").upper())
    if check.get("provisional"):
        words = f"Provisional: {words.lower()}"
    return PrecheckSummary(
        words,
        recommendation,
        provisional=bool(check.get("provisional")),
        window=window,
        reasons=tuple(criterion_value(c) for c in check.get("criteria") or []),
        needs=_needs(check, opens_at),
    )


def precheck_words(check: dict[str, Any] | None, next_dose: object | None) -> str:
    """The headline alone (the board's signature, the handover's line)."""
    return precheck_summary(check, next_dose=next_dose).headline


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
