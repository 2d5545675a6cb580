"""``handover_sheets``: the shift handover, one printed page per admitted patient.

Built on the ward board's rows (same therapy state, NEWS2, CRS, VLS, pre-check, the monitor's
health and alerts) plus, in a fixed number of queries for the whole ward, each patient's latest
vitals set, latest weight, latest creatinine and the urine output of the last 8 and 24 hours.

One patient's data never takes down the ward's handover: a sheet that cannot be built is
replaced by one that says so (with the error), and the other sheets print as usual."""

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone

from patients.models import Admission, FluidEntry, LabResult, VitalSigns
from therapy.models import Dose, Notification
from therapy.monitor.assessment import error_where
from therapy.pages.board import BoardRow, ward_board
from therapy.pages.inbox import InboxAlert
from therapy.pages.wording import escalation_words, evidence_lines
from therapy.record import Skips, fluid_entries
from therapy.rules import inputs as rules
from therapy.rules.inputs import DoseStatus, LabTest
from therapy.rules.windows import UrineOutput, urine_output

logger = logging.getLogger(__name__)

LOOK_BACK = timedelta(hours=24)
PARTIAL_TOLERANCE_HOURS = Decimal("0.25")


@dataclass
class HandoverSheet:
    row: BoardRow
    vitals: VitalSigns | None
    weight: VitalSigns | None
    creatinine: LabResult | None
    urine_8h: UrineOutput
    urine_24h: UrineOutput
    doses: list[Dose]  # given or held in the last 24 h
    alerts: list[InboxAlert]
    # Urine entries the counts left out (unreadable rows, periods under a minute), named.
    urine_skipped: list[rules.SkippedRecord] = field(default_factory=list)
    error: str = ""  # set when this sheet could not be built: the page says so

    @property
    def urine_8h_partial(self) -> bool:
        return _partial(self.urine_8h)

    @property
    def urine_24h_partial(self) -> bool:
        return _partial(self.urine_24h)

    @property
    def weight_change_pct(self) -> Decimal | None:
        if self.weight is None or self.weight.weight_kg is None:
            return None
        baseline = self.row.patient.baseline_weight_kg
        return ((self.weight.weight_kg - baseline) / baseline * 100).quantize(Decimal("0.1"))


def _partial(output: UrineOutput) -> bool:
    """Part of the window has no urine recorded (a few minutes' gap at the edges is not
    worth a remark on paper; the monitor's own rule is stricter and says so itself)."""
    return output.recorded_hours < output.window_hours - PARTIAL_TOLERANCE_HOURS


def _newest(model: Any, time: str, **filters: Any) -> Subquery:
    rows = model.objects.filter(
        patient_id=OuterRef("patient_id"), entered_in_error=False, **filters
    ).order_by(f"-{time}", "-created_at")
    return Subquery(rows.values("pk")[:1])


def _latest_records(patient_ids: list[Any]) -> dict[Any, dict[str, Any]]:
    """Each patient's newest vitals set, weight and creatinine: three ids per admission in
    one query, then the rows by id (portable: no DISTINCT ON)."""
    newest = Admission.objects.filter(
        discharged_at__isnull=True, patient_id__in=patient_ids
    ).values(
        "patient_id",
        vitals=_newest(VitalSigns, "taken_at"),
        weight=_newest(VitalSigns, "taken_at", weight_kg__isnull=False),
        creatinine=_newest(LabResult, "collected_at", test=LabTest.CREATININE),
    )
    ids = list(newest)
    vitals_ids = {i["vitals"] for i in ids} | {i["weight"] for i in ids}
    vitals = VitalSigns.objects.prefetch_related("vasopressors").in_bulk(vitals_ids - {None})
    labs = LabResult.objects.in_bulk({i["creatinine"] for i in ids} - {None})
    return {
        i["patient_id"]: {
            "vitals": vitals.get(i["vitals"]),
            "weight": vitals.get(i["weight"]),
            "creatinine": labs.get(i["creatinine"]),
        }
        for i in ids
    }


def _urine(
    patient_ids: list[Any], now: datetime
) -> tuple[dict[Any, list[rules.FluidEntry]], dict[Any, list[rules.SkippedRecord]]]:
    """Each patient's urine entries of the last 24 h as the rules read them, and the rows the
    rules refuse (named, never a reason to fail the page)."""
    entries = FluidEntry.objects.filter(
        patient_id__in=patient_ids,
        route="urine",
        direction="output",
        entered_in_error=False,
        period_end__gte=now - LOOK_BACK,
        period_start__lte=now,
    )
    by_patient: dict[Any, list[rules.FluidEntry]] = defaultdict(list)
    skipped: dict[Any, list[rules.SkippedRecord]] = defaultdict(list)
    for f in entries:
        skips = Skips()
        by_patient[f.patient_id].extend(fluid_entries([f], skips))
        skipped[f.patient_id].extend(skips.records)
    return by_patient, skipped


def _recent_doses(patient_ids: list[Any], now: datetime) -> dict[Any, list[Dose]]:
    """Doses given or held in the last 24 hours, by patient."""
    since = now - LOOK_BACK
    doses = (
        Dose.objects.filter(course__patient_id__in=patient_ids)
        .filter(
            Q(status=DoseStatus.GIVEN, given_at__gte=since)
            | Q(status=DoseStatus.HELD, held_at__gte=since)
        )
        .annotate(patient=F("course__patient_id"))
        .select_related("held_by")  # an early hold names who decided it
        .order_by("cycle", "number")
    )
    by_patient: dict[Any, list[Dose]] = defaultdict(list)
    for dose in doses:
        by_patient[dose.patient].append(dose)
    return by_patient


def _escalations(rows: list[BoardRow]) -> None:
    """Each open alert's escalation notifications (``escalations``), in one query."""
    alerts = [alert for row in rows for alert in row.alerts]
    found: dict[Any, list[Notification]] = defaultdict(list)
    for notification in Notification.objects.filter(
        alert__in=[a.pk for a in alerts], event__startswith="escalated"
    ).order_by("created_at"):
        found[notification.alert_id].append(notification)
    for alert in alerts:
        # What the inbox's Prefetch(to_attr="escalations") sets; read with getattr.
        alert.escalations = found[alert.pk]  # type: ignore[attr-defined]


def _sheet(row: BoardRow, context: dict[str, Any], now: datetime) -> HandoverSheet:
    pk = row.patient.pk
    records = context["latest"].get(pk, {})
    fluids = context["urine"].get(pk, [])
    urine_8h = urine_output(fluids, start=now - timedelta(hours=8), end=now)
    urine_24h = urine_output(fluids, start=now - LOOK_BACK, end=now)
    sheet = HandoverSheet(
        row=row,
        vitals=records.get("vitals"),
        weight=records.get("weight"),
        creatinine=records.get("creatinine"),
        urine_8h=urine_8h,
        urine_24h=urine_24h,
        doses=context["doses"].get(pk, []),
        alerts=[InboxAlert(a, evidence_lines(a), escalation_words(a, now)) for a in row.alerts],
        urine_skipped=list(
            dict.fromkeys([*context["skipped"].get(pk, []), *urine_24h.skipped, *urine_8h.skipped])
        ),
    )
    # Everything the template reads is computed here, inside the guard, not while rendering.
    for name in (
        "monitor",
        "crs_words",
        "vls_words",
        "vls_signs",
        "aki_words",
        "aki_signs",
        "precheck",
        "precheck_words",
        "precheck_provisional",
        "news2_band_words",
        "vitals_status",
        "dose_status",
        "next_dose",
    ):
        getattr(row, name)
    _ = (sheet.urine_8h_partial, sheet.urine_24h_partial, sheet.weight_change_pct)
    return sheet


def _failed_sheet(row: BoardRow, error: Exception) -> HandoverSheet:
    empty = UrineOutput(row.now, row.now, Decimal(0), Decimal(0), None)
    return HandoverSheet(
        row=row,
        vitals=None,
        weight=None,
        creatinine=None,
        urine_8h=empty,
        urine_24h=empty,
        doses=[],
        alerts=[],
        error=f"{type(error).__name__}: {error}"[:300],
    )


def handover_sheets(
    *, user: Any, ward: str = "", now: datetime | None = None
) -> list[HandoverSheet]:
    """One sheet per admitted patient (of ``ward``), in bed order."""
    now = now or timezone.now()
    board = ward_board(user=user, ward=ward, sort="bed", now=now)
    ids = [row.patient.pk for row in board.rows]
    urine, skipped = _urine(ids, now) if ids else ({}, {})
    context = {
        "latest": _latest_records(ids) if ids else {},
        "urine": urine,
        "skipped": skipped,
        "doses": _recent_doses(ids, now) if ids else {},
    }
    _escalations(board.rows)
    sheets = []
    for row in board.rows:
        try:
            sheets.append(_sheet(row, context, now))
        except Exception as error:
            # Ids, the error type and where only in the log; the page names the error.
            logger.error(
                "handover sheet failed patient=%s error=%s where=%s",
                row.patient.pk,
                type(error).__name__,
                error_where(error),
            )
            sheets.append(_failed_sheet(row, error))
    return sheets
