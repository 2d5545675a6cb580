"""Recording fluids, labs, supportive medications and clinical events.

Each service: a repeated ``client_id`` returns the stored row; otherwise the record goes against
the open admission (409 without one), is validated by the model, saved, and the monitor is told
on commit.
"""

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction

from patients import limits
from patients.models import (
    ClinicalEvent,
    FluidEntry,
    LabResult,
    LabTestCode,
    Observation,
    Patient,
    SupportiveMedication,
)
from patients.recording import (
    Recorded,
    check_within_admission,
    lock_open_admission,
    save_record,
    stored_by_client_id,
)


def _record(
    model: type[Observation],
    *,
    patient: Patient,
    by: Any,
    client_id: uuid.UUID | None,
    clinical_time: datetime | None,
    time_field: str | None = None,
    **fields: Any,
) -> Recorded[Any]:
    stored = stored_by_client_id(model, client_id=client_id, patient=patient)
    if stored is not None:
        return Recorded(stored, created=False)
    admission = lock_open_admission(patient)
    check_within_admission(admission, field=time_field or model.CLINICAL_TIME, value=clinical_time)
    record = model(
        patient=admission.patient,
        admission=admission,
        client_id=client_id,
        entered_by=by if getattr(by, "is_authenticated", False) else None,
        **fields,
    )
    return save_record(record, by=by)


@transaction.atomic
def fluid_record(
    *,
    patient: Patient,
    by: Any,
    direction: str,
    route: str,
    volume_ml: int,
    period_start: datetime,
    period_end: datetime,
    client_id: uuid.UUID | None = None,
) -> Recorded[FluidEntry]:
    """One measured intake or output over ``period_start``–``period_end`` (at most 24 h)."""
    return _record(
        FluidEntry,
        patient=patient,
        by=by,
        client_id=client_id,
        clinical_time=period_start,
        time_field="period_start",
        direction=direction,
        route=route,
        volume_ml=volume_ml,
        period_start=period_start,
        period_end=period_end,
    )


@transaction.atomic
def lab_record(
    *,
    patient: Patient,
    by: Any,
    test: str,
    value: Decimal | str | None,
    collected_at: datetime,
    unit: str | None = None,
    client_id: uuid.UUID | None = None,
) -> Recorded[LabResult]:
    """A lab result in its test's one unit; FOBT is 'positive' or 'negative' with no unit."""
    qualitative = test == LabTestCode.FOBT
    return _record(
        LabResult,
        patient=patient,
        by=by,
        client_id=client_id,
        clinical_time=collected_at,
        test=test,
        value=None if qualitative else value,
        qualitative=str(value or "") if qualitative else "",
        unit=limits.normalize_unit(unit or ""),
        collected_at=collected_at,
    )


@transaction.atomic
def medication_record(
    *,
    patient: Patient,
    by: Any,
    drug: str,
    category: str,
    administered_at: datetime,
    client_id: uuid.UUID | None = None,
) -> Recorded[SupportiveMedication]:
    """A supportive medication given (its category decides CRS fever masking)."""
    return _record(
        SupportiveMedication,
        patient=patient,
        by=by,
        client_id=client_id,
        clinical_time=administered_at,
        drug=drug.strip(),
        category=category,
        administered_at=administered_at,
    )


@transaction.atomic
def event_record(
    *,
    patient: Patient,
    by: Any,
    code: str,
    observed_at: datetime,
    note: str = "",
    client_id: uuid.UUID | None = None,
) -> Recorded[ClinicalEvent]:
    """A clinician-recorded finding with a code the hold criteria read."""
    return _record(
        ClinicalEvent,
        patient=patient,
        by=by,
        client_id=client_id,
        clinical_time=observed_at,
        code=code,
        observed_at=observed_at,
        note=(note or "").strip(),
    )
