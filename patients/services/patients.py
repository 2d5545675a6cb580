"""Writes to patient records. Every write goes through one of these functions."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from patients.errors import ConflictError
from patients.history import history_user_set
from patients.models import Admission, Patient, Spo2Scale
from patients.monitor_hook import notify_monitor
from patients.validators import normalize_mrn

PATIENT_EDITABLE_FIELDS = frozenset(
    {
        "mrn",
        "given_name",
        "family_name",
        "birth_date",
        "sex",
        "diagnosis",
        "baseline_weight_kg",
        "baseline_systolic_bp",
        "baseline_creatinine_mg_dl",
        "spo2_scale",
    }
)


def _check_spo2_scale(by: Any, new_scale: int, old_scale: int | None) -> None:
    # NEWS2 scale 2 only when prescribed by a competent clinician [S15]: physicians only.
    newly_prescribed = new_scale == Spo2Scale.SCALE_2 and old_scale != Spo2Scale.SCALE_2
    if newly_prescribed and not by.has_perm("patients.prescribe_spo2_scale"):
        raise ValidationError(
            {"spo2_scale": ["Only a physician may prescribe SpO2 scale 2."]},
            code="spo2_scale_not_prescribed",
        )


def _save(instance: Any, *, by: Any) -> None:
    instance.full_clean()
    history_user_set(instance, by if getattr(by, "is_authenticated", False) else None)
    instance.save()


@transaction.atomic
def patient_register(
    *,
    by: Any,
    mrn: str,
    given_name: str,
    family_name: str,
    birth_date: Any,
    diagnosis: str,
    baseline_weight_kg: Decimal,
    sex: str = "unknown",
    baseline_systolic_bp: int | None = None,
    baseline_creatinine_mg_dl: Decimal | None = None,
    spo2_scale: int = Spo2Scale.SCALE_1,
) -> Patient:
    _check_spo2_scale(by, spo2_scale, None)
    patient = Patient(
        mrn=normalize_mrn(mrn),
        given_name=given_name.strip(),
        family_name=family_name.strip(),
        birth_date=birth_date,
        sex=sex,
        diagnosis=diagnosis,
        baseline_weight_kg=baseline_weight_kg,
        baseline_systolic_bp=baseline_systolic_bp,
        baseline_creatinine_mg_dl=baseline_creatinine_mg_dl,
        spo2_scale=spo2_scale,
    )
    try:
        with transaction.atomic():
            _save(patient, by=by)
    except IntegrityError as error:  # a concurrent registration of the same MRN
        raise ValidationError({"mrn": ["A patient with this MRN already exists."]}) from error
    return patient


@transaction.atomic
def patient_update(*, patient: Patient, by: Any, **changes: Any) -> Patient:
    unknown = set(changes) - PATIENT_EDITABLE_FIELDS
    if unknown:
        raise ValidationError({field: ["This field cannot be changed."] for field in unknown})
    locked = Patient.objects.select_for_update().get(pk=patient.pk)
    if "spo2_scale" in changes:
        _check_spo2_scale(by, changes["spo2_scale"], locked.spo2_scale)
    if "mrn" in changes:
        changes["mrn"] = normalize_mrn(changes["mrn"])
    for field, value in changes.items():
        setattr(locked, field, value)
    try:
        with transaction.atomic():
            _save(locked, by=by)
    except IntegrityError as error:
        raise ValidationError({"mrn": ["A patient with this MRN already exists."]}) from error
    return locked


def _bed_free(*, ward: str, bed: str, exclude: Admission | None = None) -> None:
    occupied = Admission.objects.filter(ward=ward, bed=bed, discharged_at__isnull=True)
    if exclude is not None:
        occupied = occupied.exclude(pk=exclude.pk)
    if occupied.exists():
        raise ConflictError(
            {"bed": [f"Bed {bed} on ward {ward} is occupied by another admitted patient."]}
        )


@transaction.atomic
def admission_open(
    *, patient: Patient, by: Any, ward: str, bed: str, admitted_at: datetime
) -> Admission:
    # Lock the patient so two concurrent admissions cannot both pass the open-stay check.
    Patient.objects.select_for_update().get(pk=patient.pk)
    if Admission.objects.filter(patient=patient, discharged_at__isnull=True).exists():
        raise ConflictError("This patient already has an open admission.", code="already_admitted")
    ward, bed = ward.strip(), bed.strip()
    admission = Admission(
        patient=patient,
        ward=ward,
        bed=bed,
        admitted_at=admitted_at,
        admitted_by=by if getattr(by, "is_authenticated", False) else None,
    )
    errors: dict[str, list[str]] = {}
    if admitted_at and admitted_at.date() < patient.birth_date:
        errors["admitted_at"] = ["Admission cannot be before the patient's birth date."]
    last = patient.admissions.exclude(discharged_at__isnull=True).order_by("-discharged_at").first()
    ended = last.discharged_at if last is not None else None  # not None: discharged stays only
    if ended is not None and admitted_at and admitted_at < ended:
        errors["admitted_at"] = [
            "Admission cannot overlap the previous stay (before its discharge)."
        ]
    if errors:
        raise ValidationError(errors)
    _bed_free(ward=ward, bed=bed)
    try:
        with transaction.atomic():
            _save(admission, by=by)
    except IntegrityError as error:
        raise ConflictError("The patient or the bed was admitted concurrently.") from error
    notify_monitor(patient_id=patient.pk, reason="admission")
    return admission


@transaction.atomic
def admission_move_bed(*, admission: Admission, by: Any, ward: str, bed: str) -> Admission:
    locked = Admission.objects.select_for_update().get(pk=admission.pk)
    if not locked.is_open:
        raise ConflictError("This admission is closed: the patient was discharged.")
    ward, bed = ward.strip(), bed.strip()
    if (locked.ward, locked.bed) == (ward, bed):
        raise ValidationError({"bed": ["The patient is already in this bed."]})
    _bed_free(ward=ward, bed=bed, exclude=locked)
    locked.ward, locked.bed = ward, bed
    try:
        with transaction.atomic():
            _save(locked, by=by)
    except IntegrityError as error:
        raise ConflictError({"bed": ["That bed was taken concurrently."]}) from error
    return locked


@transaction.atomic
def admission_discharge(*, admission: Admission, by: Any, discharged_at: datetime) -> Admission:
    locked = Admission.objects.select_for_update().get(pk=admission.pk)
    if not locked.is_open:
        raise ConflictError("This admission is already discharged.", code="already_discharged")
    if discharged_at <= locked.admitted_at:
        raise ValidationError({"discharged_at": ["Discharge must be after admission."]})
    locked.discharged_at = discharged_at
    _save(locked, by=by)
    notify_monitor(patient_id=locked.patient_id, reason="discharge")
    return locked
