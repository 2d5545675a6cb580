"""The monitor's evaluation of one patient: assess, reconcile alerts, log the run; and the
watch kept on the monitor itself (clinical-rules.md §6 (v2)): an evaluation that fails is
recorded with its error and raises ``monitor_failure`` at once, and the watchdog raises it
for an admitted patient with no successful evaluation for ``IL2_MONITOR_STALE_MINUTES``."""

import hashlib
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import (
    Case,
    DateTimeField,
    Exists,
    F,
    JSONField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from patients.models import Admission, Patient
from therapy.models import (
    OPEN_STATUSES,
    Alert,
    AlertKind,
    MonitorState,
    PatientEvaluation,
    Severity,
    StateDocument,
)
from therapy.monitor.alerts import alert_raise, alerts_close_for_discharge, alerts_reconcile
from therapy.monitor.assessment import (
    MONITOR_RULE_VERSION,
    URGENT_PARTS,
    Assessment,
    Finding,
    assess,
    error_where,
    error_words,
    moment_free,
)
from therapy.monitor.selectors import patient_as_of, record_as_of
from therapy.policy import monitor_stale_after

logger = logging.getLogger(__name__)

# A new record of these kinds is evaluated urgent parts first (``evaluation_urgent_run``).
URGENT_REASONS = frozenset({"vitals", "fluids", "labs", "medications", "events"})
LOGGED_REASONS = frozenset(
    {
        "vitals",
        "fluids",
        "labs",
        "medications",
        "events",
        "dose",
        "course",
        "admission",
        "discharge",
        "sweep",
        "manual",
    }
)


def _findings(assessment: Assessment) -> dict[str, Any]:
    return {**assessment.summary, "alerts": sorted(str(k) for k in assessment.findings)}


def findings_digest(findings: dict[str, Any], rule_version: str, at: datetime) -> str:
    """What an assessment found, without the moment it was made (``moment_free``: its own
    time wherever it appears, and the trend's horizon), so a tick on an unchanged record
    digests the same as the evaluation before it."""
    text = moment_free([rule_version, findings], at)
    return hashlib.sha256(text.encode()).hexdigest()


def _state_row(patient_id: Any) -> None:
    """Make sure the patient has a ``MonitorState`` row (a concurrent run may make it)."""
    if MonitorState.objects.filter(patient_id=patient_id).exists():
        return
    try:
        with transaction.atomic():
            MonitorState.objects.create(patient_id=patient_id, findings={}, rule_version="")
    except IntegrityError:
        pass  # created a moment ago by a concurrent evaluation


def _store_state(patient: Patient, assessment: Assessment) -> None:
    """Keep the newest assessment only: an older one (out of order) never overwrites it."""
    findings = _findings(assessment)
    values = {
        "assessed_at": assessment.at,
        "findings": findings,
        "rule_version": assessment.rule_version,
        "findings_digest": findings_digest(findings, assessment.rule_version, assessment.at),
    }
    updated = (
        MonitorState.objects.filter(patient=patient)
        .filter(Q(assessed_at__isnull=True) | Q(assessed_at__lte=assessment.at))
        .update(**values)
    )
    if updated == 0:
        try:
            with transaction.atomic():
                MonitorState.objects.create(patient=patient, **values)
        except IntegrityError:
            pass  # a newer assessment is stored already, or a concurrent one created it


def _store_unchanged(patient: Patient, assessment: Assessment) -> bool:
    """The assessment found what is stored (the same digest: the same findings and rule version
    but for the moment they were found at), every part succeeded and no failing streak is
    recorded: then the state is stored again (its findings, their times) and the newest
    success, in one UPDATE, and nothing the board shows of the state has changed. False,
    writing nothing, otherwise (the caller stores it the full way)."""
    at = assessment.at
    findings = _findings(assessment)
    digest = findings_digest(findings, assessment.rule_version, at)
    newer = Q(last_success_at__isnull=True) | Q(last_success_at__lt=at)
    return (
        MonitorState.objects.filter(
            patient=patient,
            assessed_at__lte=at,
            findings_digest=digest,
            failing_since__isnull=True,
            failed_at__isnull=True,
        ).update(
            assessed_at=at,
            findings=findings,
            last_success_at=Case(When(newer, then=Value(at)), default=F("last_success_at")),
        )
        == 1
    )


def _health_success(patient_id: Any, at: datetime) -> None:
    """Every part succeeded at ``at``: the newest success, and the end of a failing streak
    (unless a newer failure has been stored meanwhile)."""
    newer = Q(last_success_at__isnull=True) | Q(last_success_at__lt=at)
    ended = Q(failed_at__lte=at)
    no_time = Value(None, output_field=DateTimeField())
    # One UPDATE (every SET reads the row as it was).
    MonitorState.objects.filter(patient_id=patient_id).update(
        last_success_at=Case(When(newer, then=Value(at)), default=F("last_success_at")),
        failing_since=Case(When(ended, then=no_time), default=F("failing_since")),
        failed_at=Case(When(ended, then=no_time), default=F("failed_at")),
        failure=Case(When(ended, then=Value({}, output_field=JSONField())), default=F("failure")),
    )


def _health_failure(patient_id: Any, at: datetime, failure: dict[str, Any]) -> bool:
    """Record a failure at ``at`` unless a newer success or failure is stored; True when it
    starts a failing streak."""
    _state_row(patient_id)
    rows = MonitorState.objects.filter(patient_id=patient_id)
    started = rows.filter(failing_since__isnull=True).exists()
    rows.filter(Q(last_success_at__isnull=True) | Q(last_success_at__lt=at)).filter(
        Q(failed_at__isnull=True) | Q(failed_at__lte=at)
    ).update(
        failed_at=at,
        failure=failure,
        failing_since=Coalesce(F("failing_since"), Value(at)),
    )
    return started


def _failure_text(failures: list[dict[str, Any]]) -> str:
    parts = []
    for failure in failures:
        record = failure.get("record")
        named = f" (record {record['kind']} {record['id']})" if record else ""
        where = f" at {failure['where']}" if failure.get("where") else ""
        raised = f"{failure['rule']} raised {failure['error']}"
        parts.append(f"{failure['part']}: {raised}{where}{named}")
    return "; ".join(parts)


def _stays(patient: Patient) -> list[Admission]:
    """The patient's stays, read once for the evaluation (whether admitted, the stay whose
    events count, when the current one began)."""
    return list(Admission.objects.filter(patient=patient).order_by("-admitted_at"))


@dataclass(frozen=True)
class UrgentStep:
    """What the urgent parts read and found: the rest of the evaluation at the same moment
    starts from it instead of reading the patient again."""

    patient: Patient
    as_of: datetime | None
    stays: list[Admission]
    assessment: Assessment


def _evaluate(
    patient: Patient,
    as_of: datetime | None,
    reason: str,
    now: datetime,
    after: UrgentStep | None = None,
) -> PatientEvaluation | None:
    patient_id = patient.pk
    stays = after.stays if after is not None else _stays(patient)
    admitted = any(stay.discharged_at is None for stay in stays)
    started = False
    # Read first (each statement its own transaction, as inside one under READ COMMITTED),
    # then write in one transaction.
    reads = after.assessment.reads if after is not None else None
    assessment = (
        assess(patient=patient, at=now, admissions=stays, reads=reads) if admitted else None
    )
    with transaction.atomic():
        if assessment is None:
            closed = alerts_close_for_discharge(patient_id=patient_id, now=now)
            if closed:
                logger.info("alerts resolved on discharge patient=%s count=%s", patient_id, closed)
        else:
            assessment.data_as_of = as_of  # what "new data" is measured by (§6 (v2))
            shown = alerts_reconcile(patient_id=patient_id, assessment=assessment)
            # An evaluation that finds what is stored (a tick on the same record) leaves the
            # patient's state version alone: the board redraws no row for it (issue 16).
            if shown or not assessment.succeeded or not _store_unchanged(patient, assessment):
                # What this run writes (alerts, the monitor's state) changes the summary.
                StateDocument.objects.invalidate([patient_id])
                _store_state(patient, assessment)
                if assessment.succeeded:
                    _health_success(patient_id, now)
                else:
                    evidence = assessment.failure_evidence()
                    started = _health_failure(patient_id, now, evidence)
        failed = assessment is not None and not assessment.succeeded
        if (reason not in LOGGED_REASONS and not started) or as_of is None:
            evaluation = None
        else:
            evaluation = PatientEvaluation.objects.create(
                patient=patient,
                reason=reason,
                record_as_of=as_of,
                findings={} if assessment is None else _findings(assessment),
                rule_version="" if assessment is None else assessment.rule_version,
                succeeded=not failed,
                error=_failure_text(assessment.failure_evidence()["failures"])
                if assessment is not None and failed
                else "",
            )
    logger.info(
        "evaluated patient=%s reason=%s findings=%s failed_parts=%s",
        patient_id,
        reason,
        sorted(assessment.findings) if assessment else [],
        sorted(assessment.failures) if assessment else [],
    )
    return evaluation


def evaluation_run(
    *,
    patient_id: uuid.UUID,
    reason: str,
    now: datetime | None = None,
    after: UrgentStep | None = None,
) -> PatientEvaluation | None:
    """Evaluate a patient's record as of ``now`` and reconcile their alerts.

    Safe to run twice or concurrently: alerts are claimed with conditional updates and unique
    constraints. Runs triggered by a record (and sweeps) are logged with their findings so the
    sweep knows what was evaluated; periodic ticks only reconcile (and log the first failure of
    a streak). A part that fails is recorded by the assessment itself; a failure outside the
    parts is recorded here, in its own transaction, with ``monitor_failure`` raised at once.
    A database that cannot be reached is the task's to retry (``OperationalError``).

    ``after``: the urgent parts' step at this same ``now`` (``evaluation_urgent_run``): its
    reads are used again, and the rest of the evaluation (the pre-check, trends, overdue
    care, the state, the log) is done on the record it saw."""
    now = now or timezone.now()
    patient: Patient | None
    if after is not None:
        patient, as_of = after.patient, after.as_of
    else:
        patient, as_of = patient_as_of(patient_id=patient_id)
    if patient is None:
        logger.warning("evaluation skipped: no patient=%s", patient_id)
        return None
    try:
        return _evaluate(patient, as_of, reason, now, after)
    except OperationalError:
        raise
    except Exception as error:
        return evaluation_failure_record(patient_id=patient.pk, reason=reason, error=error, now=now)


def evaluation_urgent_run(
    *, patient_id: uuid.UUID, reason: str, now: datetime
) -> UrgentStep | None:
    """The urgent parts first (issue 16): NEWS2, CRS, VLS and AKI on the new record, their
    alerts opened, raised or resolved and committed before the rest of the evaluation
    (``evaluation_run`` at the same ``now``, which the task runs next). The alerts of the
    other kinds are left exactly as they are, nothing else is stored, nothing is logged: the
    full evaluation that follows does that, and finds the urgent kinds as this step left them
    (a repeat finding is an update, an absence on the same data counts once: §6 (v2)), and
    on the same reads (the step returned is passed to it as ``after``).

    A part that fails opens ``monitor_failure`` here already. A failure outside the parts is
    logged and left to the full evaluation, which records it if it fails there too; None
    then, and for a patient not admitted (the full evaluation closes their alerts)."""
    patient, as_of = patient_as_of(patient_id=patient_id)
    if patient is None:
        return None
    try:
        stays = _stays(patient)
        if not any(stay.discharged_at is None for stay in stays):
            return None
        # Read first (each statement its own transaction, as inside one under READ
        # COMMITTED), then write in one transaction.
        assessment = assess(patient=patient, at=now, admissions=stays, parts=URGENT_PARTS)
        assessment.data_as_of = as_of
        with transaction.atomic():
            if alerts_reconcile(patient_id=patient.pk, assessment=assessment):
                StateDocument.objects.invalidate([patient.pk])
    except OperationalError:
        raise
    except Exception as error:
        logger.error(
            "urgent evaluation failed patient=%s reason=%s error=%s where=%s",
            patient.pk,
            reason,
            type(error).__name__,
            error_where(error),
        )
        return None
    logger.info(
        "urgent parts evaluated patient=%s reason=%s findings=%s failed_parts=%s",
        patient.pk,
        reason,
        sorted(assessment.findings),
        sorted(assessment.failures),
    )
    return UrgentStep(patient=patient, as_of=as_of, stays=stays, assessment=assessment)


def evaluation_failure_record(
    *, patient_id: Any, reason: str, error: BaseException, now: datetime
) -> PatientEvaluation | None:
    """An evaluation failed as a whole: record it (``PatientEvaluation`` with the error, the
    patient's ``MonitorState`` failing) and raise ``monitor_failure`` for an admitted patient,
    all in one transaction of its own."""
    failure = {
        "part": "evaluation",
        "rule": "evaluation_run",
        "error": error_words(error),
        "where": error_where(error),
        "record": None,
    }
    logger.error(
        "evaluation failed patient=%s reason=%s error=%s where=%s",
        patient_id,
        reason,
        type(error).__name__,
        failure["where"],
    )
    evidence = {"scope": "evaluation", "failures": [failure], "assessed_at": now.isoformat()}
    with transaction.atomic():
        StateDocument.objects.invalidate([patient_id])
        started = _health_failure(patient_id, now, evidence)
        if Admission.objects.filter(patient_id=patient_id, discharged_at__isnull=True).exists():
            alert_raise(
                patient_id=patient_id,
                finding=Finding(
                    AlertKind.MONITOR_FAILURE, Severity.EMERGENCY, evidence, MONITOR_RULE_VERSION
                ),
                now=now,
            )
        if reason not in LOGGED_REASONS and not started:
            return None
        return PatientEvaluation.objects.create(
            patient_id=patient_id,
            reason=reason,
            record_as_of=_as_of_or(patient_id, now),
            findings={"failures": [failure]},
            succeeded=False,
            error=_failure_text([failure]),
        )


def _as_of_or(patient_id: Any, now: datetime) -> datetime:
    try:
        with transaction.atomic():
            return record_as_of(patient_id=patient_id) or now
    except Exception:
        return now


def monitor_watchdog(*, now: datetime | None = None) -> int:
    """Raise ``monitor_failure`` for every admitted patient with no successful evaluation
    for ``IL2_MONITOR_STALE_MINUTES`` (never one since admission, that long ago, included)
    who has none open already; returns how many were raised."""
    now = now or timezone.now()
    cutoff = now - monitor_stale_after()
    open_failure = Alert.objects.filter(
        patient_id=OuterRef("patient_id"),
        kind=AlertKind.MONITOR_FAILURE,
        status__in=OPEN_STATUSES,
    )
    last_success = MonitorState.objects.filter(patient_id=OuterRef("patient_id")).values(
        "last_success_at"
    )[:1]
    stays = (
        Admission.objects.filter(discharged_at__isnull=True, admitted_at__lte=cutoff)
        .annotate(last_success=Subquery(last_success), failure_open=Exists(open_failure))
        .filter(Q(last_success__isnull=True) | Q(last_success__lte=cutoff))
        .filter(failure_open=False)
        .values("patient_id", "admitted_at", "last_success")
    )
    raised = 0
    minutes = settings.IL2_MONITOR_STALE_MINUTES
    for stay in stays:
        last = stay["last_success"]
        since = max(last, stay["admitted_at"]) if last else stay["admitted_at"]
        evidence: dict[str, Any] = {
            "scope": "stale",
            "failures": [],
            "last_success_at": last.isoformat() if last else None,
            "admitted_at": stay["admitted_at"].isoformat(),
            "not_monitored_since": since.isoformat(),
            "stale_minutes": minutes,
            "checked_at": now.isoformat(),
        }
        with transaction.atomic():
            alert = alert_raise(
                patient_id=stay["patient_id"],
                finding=Finding(
                    AlertKind.MONITOR_FAILURE, Severity.EMERGENCY, evidence, MONITOR_RULE_VERSION
                ),
                now=now,
            )
        if alert is not None:
            raised += 1
            logger.warning(
                "monitor stale patient=%s no successful evaluation since=%s",
                stay["patient_id"],
                since.isoformat(),
            )
    return raised
