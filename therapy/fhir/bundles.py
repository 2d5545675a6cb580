"""Search-set bundles, the ``Patient/{id}/$summary`` document (IPS-shaped: Composition LOINC
60591-5 first, then every resource it cites) and the CapabilityStatement."""

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from django.utils.html import escape

from patients.models import VitalSigns
from patients.selectors.observations import LatestValue
from therapy.fhir import codes
from therapy.fhir.resources import (
    MONITOR_DISPLAY,
    diagnosis_resource,
    flag_resource,
    instant,
    medication_administration,
    patient_resource,
    reference,
    vitals_observations,
)
from therapy.models import Dose
from therapy.state.patient_state import PatientState

FHIR_VERSION = "4.0.1"


def full_url(base: str, resource: dict[str, Any]) -> str:
    return f"{base}{resource['resourceType']}/{resource['id']}"


def search_bundle(
    *,
    base: str,
    resources: Iterable[dict[str, Any]],
    total: int,
    links: dict[str, str],
    now: datetime,
    outcome: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """``total`` counts the matches; an ``outcome`` (parameters a lenient search ignored) is
    one more entry, ``search.mode`` ``outcome``, as R4 search 3.1.1.5 describes."""
    entries: list[dict[str, Any]] = [
        {"fullUrl": full_url(base, resource), "resource": resource, "search": {"mode": "match"}}
        for resource in resources
    ]
    if outcome is not None:
        entries.append(
            {
                "fullUrl": f"urn:uuid:{outcome['id']}",
                "resource": outcome,
                "search": {"mode": "outcome"},
            }
        )
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "meta": {"lastUpdated": instant(now)},
        "type": "searchset",
        "total": total,
        "link": [{"relation": relation, "url": url} for relation, url in links.items()],
        "entry": entries,
    }


def _narrative(*lines: str) -> dict[str, Any]:
    body = "".join(f"<p>{escape(line)}</p>" for line in lines)
    return {"status": "generated", "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{body}</div>'}


def _section(
    title: str,
    code: dict[str, Any] | None,
    resources: Sequence[dict[str, Any]],
    lines: Sequence[str],
    *,
    empty_reason: tuple[str, str] | None = None,
) -> dict[str, Any]:
    section: dict[str, Any] = {"title": title}
    if code:
        section["code"] = codes.concept(code)
    section["text"] = _narrative(*lines)
    if resources:
        section["entry"] = [reference(r["resourceType"], r["id"]) for r in resources]
    elif empty_reason:
        reason, display = empty_reason
        section["emptyReason"] = codes.concept(
            codes.coding(codes.LIST_EMPTY_REASON, reason, display)
        )
    return section


# The Observation (``resources.vitals_observations`` id suffix) of each measurement.
OBSERVATION_OF_MEASUREMENT = {
    "respiratory_rate": "rr",
    "spo2": "spo2",
    "systolic_bp": "bp",
    "diastolic_bp": "bp",
    "heart_rate": "hr",
    "temperature_c": "temp",
    "weight_kg": "wt",
    "consciousness": "acvpu",
    "edema_grade": "edema",
}


def latest_observations(
    values: dict[str, LatestValue], news2_set: VitalSigns | None
) -> list[dict[str, Any]]:
    """The Observation of the newest value of each measurement, each from the set it was
    charted in (a newer partial set never hides the last BP), then the NEWS2 of the newest
    complete set."""
    wanted: dict[Any, set[str]] = {}
    sets: dict[Any, VitalSigns] = {}
    for name, latest in values.items():
        key = OBSERVATION_OF_MEASUREMENT.get(name)
        if key is not None:
            wanted.setdefault(latest.vitals.pk, set()).add(key)
            sets[latest.vitals.pk] = latest.vitals
    if news2_set is not None and news2_set.news2_total is not None:
        wanted.setdefault(news2_set.pk, set()).add("news2")
        sets[news2_set.pk] = news2_set
    found: list[dict[str, Any]] = []
    for pk, keys in wanted.items():
        found += [
            resource
            for resource in vitals_observations(sets[pk])
            if resource["id"].rsplit("-", 1)[1] in keys
        ]
    found.sort(key=lambda resource: datetime.fromisoformat(resource["effectiveDateTime"]))
    return found[::-1]


def _therapy_lines(state: PatientState) -> list[str]:
    therapy = state.therapy
    if therapy.course is None:
        lines = ["No IL-2 course ordered."]
    else:
        lines = [
            f"IL-2 course {therapy.status}; cycle {therapy.cycle}: {therapy.doses_given} given, "
            f"{therapy.doses_held} held of {therapy.max_doses}."
        ]
        if therapy.next_dose:
            lines.append(f"Next dose: {instant(therapy.next_dose.scheduled_at)}.")
    if state.admission is not None and not state.monitor.ok:
        lines.append(f"{state.monitor.words}.")
    assessed_at = state.assessed_at  # None exactly while there is no assessment
    if assessed_at is None:
        return [*lines, "Not yet assessed by the monitor."]
    lines.append(f"Assessed by the monitor at {instant(assessed_at)}.")
    crs, vls, check = state.crs, state.vls, state.precheck
    if crs:
        grade = "not gradable" if crs.get("grade") is None else f"grade {crs['grade']}"
        lines.append(f"Cytokine release syndrome (ASTCT): {grade}.")
    if vls:
        lines.append(f"Vascular leak: {vls.get('severity', 'none')}.")
    aki = state.aki
    if aki:
        stage = "not assessable" if aki.get("stage") is None else f"stage {aki['stage']}"
        lines.append(f"Acute kidney injury (KDIGO): {stage}.")
    if check:
        final = "provisional" if check.get("provisional") else "final"
        lines.append(f"Pre-dose check for the next dose ({final}): {check['recommendation']}.")
    return lines


def summary_document(
    *,
    base: str,
    state: PatientState,
    doses: Sequence[Dose],
) -> dict[str, Any]:
    """The document bundle of ``Patient/{id}/$summary``. Sections: problems (the IL-2
    indication), allergies (not recorded here: empty, with its reason), medications (the IL-2
    doses given or held), vital signs (the newest value of each measurement, and the NEWS2 of
    the newest complete set), alerts (open alerts as
    Flags), and the IL-2 therapy and toxicity assessment in words."""
    patient, now = state.patient, state.now
    diagnosis = diagnosis_resource(patient)
    administrations = [medication_administration(dose) for dose in doses]
    vitals = latest_observations(state.latest_values, state.news2_vitals)
    flags = [flag_resource(alert) for alert in state.active_alerts]
    composition_id = str(uuid.uuid4())
    sections = [
        _section(
            "Problems",
            codes.SECTION_PROBLEMS,
            [diagnosis],
            [f"Indication for high-dose IL-2: {diagnosis['code']['text']}."],
        ),
        _section(
            "Allergies and intolerances",
            codes.SECTION_ALLERGIES,
            [],
            ["Allergies are not recorded in IL-2 Monitor: see the hospital record."],
            empty_reason=("unavailable", "Unavailable"),
        ),
        _section(
            "Medications",
            codes.SECTION_MEDICATIONS,
            administrations,
            [
                f"IL-2 doses given or held: {len(administrations)}."
                if administrations
                else "No IL-2 dose given or held yet.",
                "Only IL-2 doses are listed; other medicines are in the hospital record.",
            ],
            empty_reason=("nilknown", "Nil Known"),
        ),
        _section(
            "Vital signs",
            codes.SECTION_VITAL_SIGNS,
            vitals,
            [
                f"Newest value of each measurement, the newest taken "
                f"{instant(state.latest_vitals.taken_at)}; each Observation has its own time."
                if state.latest_vitals
                else "No vital signs recorded."
            ],
            empty_reason=("unavailable", "Unavailable"),
        ),
        _section(
            "Alerts",
            codes.SECTION_ALERTS,
            flags,
            [f"{flag['code']['text']}." for flag in flags] or ["No open alerts."],
            empty_reason=("nilknown", "Nil Known"),
        ),
        _section("IL-2 therapy and toxicity assessment", None, [], _therapy_lines(state)),
    ]
    composition = {
        "resourceType": "Composition",
        "id": composition_id,
        "status": "final",
        "type": codes.concept(codes.PATIENT_SUMMARY_DOCUMENT),
        "subject": reference("Patient", patient.pk),
        "date": instant(now),
        "author": [{"display": MONITOR_DISPLAY}],
        "title": f"Patient summary: {patient.given_name} {patient.family_name}",
        "section": sections,
    }
    resources = [
        composition,
        patient_resource(patient),
        diagnosis,
        *administrations,
        *vitals,
        *flags,
    ]
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "meta": {"lastUpdated": instant(now)},
        "identifier": {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{composition_id}"},
        "type": "document",
        "timestamp": instant(now),
        "entry": [{"fullUrl": full_url(base, r), "resource": r} for r in resources],
    }


def capability_statement(
    *, base: str, now: datetime, searches: Mapping[str, Sequence[Any]]
) -> dict[str, Any]:
    """What works, exactly: each type's read and search interactions and the search parameters
    the views take (``searches``: the views' own table, so the two cannot drift);
    tests/therapy/fhir/test_fhir_search.py exercises every one listed."""

    def resource(resource_type: str, **more: Any) -> dict[str, Any]:
        entry: dict[str, Any] = {"type": resource_type, "interaction": [{"code": "read"}]}
        if resource_type in searches:
            entry["interaction"].append({"code": "search-type"})
            entry["searchParam"] = [
                {"name": p.name, "type": p.type, "documentation": p.documentation}
                for p in searches[resource_type]
            ] + [
                {"name": "_count", "type": "number", "documentation": "Resources per page."},
                {"name": "_page", "type": "number", "documentation": "Page number (links)."},
            ]
        entry.update(more)
        return entry

    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": instant(now),
        "publisher": MONITOR_DISPLAY,
        "kind": "instance",
        "software": {"name": MONITOR_DISPLAY},
        "implementation": {"description": "IL-2 Monitor FHIR R4 export (read-only)", "url": base},
        "fhirVersion": FHIR_VERSION,
        "format": ["application/fhir+json", "json"],
        "rest": [
            {
                "mode": "server",
                "documentation": (
                    "Authorization: Token <key>, or a signed-in session. Reads answer an ETag "
                    "(If-None-Match → 304). Prefer: handling=strict refuses unknown search "
                    "parameters; lenient (the default) ignores them and says so."
                ),
                "resource": [
                    resource(
                        "Patient",
                        operation=[
                            {
                                "name": "summary",
                                "definition": "http://hl7.org/fhir/uv/ips/OperationDefinition/summary",
                            }
                        ],
                    ),
                    resource("Observation"),
                    resource("MedicationAdministration"),
                    resource("Flag"),
                    resource("Condition"),
                ],
            }
        ],
    }
