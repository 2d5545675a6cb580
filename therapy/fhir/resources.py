"""Model rows → FHIR R4 resources, as JSON-ready dicts. No queries here: callers pass rows
read through the selectors (with their users selected)."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from patients.limits import LAB_TESTS
from patients.models import (
    ClinicalEvent,
    Consciousness,
    Diagnosis,
    FluidEntry,
    LabResult,
    News2Band,
    OxygenDevice,
    Patient,
    VasopressorInfusion,
    VitalSigns,
)
from therapy.fhir import codes
from therapy.models import OPEN_STATUSES, Alert, AlertKind, Dose
from therapy.rules.inputs import DoseStatus

ALDESLEUKIN = {"text": "Aldesleukin (interleukin-2), high dose"}
INTRAVENOUS = {"text": "Intravenous"}
MONITOR_DISPLAY = "IL-2 Monitor"

CATEGORY_DISPLAY = {
    "vital-signs": "Vital Signs",
    "exam": "Exam",
    "survey": "Survey",
    "laboratory": "Laboratory",
}
NEWS2_PARAMETERS = {
    "respiratory_rate": "Respiration rate score",
    "spo2": "SpO2 score",
    "air_or_oxygen": "Air or oxygen score",
    "systolic_bp": "Systolic blood pressure score",
    "heart_rate": "Pulse score",
    "consciousness": "Consciousness score",
    "temperature": "Temperature score",
}
# The observations of a set that NEWS2 is computed from (``derivedFrom``).
NEWS2_INPUTS = ("rr", "spo2", "bp", "hr", "acvpu", "temp")
DOSE_STATUS = {
    DoseStatus.GIVEN: "completed",
    DoseStatus.HELD: "not-done",
    DoseStatus.ENTERED_IN_ERROR: "entered-in-error",
}
EXPORTED_DOSE_STATUSES = tuple(DOSE_STATUS)


def instant(value: datetime) -> str:
    """A time with its offset, in the site's time zone (as the REST API renders times)."""
    return timezone.localtime(value).isoformat(timespec="seconds")


def updated(value: datetime) -> dict[str, str]:
    """``meta.lastUpdated``: when the server last changed the record, to the microsecond (what
    ``_lastUpdated`` compares; a sync resumes with ``_lastUpdated=gt<the newest seen>``)."""
    return {"lastUpdated": timezone.localtime(value).isoformat(timespec="microseconds")}


def number(value: Decimal | int | float) -> float | int:
    return value if isinstance(value, int) else float(value)


def reference(resource_type: str, resource_id: Any, display: str | None = None) -> dict[str, Any]:
    result: dict[str, Any] = {"reference": f"{resource_type}/{resource_id}"}
    if display:
        result["display"] = display
    return result


def person(user: Any) -> dict[str, Any]:
    """A user as a reference by name only: users are not exported as Practitioner."""
    return {"display": user.username}


def humanize(code: str) -> str:
    return code.replace("_", " ").capitalize()


# --- Patient and diagnosis ----------------------------------------------------------------
def patient_resource(patient: Patient) -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "id": str(patient.pk),
        "meta": updated(patient.updated_at),
        "identifier": [
            {
                "use": "usual",
                "type": codes.concept(
                    codes.coding(codes.IDENTIFIER_TYPE, "MR", "Medical record number")
                ),
                "system": codes.mrn_system(),
                "value": patient.mrn,
            }
        ],
        "active": True,
        "name": [{"use": "official", "family": patient.family_name, "given": [patient.given_name]}],
        # The contract's sex codes are FHIR's administrative-gender codes.
        "gender": patient.sex,
        "birthDate": patient.birth_date.isoformat(),
    }


def diagnosis_resource(patient: Patient) -> dict[str, Any]:
    """The indication for IL-2 as a problem-list Condition (text only: no verified code)."""
    words = Diagnosis(patient.diagnosis).label
    if patient.diagnosis == Diagnosis.OTHER:
        words = "Other malignancy (see the hospital record)"
    return {
        "resourceType": "Condition",
        "id": f"{patient.pk}-diagnosis",
        "meta": updated(patient.updated_at),
        "clinicalStatus": codes.concept(codes.coding(codes.CONDITION_CLINICAL, "active", "Active")),
        "category": [
            codes.concept(
                codes.coding(codes.CONDITION_CATEGORY, "problem-list-item", "Problem List Item")
            )
        ],
        "code": {"text": words},
        "subject": reference("Patient", patient.pk),
    }


def event_condition(event: ClinicalEvent) -> dict[str, Any]:
    """A clinical event charted at the bedside (atrial fibrillation, rigors, ...) as an
    encounter-diagnosis Condition: its onset, and its end (``abatementDateTime``, clinical
    status ``resolved``) once a nurse or physician has ended it (clinical-rules v2 §4). The
    code is text only: no code of the events' vocabulary was verified from a primary source
    (docs/fhir.md). An event entered in error keeps its id, with verification status
    ``entered-in-error`` and no clinical status (R4 invariant con-5)."""
    resource: dict[str, Any] = {
        "resourceType": "Condition",
        "id": f"{event.pk}-event",
        "meta": updated(event.updated_at),
    }
    if event.entered_in_error:
        resource["verificationStatus"] = codes.concept(
            codes.coding(codes.CONDITION_VERIFICATION, "entered-in-error", "Entered in Error")
        )
    else:
        status = ("resolved", "Resolved") if event.ended_at else ("active", "Active")
        resource["clinicalStatus"] = codes.concept(codes.coding(codes.CONDITION_CLINICAL, *status))
        resource["verificationStatus"] = codes.concept(
            codes.coding(codes.CONDITION_VERIFICATION, "confirmed", "Confirmed")
        )
    resource.update(
        {
            "category": [
                codes.concept(
                    codes.coding(
                        codes.CONDITION_CATEGORY, "encounter-diagnosis", "Encounter Diagnosis"
                    )
                )
            ],
            "code": {"text": str(event.get_code_display())},
            "subject": reference("Patient", event.patient_id),
            "onsetDateTime": instant(event.observed_at),
            "recordedDate": instant(event.created_at),
        }
    )
    if event.ended_at and not event.entered_in_error:
        resource["abatementDateTime"] = instant(event.ended_at)
    if event.note:
        resource["note"] = [{"text": event.note}]
    return resource


# --- Observations of one vital-signs set ----------------------------------------------------
def _observation(
    vitals: VitalSigns,
    suffix: str,
    *,
    category: str,
    code: dict[str, Any],
    profile: str | None = None,
    **content: Any,
) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": f"{vitals.pk}-{suffix}",
        "meta": updated(vitals.updated_at),
    }
    if profile:
        resource["meta"]["profile"] = [codes.VITALSIGNS_PROFILE, codes.profile(profile)]
    resource.update(
        {
            "status": "entered-in-error" if vitals.entered_in_error else "final",
            "category": [
                codes.concept(
                    codes.coding(codes.OBSERVATION_CATEGORY, category, CATEGORY_DISPLAY[category])
                )
            ],
            "code": code,
            "subject": reference("Patient", vitals.patient_id),
            "effectiveDateTime": instant(vitals.taken_at),
            "issued": instant(vitals.created_at),
        }
    )
    if vitals.entered_by_id:
        resource["performer"] = [person(vitals.entered_by)]
    resource.update(content)
    if vitals.entered_in_error and vitals.entered_in_error_reason:
        resource.setdefault("note", []).append(
            {"text": f"Entered in error: {vitals.entered_in_error_reason}"}
        )
    return resource


def _vital(
    vitals: VitalSigns, suffix: str, code: dict[str, Any], profile: str, value: Any, unit: str
) -> dict[str, Any]:
    return _observation(
        vitals,
        suffix,
        category="vital-signs",
        code=codes.concept(code, text=code["display"]),
        profile=profile,
        valueQuantity=codes.quantity(number(value), unit),
    )


def _bp_component(code: dict[str, Any], value: int | None) -> dict[str, Any]:
    component: dict[str, Any] = {"code": codes.concept(code, text=code["display"])}
    if value is None:  # the profile needs both components; say why one has no value
        component["dataAbsentReason"] = codes.concept(
            codes.coding(codes.DATA_ABSENT_REASON, "not-performed", "Not Performed")
        )
    else:
        component["valueQuantity"] = codes.quantity(value, codes.MM_HG)
    return component


def _spo2(vitals: VitalSigns) -> dict[str, Any]:
    content: dict[str, Any] = {
        "valueQuantity": codes.quantity(vitals.spo2, codes.PERCENT),
    }
    if vitals.oxygen_flow_l_min is not None:
        content["component"] = [
            {
                "code": codes.concept(codes.INHALED_O2_FLOW, text="Inhaled oxygen flow rate"),
                "valueQuantity": codes.quantity(
                    number(vitals.oxygen_flow_l_min), codes.LITRES_PER_MINUTE
                ),
            }
        ]
    if vitals.oxygen_device:
        # No verified code for the delivery device: in words (docs/fhir.md).
        content["note"] = [{"text": f"Oxygen: {OxygenDevice(vitals.oxygen_device).label}"}]
    return _observation(
        vitals,
        "spo2",
        category="vital-signs",
        code=codes.concept(codes.SPO2, codes.SPO2_PULSE_OXIMETRY, text="Oxygen saturation"),
        profile="oxygensat",
        **content,
    )


def _acvpu(vitals: VitalSigns) -> dict[str, Any]:
    value = str(vitals.consciousness)
    label = Consciousness(value).label
    answer = [codes.coding(codes.LOCAL_CONSCIOUSNESS, value, label)]
    if value in codes.ACVPU_ANSWERS:
        answer.insert(0, codes.ACVPU_ANSWERS[value])
    return _observation(
        vitals,
        "acvpu",
        category="exam",
        code=codes.concept(
            codes.coding(codes.LOCAL_OBSERVATION, "acvpu", "Level of consciousness (ACVPU)"),
            text="Level of consciousness (ACVPU)",
        ),
        valueCodeableConcept=codes.concept(*answer, text=label),
    )


def _news2(vitals: VitalSigns, present: list[str]) -> dict[str, Any]:
    components: list[dict[str, Any]] = [
        {
            "code": codes.concept(codes.coding(codes.LOCAL_NEWS2, key, words), text=words),
            "valueInteger": score,
        }
        for key, words in NEWS2_PARAMETERS.items()
        if (score := vitals.news2_subscores.get(key)) is not None
    ]
    band = str(vitals.news2_band)
    components += [
        {
            "code": codes.concept(codes.coding(codes.LOCAL_NEWS2, "band", "Clinical risk")),
            "valueCodeableConcept": codes.concept(
                codes.coding(codes.LOCAL_NEWS2, band, News2Band(band).label)
            ),
        },
        {
            "code": codes.concept(
                codes.coding(codes.LOCAL_NEWS2, "red_flag", "A single parameter scored 3")
            ),
            "valueBoolean": vitals.news2_red_flag,
        },
    ]
    return _observation(
        vitals,
        "news2",
        category="survey",
        code=codes.concept(codes.NEWS2_TOTAL, text="NEWS2 total score"),
        valueQuantity=codes.quantity(vitals.news2_total, codes.SCORE),
        method={"text": f"{vitals.news2_algorithm_version}, SpO2 scale {vitals.news2_spo2_scale}"},
        component=components,
        derivedFrom=[
            reference("Observation", f"{vitals.pk}-{suffix}")
            for suffix in NEWS2_INPUTS
            if suffix in present
        ],
    )


def vitals_observations(vitals: VitalSigns) -> list[dict[str, Any]]:
    """One Observation per measurement of the set (BP as one panel with two components), then
    ACVPU and oedema (exam), then NEWS2 (survey) when the set has a total."""
    found: list[dict[str, Any]] = []
    if vitals.respiratory_rate is not None:
        found.append(
            _vital(
                vitals,
                "rr",
                codes.RESPIRATORY_RATE,
                "resprate",
                vitals.respiratory_rate,
                codes.PER_MINUTE,
            )
        )
    if vitals.spo2 is not None:
        found.append(_spo2(vitals))
    if vitals.systolic_bp is not None or vitals.diastolic_bp is not None:
        found.append(
            _observation(
                vitals,
                "bp",
                category="vital-signs",
                code=codes.concept(codes.BP_PANEL, text="Blood pressure"),
                profile="bp",
                component=[
                    _bp_component(codes.SYSTOLIC_BP, vitals.systolic_bp),
                    _bp_component(codes.DIASTOLIC_BP, vitals.diastolic_bp),
                ],
            )
        )
    if vitals.heart_rate is not None:
        found.append(
            _vital(vitals, "hr", codes.HEART_RATE, "heartrate", vitals.heart_rate, codes.PER_MINUTE)
        )
    if vitals.temperature_c is not None:
        found.append(
            _vital(
                vitals,
                "temp",
                codes.BODY_TEMPERATURE,
                "bodytemp",
                vitals.temperature_c,
                codes.CELSIUS,
            )
        )
    if vitals.weight_kg is not None:
        found.append(
            _vital(vitals, "wt", codes.BODY_WEIGHT, "bodyweight", vitals.weight_kg, codes.KILOGRAM)
        )
    if vitals.consciousness:
        found.append(_acvpu(vitals))
    if vitals.edema_grade is not None:
        found.append(
            _observation(
                vitals,
                "edema",
                category="exam",
                code=codes.concept(
                    codes.coding(codes.LOCAL_OBSERVATION, "edema_grade", "Oedema grade (0–4)"),
                    text="Oedema grade (0–4)",
                ),
                valueInteger=vitals.edema_grade,
            )
        )
    if vitals.news2_total is not None:
        present = [resource["id"].rsplit("-", 1)[1] for resource in found]
        found.append(_news2(vitals, present))
    return found


# --- IL-2 doses -----------------------------------------------------------------------------
def medication_administration(dose: Dose) -> dict[str, Any]:
    """A dose given (``completed``), held (``not-done`` with the hold reasons as
    ``statusReason``) or entered in error. The dose row must have its course selected."""
    course = dose.course
    resource: dict[str, Any] = {
        "resourceType": "MedicationAdministration",
        "id": str(dose.pk),
        "meta": updated(dose.updated_at),
        "status": DOSE_STATUS[DoseStatus(dose.status)],
        "medicationCodeableConcept": ALDESLEUKIN,
        "subject": reference("Patient", course.patient_id),
        "effectiveDateTime": instant(dose.given_at or dose.held_at or dose.scheduled_at),
        "dosage": {
            "text": (
                f"Cycle {dose.cycle}, dose {dose.number} of {course.max_doses_per_cycle}: "
                f"{course.dose_iu_per_kg:,} IU/kg × {course.dosing_weight_kg} kg, "
                f"scheduled {instant(dose.scheduled_at)}"
            ),
            "route": INTRAVENOUS,
            "dose": codes.quantity(dose.dose_iu, "IU", codes.INTERNATIONAL_UNIT),
        },
    }
    performers = []
    if dose.given_by_id:
        performers.append(_performer("performer", "Performer", dose.given_by))
    if dose.verified_by_id:
        performers.append(_performer("verifier", "Verifier", dose.verified_by))
    if dose.held_by_id and not dose.given_by_id:
        performers.append(_performer("performer", "Performer", dose.held_by))
    if performers:
        resource["performer"] = performers
    if dose.status == DoseStatus.HELD or (dose.held_at and not dose.given_at):
        resource["statusReason"] = [
            codes.concept(codes.coding(codes.LOCAL_HOLD_REASON, code), text=humanize(code))
            for code in dose.hold_reasons
        ]
    notes = [
        dose.note,
        dose.override_reason and f"Given against the pre-dose check: {dose.override_reason}",
        dose.entered_in_error_reason and f"Entered in error: {dose.entered_in_error_reason}",
    ]
    if any(notes):
        resource["note"] = [{"text": text} for text in notes if text]
    return resource


def _performer(function: str, display: str, user: Any) -> dict[str, Any]:
    return {
        "function": codes.concept(codes.coding(codes.PERFORM_FUNCTION, function, display)),
        "actor": person(user),
    }


# --- Alerts -------------------------------------------------------------------------------
def alert_updated_at(alert: Alert) -> datetime:
    """When the alert last changed: seen again, acknowledged, escalated or resolved."""
    times = [alert.last_seen_at, alert.acknowledged_at, alert.escalated_at, alert.resolved_at]
    return max(time for time in times if time is not None)


def flag_resource(alert: Alert) -> dict[str, Any]:
    """An alert as a Flag: open (active or acknowledged) → ``active``, resolved →
    ``inactive`` with the period's end; its severity as the flag-priority extension."""
    label = AlertKind(alert.kind).label
    priority = codes.FLAG_PRIORITY_BY_SEVERITY[alert.severity]
    text = f"{label} ({alert.severity})"
    if alert.acknowledged_at and alert.acknowledged_by is not None:
        text += f", acknowledged by {alert.acknowledged_by.username}"
    period = {"start": instant(alert.opened_at)}
    is_open = alert.status in OPEN_STATUSES
    if not is_open and alert.resolved_at is not None:
        period["end"] = instant(max(alert.resolved_at, alert.opened_at))
    return {
        "resourceType": "Flag",
        "id": str(alert.pk),
        "meta": updated(alert_updated_at(alert)),
        "extension": [
            {
                "url": codes.FLAG_PRIORITY_EXTENSION,
                "valueCodeableConcept": codes.concept(
                    codes.coding(
                        codes.FLAG_PRIORITY, priority, codes.FLAG_PRIORITY_DISPLAY[priority]
                    )
                ),
            }
        ],
        "status": "active" if is_open else "inactive",
        "category": [codes.concept(codes.coding(codes.FLAG_CATEGORY, "clinical", "Clinical"))],
        "code": codes.concept(codes.coding(codes.LOCAL_ALERT_KIND, alert.kind, label), text=text),
        "subject": reference("Patient", alert.patient_id),
        "period": period,
        "author": {"display": MONITOR_DISPLAY},
    }


# --- Labs, fluids -------------------------------------------------------------------------
def _record_base(record: Any, suffix: str, category: dict[str, Any]) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": f"{record.pk}-{suffix}",
        "meta": updated(record.updated_at),
        "status": "entered-in-error" if record.entered_in_error else "final",
        "category": [category],
    }
    return resource


def _record_tail(record: Any, resource: dict[str, Any]) -> dict[str, Any]:
    resource["issued"] = instant(record.created_at)
    if record.entered_by_id:
        resource["performer"] = [person(record.entered_by)]
    if record.entered_in_error and record.entered_in_error_reason:
        resource.setdefault("note", []).append(
            {"text": f"Entered in error: {record.entered_in_error_reason}"}
        )
    return resource


def lab_observation(lab: LabResult) -> dict[str, Any]:
    """A lab result: category ``laboratory``, the verified LOINC code (docs/fhir.md) beside
    the local one, the value in UCUM; FOBT positive / negative in words."""
    test = LAB_TESTS[lab.test]
    codings = [codes.coding(codes.LOCAL_LAB, lab.test, test.label)]
    if lab.test in codes.LAB_LOINC:
        codings.insert(0, codes.LAB_LOINC[lab.test])
    resource = _record_base(
        lab,
        "lab",
        codes.concept(codes.coding(codes.OBSERVATION_CATEGORY, "laboratory", "Laboratory")),
    )
    resource["code"] = codes.concept(*codings, text=test.label)
    resource["subject"] = reference("Patient", lab.patient_id)
    resource["effectiveDateTime"] = instant(lab.collected_at)
    if lab.value is not None and test.unit:
        resource["valueQuantity"] = codes.quantity(
            number(lab.value), test.unit, codes.LAB_UCUM[test.unit]
        )
    elif lab.qualitative:
        resource["valueCodeableConcept"] = codes.concept(
            codes.coding(codes.LOCAL_FOBT_RESULT, lab.qualitative),
            text=humanize(lab.qualitative),
        )
    return _record_tail(lab, resource)


def fluid_observation(entry: FluidEntry) -> dict[str, Any]:
    """A fluid intake or output: the volume (mL) over its period; urine output, IV, oral...
    by the local code ``{direction}_{route}`` (no verified LOINC for a volume over any
    period: docs/fhir.md)."""
    words = f"Fluid {entry.direction} ({entry.route})"
    if entry.direction == "output" and entry.route == "urine":
        words = "Urine output"
    resource = _record_base(
        entry,
        "fluid",
        codes.concept(
            codes.coding(codes.LOCAL_OBSERVATION_CATEGORY, "fluid-balance", "Fluid balance")
        ),
    )
    resource["code"] = codes.concept(
        codes.coding(codes.LOCAL_FLUID, f"{entry.direction}_{entry.route}", words), text=words
    )
    resource["subject"] = reference("Patient", entry.patient_id)
    resource["effectivePeriod"] = {
        "start": instant(entry.period_start),
        "end": instant(entry.period_end),
    }
    resource["valueQuantity"] = codes.quantity(entry.volume_ml, codes.MILLILITRE)
    return _record_tail(entry, resource)


# --- Vasopressor infusions ----------------------------------------------------------------
def vasopressor_administration(infusion: VasopressorInfusion, vitals: VitalSigns) -> dict[str, Any]:
    """A vasopressor running when a vital-signs set was charted: ``in-progress`` at the set's
    time, its rate as ``dosage.rateQuantity``; the agent in words (no verified code)."""
    shown, ucum = codes.VASOPRESSOR_RATE_UCUM[infusion.dose_unit]
    rate: dict[str, Any] = {"value": number(infusion.dose), "unit": shown}
    if ucum:
        rate.update({"system": codes.UCUM, "code": ucum})
    agent = humanize(infusion.agent)
    resource: dict[str, Any] = {
        "resourceType": "MedicationAdministration",
        "id": f"{infusion.pk}-vaso",
        "meta": updated(vitals.updated_at),
        "status": "entered-in-error" if vitals.entered_in_error else "in-progress",
        "category": codes.concept(text="Vasopressor infusion"),
        "medicationCodeableConcept": {"text": agent},
        "subject": reference("Patient", vitals.patient_id),
        "effectiveDateTime": instant(vitals.taken_at),
        "supportingInformation": [reference("Observation", f"{vitals.pk}-bp")],
        "dosage": {
            "text": f"{agent} {infusion.dose} {shown}",
            "route": INTRAVENOUS,
            "rateQuantity": rate,
        },
    }
    if vitals.systolic_bp is None and vitals.diastolic_bp is None:
        del resource["supportingInformation"]
    if vitals.entered_by_id:
        resource["performer"] = [{"actor": person(vitals.entered_by)}]
    return resource
