"""``patient_chart``: a patient's trends over a window (24 h, 72 h, the whole cycle), drawn as
server-rendered SVG (no chart library, nothing from a CDN), with every IL-2 dose marked on the
time axis, and the flowsheet of the same records below, corrections included.

Geometry lives in ``therapy.pages.chart_svg`` (coordinates in a fixed ``viewBox``, scaled by CSS);
the templates only place the shapes. Reference lines come from the active rule profile, so the
chart shows the thresholds the monitor actually applies.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from patients.models import (
    ClinicalEvent,
    FluidEntry,
    LabResult,
    News2Band,
    Patient,
    VitalSigns,
)
from therapy.models import Dose
from therapy.pages.chart_svg import (
    BOTTOM,
    LEFT,
    PANEL_HEIGHT,
    RIGHT,
    TOP,
    WIDTH,
    DoseMark,
    Line,
    Panel,
    Projection,
    Rect,
    Tick,
    TimeAxis,
    ValueAxis,
    local,
    series,
)
from therapy.pages.wording import (
    TREND_SERIES_WORDS,
    LatestValueItem,
    PrecheckSummary,
    aki_signs,
    aki_words,
    crs_words,
    latest_value_items,
    precheck_provisional_words,
    precheck_summary,
    vls_signs,
    vls_words,
)
from therapy.profiles import rule_profile_active, rules_profile
from therapy.record import fluid_entries, patient_baseline
from therapy.rules import RuleProfile
from therapy.rules.inputs import DoseStatus, LabTest
from therapy.rules.profile import CriterionCode
from therapy.rules.windows import urine_output
from therapy.state.patient_state import PatientState

WINDOWS = {"24h": "24 hours", "72h": "72 hours", "cycle": "Whole cycle"}
WINDOW_LENGTHS = {"24h": timedelta(hours=24), "72h": timedelta(hours=72)}
CYCLE_LEAD = timedelta(hours=12)  # the whole cycle starts with the pre-treatment baseline
MAX_WINDOW = timedelta(days=14)
SHIFT_START_HOURS = (6, 14, 22)  # 8 h fluid balance by ward shift (clinical-rules.md §6)
WEIGHT_LINES_PCT = (5, 10, 15)  # weight gain lines over baseline (issue #7)

DEVICE_SHORT = {
    "blow_by": "Blow-by",
    "nasal_cannula": "NC",
    "high_flow_nasal_cannula": "HFNC",
    "simple_face_mask": "Mask",
    "venturi_mask": "Venturi",
    "non_rebreather_mask": "NRB",
    "cpap": "CPAP",
    "bipap": "BiPAP",
    "mechanical_ventilation": "Ventilated",
}


def _criterion_bound(profile: RuleProfile, code: CriterionCode, bound: str) -> float | None:
    for criterion in profile.precheck.criteria:
        if criterion.code == code and criterion.enabled:
            value = getattr(criterion, bound)
            return None if value is None else float(value)
    return None


def _lines(scale: ValueAxis, refs: list[tuple[float | None, str, str]]) -> list[Line]:
    return [Line(scale.y(value), label, css) for value, label, css in refs if value is not None]


def _values(*groups: Iterable[float | None]) -> list[float]:
    return [v for group in groups for v in group if v is not None]


@dataclass
class Readings:
    """The chart's records in the window, oldest first, corrections left out."""

    vitals: list[VitalSigns]
    urine: list[FluidEntry]
    creatinine: list[LabResult]

    def of(self, name: str, unit: str = "") -> list[tuple[datetime, float, str]]:
        return [
            (v.taken_at, float(getattr(v, name)), f"{local(v.taken_at)}: {getattr(v, name)}{unit}")
            for v in self.vitals
            if getattr(v, name) is not None
        ]


def mean_arterial_pressure(systolic: int | None, diastolic: int | None) -> int | None:
    if systolic is None or diastolic is None:
        return None
    return round((systolic + 2 * diastolic) / 3)


def _temperature(r: Readings, t: TimeAxis, p: RuleProfile) -> Panel:
    temps = r.of("temperature_c", " °C")
    fever = float(p.crs.fever_c)
    scale = ValueAxis(_values([v for _, v, _ in temps], [fever]), (35.5, 39.5))
    return Panel(
        "temperature",
        "Temperature",
        "°C",
        scale.ticks(),
        [series("Temperature", "s-temp", temps, t, scale, timedelta(hours=8))],
        _lines(scale, [(fever, f"fever {fever:g} °C", "ref-alarm")]),
    )


def _blood_pressure(r: Readings, t: TimeAxis, p: RuleProfile) -> Panel:
    sbp, dbp = r.of("systolic_bp", " mmHg"), r.of("diastolic_bp", " mmHg")
    maps = [
        (v.taken_at, float(m), f"{local(v.taken_at)}: MAP {m} mmHg")
        for v in r.vitals
        if (m := mean_arterial_pressure(v.systolic_bp, v.diastolic_bp)) is not None
    ]
    limit = _criterion_bound(p, CriterionCode.SBP_LT_90, "high")
    scale = ValueAxis(_values([v for _, v, _ in sbp + dbp], [limit]), (40, 160))
    gap = timedelta(hours=8)
    return Panel(
        "bp",
        "Blood pressure: systolic, diastolic and MAP",
        "mmHg",
        scale.ticks(),
        [
            series("Systolic", "s-sbp", sbp, t, scale, gap),
            series("Diastolic", "s-dbp", dbp, t, scale, gap),
            series("MAP", "s-map", maps, t, scale, gap),
        ],
        _lines(scale, [(limit, f"SBP {limit:g}: hold" if limit else "", "ref-alarm")]),
        scale=scale,
    )


def _heart_rate(r: Readings, t: TimeAxis, p: RuleProfile) -> Panel:
    rates = r.of("heart_rate", "/min")
    hold = _criterion_bound(p, CriterionCode.HR_100_130, "low")
    stop = _criterion_bound(p, CriterionCode.HR_GT_130, "low")
    scale = ValueAxis(_values([v for _, v, _ in rates], [hold, stop]), (40, 140))
    refs = [(hold, f"{hold:g}: hold", "ref-warn"), (stop, f"{stop:g}: stop", "ref-alarm")]
    return Panel(
        "hr",
        "Heart rate",
        "/min",
        scale.ticks(),
        [series("Heart rate", "s-hr", rates, t, scale, timedelta(hours=8))],
        _lines(scale, [ref for ref in refs if ref[0] is not None]),
    )


def _spo2(r: Readings, t: TimeAxis, p: RuleProfile) -> Panel:
    saturations = r.of("spo2", " %")
    limit = float(p.vls.hypoxia_spo2_below)
    scale = ValueAxis(_values([v for _, v, _ in saturations], [limit]), (86, 100))
    panel = Panel(
        "spo2",
        "SpO2, with oxygen",
        "%",
        scale.ticks(),
        [series("SpO2", "s-spo2", saturations, t, scale, timedelta(hours=8))],
        _lines(scale, [(limit, f"SpO2 {limit:g}", "ref-alarm")]),
        note="Shaded strip: on supplemental oxygen (device, flow).",
    )
    recorded = [v for v in r.vitals if v.oxygen_device]
    label_prev = None
    for i, vitals in enumerate(recorded):
        device = vitals.oxygen_device
        if device is None or device == "room_air":  # (never None: recorded has a device)
            label_prev = None
            continue
        end = recorded[i + 1].taken_at if i + 1 < len(recorded) else t.end
        short = DEVICE_SHORT.get(device, device)
        flow = f" {vitals.oxygen_flow_l_min:g} L/min" if vitals.oxygen_flow_l_min else ""
        label = f"{short}{flow}"
        x = t.x(vitals.taken_at)
        panel.rects.append(
            Rect(
                x,
                PANEL_HEIGHT - BOTTOM - 14,
                max(t.x(end) - x, 2),
                14,
                "o2",
                f"{local(vitals.taken_at)}: {vitals.get_oxygen_device_display()}{flow}",
                "" if label == label_prev else label,
            )
        )
        label_prev = label
    return panel


def _weight(r: Readings, t: TimeAxis, baseline: Decimal) -> Panel:
    weights = r.of("weight_kg", " kg")
    base = float(baseline)
    lines: list[tuple[float | None, str, str]] = [(base, f"baseline {base:g} kg", "ref-base")]
    lines += [(base * (1 + pct / 100), f"+{pct} %", "ref-warn") for pct in WEIGHT_LINES_PCT]
    scale = ValueAxis(_values([v for _, v, _ in weights], [v for v, _, _ in lines]), (base, base))
    return Panel(
        "weight",
        "Weight against baseline",
        "kg",
        scale.ticks(),
        [series("Weight", "s-weight", weights, t, scale, timedelta(hours=36))],
        _lines(scale, lines),
        scale=scale,
    )


@dataclass
class UrineBin:
    start: datetime
    end: datetime
    volume_ml: Decimal
    recorded_hours: Decimal

    @property
    def hours(self) -> Decimal:
        return Decimal(int((self.end - self.start).total_seconds())) / 3600

    @property
    def complete(self) -> bool:
        return self.recorded_hours >= self.hours

    @property
    def rate_ml_h(self) -> Decimal:
        return self.volume_ml / self.recorded_hours if self.recorded_hours else Decimal(0)


def urine_bins(
    entries: list[FluidEntry], starts: list[datetime], length: timedelta
) -> list[UrineBin]:
    """Urine output per bin, counted as the monitor counts it (``rules.windows``: a period
    straddling a bin counts in proportion); bins with nothing recorded are left out."""
    fluids = list(fluid_entries(entries))
    bins = []
    for start in starts:
        output = urine_output(fluids, start=start, end=start + length)
        if output.recorded_hours or output.volume_ml:
            bins.append(UrineBin(start, start + length, output.volume_ml, output.recorded_hours))
    return bins


def _bin_starts(start: datetime, end: datetime, hours: Iterable[int], step: int) -> list[datetime]:
    """Local-time boundaries (every hour, or each shift start) covering ``start``..``end``."""
    moment = timezone.localtime(start).replace(minute=0, second=0, microsecond=0)
    moment -= timedelta(hours=step)
    starts = []
    while moment < end:
        if moment.hour in hours and moment + timedelta(hours=step) > start:
            starts.append(moment)
        moment += timedelta(hours=1)
    return starts


def _bars(
    bins: list[UrineBin], t: TimeAxis, scale: ValueAxis, value: Callable[[UrineBin], Decimal]
) -> list[Rect]:
    rects = []
    for b in bins:
        x0, x1 = max(t.x(b.start), LEFT), min(t.x(b.end), WIDTH - RIGHT)
        top = scale.y(float(value(b)))
        part = "" if b.complete else f" (part-charted: {b.recorded_hours:.1f} h recorded)"
        title = f"{local(b.start)}–{local(b.end, 'H:i')}: {value(b):.0f} mL{part}"
        rects.append(
            Rect(
                x0 + 0.5,
                top,
                max(x1 - x0 - 1, 1),
                round(PANEL_HEIGHT - BOTTOM - top, 1),
                "bar" if b.complete else "bar part",
                title,
                f"{value(b):.0f}" if x1 - x0 >= 34 else "",
            )
        )
    return rects


def _urine_hourly(r: Readings, t: TimeAxis, p: RuleProfile, weight: Decimal) -> Panel:
    bins = urine_bins(r.urine, _bin_starts(t.start, t.end, range(24), 1), timedelta(hours=1))
    floor = float(p.vls.urine_below_ml_kg_h * weight)
    scale = ValueAxis(_values([float(b.rate_ml_h) for b in bins], [floor]), (0, 150))
    return Panel(
        "urine_hourly",
        "Urine output per hour",
        "mL/h",
        scale.ticks(),
        rects=_bars(bins, t, scale, lambda b: b.rate_ml_h),
        lines=_lines(
            scale, [(floor, f"{p.vls.urine_below_ml_kg_h:g} mL/kg/h = {floor:.0f}", "ref-warn")]
        ),
    )


def _urine_8h(r: Readings, t: TimeAxis, p: RuleProfile) -> tuple[Panel, list[UrineBin]]:
    bins = urine_bins(
        r.urine, _bin_starts(t.start, t.end, SHIFT_START_HOURS, 8), timedelta(hours=8)
    )
    stop = _criterion_bound(p, CriterionCode.URINE_LT_80_PER_8H, "high")
    hold = _criterion_bound(p, CriterionCode.URINE_80_160_PER_8H, "high")
    scale = ValueAxis(_values([float(b.volume_ml) for b in bins], [stop, hold]), (0, 800))
    refs = [(stop, f"{stop:g}: stop", "ref-alarm"), (hold, f"{hold:g}: hold", "ref-warn")]
    panel = Panel(
        "urine_8h",
        "Urine output per 8 h shift",
        "mL",
        scale.ticks(),
        rects=_bars(bins, t, scale, lambda b: b.volume_ml),
        lines=_lines(scale, [ref for ref in refs if ref[0] is not None]),
        note="Pale bar with a dashed outline: part of the shift has no urine recorded.",
        scale=scale,
    )
    return panel, bins


def _creatinine(r: Readings, t: TimeAxis, p: RuleProfile, baseline: Decimal | None) -> Panel:
    values = [
        (lab.collected_at, float(lab.value), f"{local(lab.collected_at)}: {lab.value} mg/dL")
        for lab in r.creatinine
        if lab.value is not None
    ]
    hold = _criterion_bound(p, CriterionCode.CREATININE_2_5_TO_2_9, "low")
    stop = _criterion_bound(p, CriterionCode.CREATININE_GE_3, "low")
    refs = [(hold, f"{hold:g}: hold", "ref-warn"), (stop, f"{stop:g}: stop", "ref-alarm")]
    if baseline is not None:
        ratio = float(p.vls.creatinine_ratio_from)
        refs += [
            (float(baseline), f"baseline {float(baseline):g}", "ref-base"),
            (float(baseline) * ratio, f"{ratio:g} × baseline", "ref-warn"),
        ]
    refs = [ref for ref in refs if ref[0] is not None]
    scale = ValueAxis(_values([v for _, v, _ in values], [v for v, _, _ in refs]), (0.5, 1.5))
    return Panel(
        "creatinine",
        "Creatinine",
        "mg/dL",
        scale.ticks(),
        [series("Creatinine", "s-creat", values, t, scale, timedelta(hours=36))],
        _lines(scale, refs),
        scale=scale,
    )


NEWS2_BANDS = ((0, 5, "zone-low", "Low 0–4"), (5, 7, "zone-medium", "Medium 5–6"))


def _news2(r: Readings, t: TimeAxis) -> Panel:
    scores = [
        (v.taken_at, float(v.news2_total), f"{local(v.taken_at)}: NEWS2 {v.news2_total}")
        for v in r.vitals
        if v.news2_total is not None
    ]
    scale = ValueAxis(_values([v for _, v, _ in scores]), (0, 10))
    bands: list[tuple[float, float, str, str]] = [
        (*band[:2], band[2], band[3]) for band in NEWS2_BANDS
    ]
    bands.append((7, scale.high, "zone-high", "High 7+"))
    return Panel(
        "news2",
        "NEWS2",
        "score",
        scale.ticks(),
        [series("NEWS2", "s-news2", scores, t, scale, timedelta(hours=8))],
        bands=[
            Rect(
                LEFT,
                scale.y(high),
                WIDTH - LEFT - RIGHT,
                scale.y(low) - scale.y(high),
                css,
                "",
                label,
            )
            for low, high, css, label in bands
        ],
        scale=scale,
    )


# The panel each trend series (§7) is drawn on; weight % is drawn in kg on the weight panel.
TREND_PANELS = {
    "systolic_bp": "bp",
    "news2_total": "news2",
    "weight_gain_pct": "weight",
    "creatinine_mg_dl": "creatinine",
    "urine_ml_per_shift": "urine_8h",
}


def trend_horizon(trend: dict[str, Any] | None, end: datetime) -> datetime:
    """Where the time axis ends: at the next dose when a projection runs to it."""
    times = [
        datetime.fromisoformat(item["projected_at"])
        for item in (trend or {}).get("crossings") or []
        if item.get("projected_at")
    ]
    return max([end, *times])


def add_projections(
    panels: list[Panel], trend: dict[str, Any] | None, t: TimeAxis, baseline_kg: Decimal
) -> None:
    """Each projected crossing as a dashed line from the newest charted value to the value
    projected at the next dose, with the threshold it crosses (§7 (v2))."""
    by_key = {panel.key: panel for panel in panels}
    for item in (trend or {}).get("crossings") or []:
        panel = by_key.get(TREND_PANELS.get(item.get("series", ""), ""))
        if panel is None or panel.scale is None:
            continue
        in_kg = item["series"] == "weight_gain_pct"

        def unit_value(value: float, in_kg: bool = in_kg) -> float:
            return float(baseline_kg) * (1 + value / 100) if in_kg else value

        current, projected = float(item["current_value"]), float(item["projected_value"])
        threshold = item.get("threshold_value")
        name, unit = TREND_SERIES_WORDS.get(item["series"], (item["series"], ""))
        shown = f"{projected:g} {unit}".rstrip()
        label = f"→ {shown} by next dose: {item['threshold']}"
        panel.projections.append(
            Projection(
                x1=t.x(datetime.fromisoformat(item["current_at"])),
                y1=panel.scale.y_clamped(unit_value(current)),
                x2=t.x(datetime.fromisoformat(item["projected_at"])),
                y2=panel.scale.y_clamped(unit_value(projected)),
                threshold_y=None
                if threshold is None
                else panel.scale.y_clamped(unit_value(float(threshold))),
                label=label,
                title=f"{name} projected {shown} at "
                f"{local(datetime.fromisoformat(item['projected_at']))} "
                f"(slope {float(item['slope_per_hour']):g}/h); crosses {item['threshold']}",
            )
        )


def dose_marks(doses: list[Dose], t: TimeAxis) -> list[DoseMark]:
    """Given doses at the time given; held doses at their scheduled time."""
    marks = []
    for dose in doses:
        if dose.status == DoseStatus.GIVEN and dose.given_at:
            moment, state = dose.given_at, "given"
        elif dose.status == DoseStatus.HELD:
            moment, state = dose.scheduled_at, "held"
        else:
            continue
        if t.start <= moment <= t.end:
            letter = "G" if state == "given" else "H"
            title = f"Cycle {dose.cycle} dose {dose.number} {state} {local(moment)}"
            marks.append(DoseMark(t.x(moment), state, f"{letter}{dose.number}", title))
    return marks


@dataclass
class Chart:
    patient: Patient
    state: PatientState
    window: str
    start: datetime
    end: datetime
    x_ticks: list[Tick]
    panels: list[Panel]
    doses: list[Dose]
    marks: list[DoseMark]
    vitals: list[VitalSigns]  # newest first, corrections included (the flowsheet)
    urine: list[FluidEntry]
    creatinine: list[LabResult]
    shifts: list[UrineBin]
    # (v2) The clinical events of the open admission, newest first, ended or not.
    events: list[ClinicalEvent]
    baseline_creatinine: Decimal | None
    news2_at: datetime | None
    width: int = WIDTH
    height: int = PANEL_HEIGHT
    left: int = LEFT
    right_edge: int = WIDTH - RIGHT
    plot_bottom: int = PANEL_HEIGHT - BOTTOM
    top: int = TOP

    @property
    def window_words(self) -> str:
        return WINDOWS[self.window]

    # The header: the patient's state in the same words as the board.
    @property
    def crs_words(self) -> str:
        return crs_words(self.state.crs, assessed=self.state.assessment is not None)

    @property
    def vls_words(self) -> str:
        return vls_words(self.state.vls)

    @property
    def vls_signs(self) -> list[str]:
        return vls_signs(self.state.vls)

    @property
    def precheck_provisional(self) -> str:
        return precheck_provisional_words(self.state.precheck)

    @property
    def aki_words(self) -> str:
        return aki_words(self.state.aki)

    @property
    def aki_signs(self) -> list[str]:
        return aki_signs(self.state.aki)

    @property
    def precheck(self) -> dict[str, Any] | None:
        return self.state.precheck

    @property
    def precheck_summary(self) -> PrecheckSummary:
        window = self.state.therapy.window
        return precheck_summary(
            self.precheck,
            next_dose=self.state.therapy.next_dose,
            opens_at=window.opens_at if window else None,
            due_at=window.due_at if window else None,
        )

    @property
    def precheck_words(self) -> str:
        return self.precheck_summary.headline

    @property
    def latest_items(self) -> list[LatestValueItem]:
        return latest_value_items(self.state.latest_values)

    @property
    def news2_band_words(self) -> str:
        band = (self.state.news2 or {}).get("band")
        return News2Band(band).label if band else ""

    @property
    def seconds_to_next_dose(self) -> int | None:
        next_dose = self.state.therapy.next_dose
        return (
            None if next_dose is None else int((next_dose.scheduled_at - self.end).total_seconds())
        )

    @property
    def flowsheet(self) -> list[tuple[VitalSigns, int | None]]:
        """The vitals sets newest first, corrections included, each with its MAP."""
        return [(v, mean_arterial_pressure(v.systolic_bp, v.diastolic_bp)) for v in self.vitals]


def chart_window(
    window: str, state: PatientState, doses: list[Dose], now: datetime
) -> tuple[datetime, datetime]:
    """The whole cycle runs from 12 h before its first dose to now (at most 14 days); without
    a course, from admission."""
    if window in WINDOW_LENGTHS:
        return now - WINDOW_LENGTHS[window], now
    cycle = state.therapy.cycle
    first = min((d.scheduled_at for d in doses if d.cycle == cycle), default=None)
    if first is not None:
        start = first - CYCLE_LEAD
    elif state.admission is not None:
        start = state.admission.admitted_at
    else:
        start = now - WINDOW_LENGTHS["72h"]
    start = max(min(start, now - timedelta(hours=24)), now - MAX_WINDOW)
    return start, now


def patient_chart(*, state: PatientState, window: str, now: datetime | None = None) -> Chart:
    """The chart of ``state.patient`` over ``window`` (a key of ``WINDOWS``)."""
    now = now or state.now
    window = window if window in WINDOWS else "72h"
    patient = state.patient
    course = state.therapy.course
    doses = list(
        Dose.objects.filter(course=course)
        .select_related("given_by", "verified_by", "held_by")
        .order_by("cycle", "number")
        if course
        else []
    )
    start, end = chart_window(window, state, doses, now)
    vitals = list(
        VitalSigns.objects.filter(patient=patient, taken_at__gte=start, taken_at__lte=end)
        .select_related("entered_by", "entered_in_error_by")
        .prefetch_related("vasopressors")
        .order_by("-taken_at", "-created_at")
    )
    urine = list(
        FluidEntry.objects.filter(
            patient=patient,
            route="urine",
            direction="output",
            # from a shift before the window: the first shift's bar is whole
            period_end__gte=start - timedelta(hours=8),
        )
        .filter(period_start__lte=end)
        .select_related("entered_by", "entered_in_error_by")
        .order_by("-period_end", "-created_at")
    )
    creatinine = list(
        LabResult.objects.filter(patient=patient, test=LabTest.CREATININE, collected_at__gte=start)
        .filter(collected_at__lte=end)
        .select_related("entered_by", "entered_in_error_by")
        .order_by("-collected_at", "-created_at")
    )
    events = (
        list(
            ClinicalEvent.objects.filter(admission=state.admission)
            .select_related("entered_by", "ended_by")
            .order_by("-observed_at", "-created_at")
        )
        if state.admission
        else []
    )
    profile = rules_profile(rule_profile_active())
    baseline = patient_baseline(patient, course)
    readings = Readings(
        vitals=[v for v in reversed(vitals) if not v.entered_in_error],
        urine=[u for u in reversed(urine) if not u.entered_in_error],
        creatinine=[c for c in reversed(creatinine) if not c.entered_in_error],
    )
    trend = state.trend
    time = TimeAxis(start, trend_horizon(trend, end))
    urine_8h, shifts = _urine_8h(readings, time, profile)
    panels = [
        _news2(readings, time),
        _temperature(readings, time, profile),
        _blood_pressure(readings, time, profile),
        _heart_rate(readings, time, profile),
        _spo2(readings, time, profile),
        _weight(readings, time, baseline.weight_kg),
        _urine_hourly(readings, time, profile, baseline.weight_kg),
        urine_8h,
        _creatinine(readings, time, profile, baseline.creatinine_mg_dl),
    ]
    add_projections(panels, trend, time, baseline.weight_kg)
    for panel in panels:
        panel.place_labels()
    complete = [v for v in readings.vitals if v.news2_total is not None]
    return Chart(
        patient=patient,
        state=state,
        window=window,
        start=start,
        end=end,
        x_ticks=time.ticks(),
        panels=panels,
        doses=doses,
        marks=dose_marks(doses, time),
        vitals=vitals,
        urine=urine,
        creatinine=creatinine,
        shifts=list(reversed(shifts)),
        events=events,
        baseline_creatinine=baseline.creatinine_mg_dl,
        news2_at=complete[-1].taken_at if complete else None,
    )
