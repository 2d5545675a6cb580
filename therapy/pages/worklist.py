"""The nurse's work list (issue 14 item 3), for the bedside list through
``patients.monitor_status``: per patient, what is due and when — vitals at the monitor's
interval, pre-dose vitals, the daily weight, the shift's fluid balance, creatinine — from the
read model (``therapy.state``) and the one definition of due and overdue
(``therapy.rules.monitoring``), in words from ``therapy.pages.wording``. A fixed number of
queries for the whole list: the read model's, then the newest fluid period and creatinine per
patient."""

import uuid
from datetime import datetime, timedelta

from django.db.models import Max
from django.utils import timezone

from patients.models import FluidEntry, LabResult, Patient
from patients.monitor_status import WorkItem
from patients.vocabulary import LabTest
from therapy.pages.wording import time_words
from therapy.profiles import rule_profile_active, rules_profile
from therapy.rules.monitoring import (
    CREATININE_INTERVAL,
    WEIGHT_INTERVAL,
    fluid_balance_status,
    interval_status,
    predose_vitals_status,
    shift_bounds,
)
from therapy.rules.profile import MonitoringSettings
from therapy.state.patient_state import PatientState, patient_states


def interval_words(interval: timedelta) -> str:
    minutes = int(interval.total_seconds() // 60)
    if minutes % 60:
        return f"every {minutes} min"
    hours = minutes // 60
    return "every hour" if hours == 1 else f"every {hours} h"


def _when(status: str, due_at: datetime | None, *, never: str) -> str:
    if due_at is None:
        return never
    if status == "overdue":
        return f"since {time_words(due_at)}"
    if status == "due":  # beside the DUE flag: "Creatinine DUE by 18:00", not "DUE due 18:00"
        return f"by {time_words(due_at)}"
    return f"due {time_words(due_at)}"


def work_items(
    state: PatientState,
    *,
    fluids_until: datetime | None,
    creatinine_at: datetime | None,
    now: datetime,
    monitoring: MonitoringSettings,
) -> list[WorkItem]:
    items = [
        WorkItem(
            "Vitals",
            _when(state.vitals_status, state.vitals_due_at, never="none taken yet")
            + f" ({interval_words(state.due_interval)})",
            "overdue" if state.vitals_status == "none" else state.vitals_status,
        )
    ]
    window = state.dose_window
    predose = predose_vitals_status(
        window=window, last_vitals_at=state.last_complete_at, now=now, settings=monitoring
    )
    if window is not None and predose != "none":
        dose = state.therapy.next_dose
        number = f"dose {dose.number}" if dose else "the dose"
        words = {
            "upcoming": f"from {time_words(window.opens_at)} for {number} at "
            f"{time_words(window.due_at)}",
            # "taken for dose 1 at 18:32" read as if taken at 18:32 (after looking at the
            # tablet screenshots): the time is the dose's.
            "done": f"taken for {number} (due {time_words(window.due_at)})",
        }.get(predose, f"needed before {number} at {time_words(window.due_at)}")
        items.append(WorkItem("Pre-dose vitals", words, "ok" if predose == "upcoming" else predose))
    weight = state.latest_values.get("weight_kg")
    weight_at = weight.taken_at if weight else None
    status = interval_status(last_at=weight_at, interval=WEIGHT_INTERVAL, now=now)
    items.append(
        WorkItem(
            "Daily weight",
            _when(status, weight_at + WEIGHT_INTERVAL if weight_at else None, never="none yet"),
            status,
        )
    )
    local_now = timezone.localtime(now)
    status = fluid_balance_status(
        last_charted_end=timezone.localtime(fluids_until) if fluids_until else None,
        local_now=local_now,
    )
    start, end = shift_bounds(local_now)
    words = (
        f"charted to {time_words(fluids_until)}; this shift ends {time_words(end)}"
        if fluids_until
        else f"nothing charted; this shift ends {time_words(end)}"
    )
    if status == "overdue":
        words = f"not charted since the shift began {time_words(start)}"
    items.append(WorkItem("Fluid balance", words, status))
    status = interval_status(last_at=creatinine_at, interval=CREATININE_INTERVAL, now=now)
    items.append(
        WorkItem(
            "Creatinine",
            _when(
                status,
                creatinine_at + CREATININE_INTERVAL if creatinine_at else None,
                never="no result yet",
            ),
            status,
        )
    )
    return items


def work_lists(patient_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[WorkItem]]:
    """The provider ``TherapyConfig.ready`` registers with ``patients.monitor_status``."""
    now = timezone.now()
    # The site's profile, for the same pre-dose lead time as the monitor's alert.
    monitoring = rules_profile(rule_profile_active()).monitoring
    patients = list(Patient.objects.filter(pk__in=patient_ids))
    fluids = dict(
        FluidEntry.objects.filter(patient_id__in=patient_ids, entered_in_error=False)
        .values("patient_id")
        .annotate(last=Max("period_end"))
        .values_list("patient_id", "last")
    )
    creatinine = dict(
        LabResult.objects.filter(
            patient_id__in=patient_ids, test=LabTest.CREATININE, entered_in_error=False
        )
        .values("patient_id")
        .annotate(last=Max("collected_at"))
        .values_list("patient_id", "last")
    )
    return {
        state.patient.pk: work_items(
            state,
            fluids_until=fluids.get(state.patient.pk),
            creatinine_at=creatinine.get(state.patient.pk),
            now=now,
            monitoring=monitoring,
        )
        for state in patient_states(patients=patients, now=now)
    }
