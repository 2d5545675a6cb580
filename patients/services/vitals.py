"""Recording a vital-signs set, with its NEWS2 computed in the same transaction."""

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from patients import limits, news2
from patients.models import Patient, VasopressorInfusion, VitalSigns, VitalsSource
from patients.services.recording import (
    Recorded,
    check_within_admission,
    lock_open_admission,
    save_record,
    stored_by_client_id,
)


def news2_for(vitals: VitalSigns, *, spo2_scale: int) -> news2.News2Result | None:
    """NEWS2 of the set [S15]; None when a device or ACVPU value is not one of the contract's
    (validation then names the field)."""
    try:
        inputs = news2.News2Inputs(**{name: getattr(vitals, name) for name in news2.INPUT_FIELDS})
    except ValueError:
        return None
    return news2.news2_score(inputs, spo2_scale=spo2_scale)


@transaction.atomic
def vitals_record(
    *,
    patient: Patient,
    by: Any,
    taken_at: datetime,
    client_id: uuid.UUID | None = None,
    respiratory_rate: int | None = None,
    spo2: int | None = None,
    oxygen_device: str | None = None,
    oxygen_flow_l_min: Decimal | None = None,
    systolic_bp: int | None = None,
    diastolic_bp: int | None = None,
    heart_rate: int | None = None,
    consciousness: str | None = None,
    temperature_c: Decimal | None = None,
    weight_kg: Decimal | None = None,
    edema_grade: int | None = None,
    oxygen_for_comfort: bool = False,
    vasopressors: Sequence[Mapping[str, Any]] | None = None,
    device_id: str = "",
) -> Recorded[VitalSigns]:
    """Record one set against the open admission; ``vasopressors`` are the infusions running
    at ``taken_at`` (``[]``: none; ``None``: not recorded with this set). A ``device_id``
    makes it a device's set (``source`` device: the HL7 feed, docs/hl7.md).

    A repeated ``client_id`` returns the stored set and writes nothing.
    """
    stored = stored_by_client_id(VitalSigns, client_id=client_id, patient=patient)
    if stored is not None:
        return Recorded(stored, created=False)
    vasopressors_error = limits.vasopressor_list_error(vasopressors)
    if vasopressors_error:
        raise ValidationError({"vasopressors": [vasopressors_error]})
    admission = lock_open_admission(patient)
    check_within_admission(admission, field="taken_at", value=taken_at)
    vitals = VitalSigns(
        patient=admission.patient,
        admission=admission,
        client_id=client_id,
        entered_by=by if getattr(by, "is_authenticated", False) else None,
        taken_at=taken_at,
        respiratory_rate=respiratory_rate,
        spo2=spo2,
        oxygen_device=oxygen_device,
        oxygen_flow_l_min=oxygen_flow_l_min,
        systolic_bp=systolic_bp,
        diastolic_bp=diastolic_bp,
        heart_rate=heart_rate,
        consciousness=consciousness,
        temperature_c=temperature_c,
        weight_kg=weight_kg,
        edema_grade=edema_grade,
        oxygen_for_comfort=oxygen_for_comfort,
        vasopressors_recorded=vasopressors is not None,
        source=VitalsSource.DEVICE if device_id else VitalsSource.NURSE,
        device_id=device_id,
    )
    # The SpO2 scale as prescribed now, read with the locked admission.
    result = news2_for(vitals, spo2_scale=admission.patient.spo2_scale)
    if result is not None:
        vitals.store_news2(result)
    infusions = [
        VasopressorInfusion(
            vital_signs=vitals,
            agent=infusion["agent"],
            dose=infusion["dose"],
            dose_unit=infusion["dose_unit"],
        )
        for infusion in vasopressors or ()
    ]
    return save_record(vitals, by=by, children=infusions)
