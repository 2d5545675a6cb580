"""The one read model of a patient's state: what the board, the bedside list, the chart header,
the handover, the REST summary and FHIR ``$summary`` all show.

``patient_states`` builds it for 1 or N patients in a fixed number of queries whatever the
number of patients or the length of their histories (tests pin it): open admissions (unless the
caller has them), courses and their doses, the vital-signs sets that matter (the newest, the
newest complete, the newest of each measurement) and their vasopressors, the monitor's state
rows, and the open alerts. Everything else is derived here, once:

- the therapy state and the next dose's window (``therapy.state.therapy``);
- NEWS2 of the newest complete set, as stored on that set when it was recorded;
- the monitor's assessment (CRS, VLS, the pre-check) shown only while the monitor vouches for
  it (``therapy.state.health``), the pre-check only when it is about the dose that is next now,
  and then either *provisional* (made before the dose's window opened) or *final*;
- "due" and "overdue" for vitals and for the next dose (``therapy.rules.monitoring``);
- alert counts, by severity and unacknowledged.

``to_document`` is the state as JSON-ready data (the REST summary serializes it; the monitor
can store it per patient).
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone

from patients.models import Admission, Patient, VitalSigns
from patients.selectors.observations import LatestValue, NewestVitals, newest_vitals
from therapy.models import (
    OPEN_STATUSES,
    Alert,
    AlertStatus,
    Course,
    Dose,
    MonitorState,
    Severity,
)
from therapy.rules.monitoring import (
    DUE_SOON_FRACTION,
    IN_CYCLE_VITALS_INTERVAL,
    DoseWindow,
    vitals_status,
)
from therapy.state.health import MonitorHealth, monitor_health
from therapy.state.therapy import TherapyState, therapy_state

# What reading a patient's state needs (it shows all of this); every role, the API client
# role included, holds these.
STATE_PERMISSIONS = [
    "patients.view_patient",
    "patients.view_admission",
    "patients.view_vitalsigns",
    "therapy.view_course",
    "therapy.view_dose",
    "therapy.view_alert",
]
# The words of "due" (the pages' and the API's, one definition).
VITALS_TIMING = ("ok", "due", "overdue", "none")
DOSE_TIMING = ("none", "scheduled", "due", "overdue")

# Without an assessment yet, vitals are taken to be due every 2 h (in-cycle interval [S9]).
DEFAULT_DUE_INTERVAL = IN_CYCLE_VITALS_INTERVAL


@dataclass(frozen=True)
class AlertCounts:
    emergency: int = 0
    urgent: int = 0
    routine: int = 0
    unacknowledged: int = 0
    unacknowledged_emergency: int = 0

    @property
    def open(self) -> int:
        return self.emergency + self.urgent + self.routine

    @classmethod
    def of(cls, alerts: Iterable[Alert]) -> "AlertCounts":
        alerts = list(alerts)
        return cls(
            emergency=sum(1 for a in alerts if a.severity == Severity.EMERGENCY),
            urgent=sum(1 for a in alerts if a.severity == Severity.URGENT),
            routine=sum(1 for a in alerts if a.severity == Severity.ROUTINE),
            unacknowledged=sum(1 for a in alerts if a.status == AlertStatus.ACTIVE),
            unacknowledged_emergency=sum(
                1
                for a in alerts
                if a.status == AlertStatus.ACTIVE and a.severity == Severity.EMERGENCY
            ),
        )

    def to_dict(self) -> dict[str, int]:
        return {
            "open": self.open,
            "emergency": self.emergency,
            "urgent": self.urgent,
            "routine": self.routine,
            "unacknowledged": self.unacknowledged,
            "unacknowledged_emergency": self.unacknowledged_emergency,
        }


@dataclass
class PatientState:
    patient: Patient
    admission: Admission | None
    therapy: TherapyState
    vitals: NewestVitals
    monitor_row: MonitorState | None
    active_alerts: list[Alert]
    now: datetime = field(default_factory=timezone.now)

    # --- vitals -------------------------------------------------------------------------
    @property
    def latest_vitals(self) -> VitalSigns | None:
        """The newest set not entered in error (it may be partial)."""
        return self.vitals.latest

    @property
    def latest_values(self) -> dict[str, LatestValue]:
        """The newest value of each measurement with its own time (api-contract.md v2)."""
        return self.vitals.values

    @property
    def news2_vitals(self) -> VitalSigns | None:
        """The newest complete set: its NEWS2 is the patient's NEWS2 (a newer partial set
        or a weight never hides it)."""
        return self.vitals.complete

    @cached_property
    def news2(self) -> dict[str, Any] | None:
        """NEWS2 as stored on the newest complete set when it was recorded [S15]."""
        complete = self.news2_vitals
        return complete.news2() if complete is not None else None

    # --- the monitor ----------------------------------------------------------------------
    @cached_property
    def monitor(self) -> MonitorHealth:
        """Is the monitor evaluating this patient? (§6 (v2))."""
        admitted_at = self.admission.admitted_at if self.admission else None
        return monitor_health(self.monitor_row, admitted_at=admitted_at, now=self.now)

    @property
    def assessment(self) -> MonitorState | None:
        """The monitor's latest assessment: None until one is stored."""
        row = self.monitor_row
        return row if row is not None and row.assessed_at is not None else None

    @property
    def assessed_at(self) -> datetime | None:
        return self.assessment.assessed_at if self.assessment else None

    @property
    def findings(self) -> dict[str, Any]:
        return self.assessment.findings if self.assessment else {}

    def current(self, part: str) -> dict[str, Any] | None:
        """The stored finding of ``part``, only while the monitor vouches for it: a stale
        "grade 0" or "give" of a patient it has stopped evaluating is never shown as
        current."""
        return self.findings.get(part) if self.monitor.is_current(part) else None

    @property
    def crs(self) -> dict[str, Any] | None:
        return self.current("crs")

    @property
    def vls(self) -> dict[str, Any] | None:
        return self.current("vls")

    @property
    def trend(self) -> dict[str, Any] | None:
        """The monitor's projections to the next dose (§7 (v2)): every series with its
        status, and the crossings."""
        return self.current("trend")

    @property
    def close_watch(self) -> str | None:
        """Why vitals are due hourly (§6 (v2)): ``vasopressor_running``, ``crs_grade`` or None."""
        reason = self.findings.get("close_watch")
        return str(reason) if reason else None

    @property
    def aki(self) -> dict[str, Any] | None:
        """(v2) Acute kidney injury, KDIGO 2012 (clinical-rules.md §3a)."""
        return self.current("aki")

    @cached_property
    def precheck(self) -> dict[str, Any] | None:
        """The monitor's pre-check of the next dose, with ``provisional`` and ``final_at``
        (§4 (v2)); None when it is not about the dose that is next now (a dose decided since
        the last assessment) or the monitor does not vouch for it."""
        check = self.current("precheck")
        next_dose, window = self.therapy.next_dose, self.therapy.window
        if not check or next_dose is None or check.get("dose_id") != str(next_dose.pk):
            return None
        if window is None:
            return None
        checked_at = datetime.fromisoformat(check["checked_at"])
        return {
            **check,
            "provisional": window.provisional(checked_at),
            "final_at": window.opens_at.isoformat(),
        }

    # --- what is due ----------------------------------------------------------------------
    @cached_property
    def due_interval(self) -> timedelta:
        """How often vitals are due: the monitor's interval (NEWS2 and the IL-2 cycle)."""
        minutes = self.findings.get("due_interval_minutes")
        return timedelta(minutes=minutes) if minutes else DEFAULT_DUE_INTERVAL

    @property
    def last_vitals_at(self) -> datetime | None:
        return self.latest_vitals.taken_at if self.latest_vitals else None

    @property
    def last_complete_at(self) -> datetime | None:
        """When the newest complete (NEWS2-scored) set was taken: what makes vitals due and
        overdue. A partial set — a daily weight, a monitor's heart rate and SpO2 — is charted
        and shown, but it is not the set of observations the interval asks for."""
        return self.news2_vitals.taken_at if self.news2_vitals else None

    @property
    def vitals_reference(self) -> datetime | None:
        """What the vitals interval runs from: the newest complete set, else the admission."""
        return self.last_complete_at or (self.admission.admitted_at if self.admission else None)

    @cached_property
    def vitals_due_at(self) -> datetime | None:
        reference = self.vitals_reference
        return None if reference is None else reference + self.due_interval

    @cached_property
    def vitals_status(self) -> str:
        """``ok``, ``due`` or ``overdue`` (when the monitor raises ``vitals_overdue``);
        ``none`` for a patient not admitted."""
        reference = self.vitals_reference
        if reference is None or self.admission is None:
            return "none"
        return vitals_status(last_at=reference, interval=self.due_interval, now=self.now)

    @property
    def dose_window(self) -> DoseWindow | None:
        return self.therapy.window

    @cached_property
    def dose_status(self) -> str:
        """``none``, ``scheduled``, ``due`` (its window is open) or ``overdue``."""
        window = self.dose_window
        return "none" if window is None else window.status(self.now)

    # --- when it changes with the clock -------------------------------------------------
    @cached_property
    def changes_at(self) -> datetime:
        """The first moment after ``now`` at which something this state derives from the
        time of day changes with no write: vitals turning due or overdue, the dose window
        opening, the dose turning overdue, the monitor's answer, the date in "since 3 Mar"
        (the next local midnight). A stored document of this state is current until then."""
        return self.next_change()

    def next_change(self, *, monitor: bool = True) -> datetime:
        """``changes_at``; with ``monitor=False``, leaving out the monitor's answer (the board
        reads whether the monitor is watching with its census instead)."""
        local = timezone.localtime(self.now)
        midnight = timezone.make_aware(
            datetime.combine(local.date() + timedelta(days=1), datetime.min.time()),
            local.tzinfo,
        )
        moments = [midnight, *(self.monitor.changes() if monitor else [])]
        reference = self.vitals_reference
        if reference is not None and self.admission is not None:
            interval = self.due_interval
            # "due" from 3/4 of the interval; "overdue" once past it (strictly after).
            moments += [
                reference + interval * DUE_SOON_FRACTION,
                reference + interval + timedelta(microseconds=1),
            ]
        window = self.dose_window
        if window is not None:
            moments += [window.opens_at, window.overdue_at]
        return min(moment for moment in moments if moment > self.now)

    # --- alerts ----------------------------------------------------------------------------
    @cached_property
    def alert_counts(self) -> AlertCounts:
        return AlertCounts.of(self.active_alerts)

    # --- the document ----------------------------------------------------------------------
    def to_document(self) -> dict[str, Any]:
        """The state as data (times as datetimes; the serializers render them)."""
        window = self.dose_window
        return {
            "patient": self.patient,
            "admission": self.admission,
            "therapy": self.therapy.to_dict(),
            "latest_vitals": self.latest_vitals,
            "latest_values": self.latest_values,
            "news2": self.news2,
            "crs": self.crs,
            "vls": self.vls,
            "aki": self.aki,
            "precheck": self.precheck,
            "trend": self.trend,
            "monitor": self.monitor.to_dict(),
            "due": {
                "vitals_interval_minutes": int(self.due_interval.total_seconds() // 60),
                "close_watch": self.close_watch,
                "vitals_due_at": self.vitals_due_at,
                "vitals_status": self.vitals_status,
                "dose_status": self.dose_status,
                "dose_window_opens_at": window.opens_at if window else None,
                "dose_overdue_at": window.overdue_at if window else None,
            },
            "alert_counts": self.alert_counts.to_dict(),
            "active_alerts": self.active_alerts,
            "generated_at": self.now,
        }


def _courses(patient_ids: list[Any]) -> dict[Any, list[Course]]:
    by_patient: dict[Any, list[Course]] = defaultdict(list)
    doses = Dose.objects.order_by("cycle", "number")
    for course in Course.objects.filter(patient_id__in=patient_ids).prefetch_related(
        Prefetch("doses", queryset=doses)
    ):
        by_patient[course.patient_id].append(course)
    return by_patient


def _alerts(patient_ids: list[Any]) -> dict[Any, list[Alert]]:
    by_patient: dict[Any, list[Alert]] = defaultdict(list)
    for alert in (
        Alert.objects.filter(patient_id__in=patient_ids, status__in=OPEN_STATUSES)
        .select_related("acknowledged_by")
        .order_by("-severity_rank", "-opened_at")
    ):
        by_patient[alert.patient_id].append(alert)
    return by_patient


def _open_admissions(patients: Sequence[Patient]) -> dict[Any, Admission | None]:
    """Each patient's open stay: from ``patient.open_admissions`` when a selector prefetched
    it, else in one query for those without."""
    found: dict[Any, Admission | None] = {}
    missing = []
    for patient in patients:
        prefetched = getattr(patient, "open_admissions", None)
        if prefetched is None:
            missing.append(patient.pk)
        else:
            found[patient.pk] = prefetched[0] if prefetched else None
    if missing:
        stays = {
            stay.patient_id: stay
            for stay in Admission.objects.filter(patient_id__in=missing, discharged_at__isnull=True)
        }
        found.update({pk: stays.get(pk) for pk in missing})
    return found


def patient_states(
    *, patients: Sequence[Patient], now: datetime | None = None
) -> list[PatientState]:
    """The state of each patient given, in the same order. The caller has found the patients
    visible to its user (``patients.selectors.patients``)."""
    if not patients:
        return []
    now = now or timezone.now()
    ids = [patient.pk for patient in patients]
    admissions = _open_admissions(patients)
    courses = _courses(ids)
    vitals = newest_vitals(patient_ids=ids)
    rows = {row.patient_id: row for row in MonitorState.objects.filter(patient_id__in=ids)}
    alerts = _alerts(ids)
    return [
        PatientState(
            patient=patient,
            admission=admissions[patient.pk],
            therapy=therapy_state(courses[patient.pk]),
            vitals=vitals[patient.pk],
            monitor_row=rows.get(patient.pk),
            active_alerts=alerts[patient.pk],
            now=now,
        )
        for patient in patients
    ]


def admission_states(
    *, admissions: Sequence[Admission], now: datetime | None = None
) -> list[PatientState]:
    """The states of the patients of these open stays (each with its patient selected)."""
    patients = []
    for stay in admissions:
        # What the selectors' Prefetch(to_attr="open_admissions") sets; read with getattr.
        stay.patient.open_admissions = [stay]  # type: ignore[attr-defined]
        patients.append(stay.patient)
    return patient_states(patients=patients, now=now)


def patient_state(*, patient: Patient, now: datetime | None = None) -> PatientState:
    """One patient's state (the same queries as for many)."""
    return patient_states(patients=[patient], now=now)[0]
