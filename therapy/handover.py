"""``handover_sheets``: the shift handover, one printed page per admitted patient.

Built on the ward board's rows (same therapy state, NEWS2, CRS, VLS, pre-check and alerts)
plus, in a fixed number of queries for the whole ward, each patient's latest vitals set,
latest weight, latest creatinine and the urine output of the last 8 and 24 hours."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone

from patients.models import Admission, FluidEntry, LabResult, LabTestCode, VitalSigns
from therapy.board import BoardRow, ward_board
from therapy.inbox import InboxAlert, escalation_words, evidence_lines
from therapy.models import Dose, DoseStatus
from therapy.rules import inputs as rules
from therapy.rules.windows import UrineOutput, urine_output

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
        creatinine=_newest(LabResult, "collected_at", test=LabTestCode.CREATININE),
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


def _urine(patient_ids: list[Any], now: datetime) -> dict[Any, list[rules.FluidEntry]]:
    entries = FluidEntry.objects.filter(
        patient_id__in=patient_ids,
        route="urine",
        direction="output",
        entered_in_error=False,
        period_end__gte=now - LOOK_BACK,
        period_start__lte=now,
    )
    by_patient: dict[Any, list[rules.FluidEntry]] = defaultdict(list)
    for f in entries:
        by_patient[f.patient_id].append(
            rules.FluidEntry(
                direction=f.direction,
                route=f.route,
                volume_ml=f.volume_ml,
                period_start=f.period_start,
                period_end=f.period_end,
            )
        )
    return by_patient


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
        .order_by("cycle", "number")
    )
    by_patient: dict[Any, list[Dose]] = defaultdict(list)
    for dose in doses:
        by_patient[dose.patient].append(dose)
    return by_patient


def handover_sheets(
    *, user: Any, ward: str = "", now: datetime | None = None
) -> list[HandoverSheet]:
    """One sheet per admitted patient (of ``ward``), in bed order."""
    now = now or timezone.now()
    board = ward_board(user=user, ward=ward, sort="bed", now=now)
    ids = [row.patient.pk for row in board.rows]
    latest = _latest_records(ids) if ids else {}
    urine = _urine(ids, now) if ids else {}
    doses = _recent_doses(ids, now) if ids else {}
    sheets = []
    for row in board.rows:
        records = latest.get(row.patient.pk, {})
        fluids = urine.get(row.patient.pk, [])
        sheets.append(
            HandoverSheet(
                row=row,
                vitals=records.get("vitals"),
                weight=records.get("weight"),
                creatinine=records.get("creatinine"),
                urine_8h=urine_output(fluids, start=now - timedelta(hours=8), end=now),
                urine_24h=urine_output(fluids, start=now - LOOK_BACK, end=now),
                doses=doses.get(row.patient.pk, []),
                alerts=[
                    InboxAlert(a, evidence_lines(a), escalation_words(a, now)) for a in row.alerts
                ],
            )
        )
    return sheets
