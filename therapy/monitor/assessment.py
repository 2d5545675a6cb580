"""What the monitor finds for one patient at one moment (clinical-rules.md §6): NEWS2 from the
stored latest set, CRS and VLS from the rules engine, the next dose's pre-check within 2 h of
the dose, and overdue vitals and doses. Each finding names its alert kind, severity, evidence.

Each part (NEWS2, CRS, VLS, pre-check, overdue care) runs on its own guard: a part that fails
is recorded in ``Assessment.failures`` (the rule, the error, where, and the record that made it
fail when one can be found) and the others still find what they find. The alerts of a failed
part are unknown, not absent (``Assessment.unknown_kinds``: neither resolved nor changed), and
a ``monitor_failure`` finding names what failed (§6 (v2): one bad record must never silence a
patient's other alerts)."""

import dataclasses
import json
import logging
import traceback
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from django.db import OperationalError, connection, transaction
from django.utils import timezone

from patients.models import Admission, Patient, VitalSigns
from patients.news2 import minimum_observation_interval
from therapy.models import AlertKind, Course, CourseStatus, Dose, Severity
from therapy.policy import dose_overdue_after
from therapy.profiles import rule_profile_active, rules_profile
from therapy.record import patient_record_read
from therapy.rules import (
    DEFAULT_PROFILE,
    PatientRecord,
    Recommendation,
    RuleProfile,
    aki_assess,
    crs_assess,
    precheck_dose,
    vls_assess,
)
from therapy.rules.inputs import DoseStatus, SkippedRecord, skipped_dicts
from therapy.rules.monitoring import (
    CYCLE_MARGIN,
    IN_CYCLE_VITALS_INTERVAL,
    PRECHECK_WINDOW,
    close_watch_reason,
    predose_vitals,
    vitals_interval,
)
from therapy.rules.profile import MonitoringSettings
from therapy.rules.trends import trends_assess
from therapy.rules.vls import SignStatus, VlsSeverity, vls_severity
from therapy.rules.windows import latest_vitals

logger = logging.getLogger(__name__)


# The parts of an assessment, each guarded on its own, and the alert kinds each one decides.
PART_KINDS: dict[str, tuple[str, ...]] = {
    "news2": (AlertKind.NEWS2_LOW_MEDIUM, AlertKind.NEWS2_MEDIUM, AlertKind.NEWS2_HIGH),
    "crs": (AlertKind.CRS,),
    "vls": (AlertKind.VLS,),
    "aki": (AlertKind.AKI,),
    "precheck": (AlertKind.HOLD_CRITERIA,),
    "trend": (AlertKind.TREND,),
    "overdue": (AlertKind.VITALS_OVERDUE, AlertKind.DOSE_OVERDUE, AlertKind.PREDOSE_VITALS_DUE),
}
RULE_PARTS = ("crs", "vls", "aki", "precheck", "trend")  # the parts that read PatientRecord
ALL_PARTS = tuple(PART_KINDS)
# Evaluated first on a new record, their alerts committed before the rest (issue 16): the
# cheap rules that find a deteriorating patient. The rest (the pre-check, trends, overdue
# care, the monitor's state) follows in the same task.
URGENT_PARTS = ("news2", "crs", "vls", "aki")
# §6 (v2): hold_criteria is raised for these only, never for missing data.
HOLD_RECOMMENDATIONS = frozenset({Recommendation.HOLD, Recommendation.DISCONTINUE})
# §6 (v2): KDIGO stage 1 urgent, 2-3 emergency.
AKI_SEVERITY_BY_STAGE = {1: Severity.URGENT, 2: Severity.EMERGENCY, 3: Severity.EMERGENCY}
# The rule version of monitor_failure: the monitor's own health check, not a clinical rule.
MONITOR_RULE_VERSION = "monitor-health v1"

# Moments a finding is reckoned to rather than found: the trend's horizon is the next dose,
# or with none scheduled a fixed time ahead of the assessment. (Its projections, which are
# what it found, stay.)
MOMENT_KEYS = frozenset({"horizon_at"})


def _without_moment_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_moment_keys(v) for k, v in value.items() if k not in MOMENT_KEYS}
    if isinstance(value, list | tuple):
        return [_without_moment_keys(item) for item in value]
    return value


def moment_free(value: Any, at: datetime) -> str:
    """``value`` (findings, an alert's evidence) as canonical JSON without the moment ``at`` it
    was found at: that time is taken out wherever it appears (a check's ``checked_at``, a
    window "to <time>"), and the ``MOMENT_KEYS``. Equal for the same findings found at two
    moments on the same record (issue 16: such a re-assessment moves no row of the board)."""
    text = json.dumps(_without_moment_keys(value), sort_keys=True, separators=(",", ":"))
    return text.replace(at.isoformat(), "@")


# At most this many re-runs of a failed rule to find the one record that makes it fail.
CULPRIT_TRIES = 300
_T = TypeVar("_T")
_PROJECT = Path(__file__).resolve().parents[2]  # the repository: therapy/monitor/ is two down


@dataclass(frozen=True)
class Finding:
    kind: str
    severity: str
    evidence: dict[str, Any]
    rule_version: str


@dataclass(frozen=True)
class PartFailure:
    """What stopped one part: the rule that raised, the error, the innermost project frame,
    and the record whose removal lets the rule run (when one does)."""

    part: str
    rule: str
    error: str
    where: str
    record: dict[str, str] | None = None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def error_words(error: BaseException) -> str:
    """``Type: message``, short. Rules never see names or MRNs, so this names none."""
    return f"{type(error).__name__}: {error}"[:300]


def error_where(error: BaseException) -> str:
    """The innermost frame of this project's code, e.g. ``therapy/rules/windows.py:110 in
    urine_output``: the place to look, without any value from the record."""
    place = ""
    for frame in traceback.extract_tb(error.__traceback__):
        path = Path(frame.filename).resolve()
        if path.is_relative_to(_PROJECT) and ".venv" not in path.parts:
            place = f"{path.relative_to(_PROJECT)}:{frame.lineno} in {frame.name}"
    return place


@dataclass
class Assessment:
    """What one evaluation found. ``not_assessable`` holds the kinds whose absence the data
    cannot show (a sign "not assessable", e.g. oliguria between shifts): their alerts stay as
    they were (§6 (v2)). ``data_as_of`` is the newest recorded change the evaluation saw; an
    absence counts towards resolving an alert only on data newer than it was last judged on."""

    at: datetime
    rule_version: str
    due_interval: timedelta
    findings: dict[str, Finding] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    failures: dict[str, PartFailure] = field(default_factory=dict)
    skipped: list[SkippedRecord] = field(default_factory=list)
    not_assessable: set[str] = field(default_factory=set)
    # Kinds whose absence hangs on signs "not assessable" now: the alert stays as it was when
    # one of them was present in its evidence (oliguria between shifts), else absence counts.
    unassessed_signs: dict[str, frozenset[str]] = field(default_factory=dict)
    data_as_of: datetime | None = None
    monitoring: MonitoringSettings = DEFAULT_PROFILE.monitoring
    # The parts this assessment decides; the alerts of the others are left as they are.
    parts: tuple[str, ...] = ALL_PARTS
    # What it read (``_Loaded``), for the rest of the evaluation at the same moment.
    reads: Any = field(default=None, repr=False, compare=False)

    def add(
        self, kind: str, severity: str, evidence: dict[str, Any], rule_version: str = ""
    ) -> None:
        self.findings[kind] = Finding(kind, severity, evidence, rule_version or self.rule_version)

    def fail(
        self, parts: tuple[str, ...], rule: str, error: BaseException, record: Any = None
    ) -> None:
        for part in parts:
            if part in self.parts and part not in self.failures:
                words, where = error_words(error), error_where(error)
                self.failures[part] = PartFailure(part, rule, words, where, record)

    @property
    def succeeded(self) -> bool:
        return not self.failures

    def assessable(self, kind: str, evidence: dict[str, Any]) -> bool:
        """Whether this evaluation can show the absence of an alert raised on ``evidence``:
        not when the kind is not assessable, nor when a sign present in the evidence is now
        "not assessable" and could still make the finding (§6 (v2))."""
        if kind in self.not_assessable:
            return False
        was_present = frozenset((evidence or {}).get("present") or ())
        return not (self.unassessed_signs.get(kind, frozenset()) & was_present)

    @property
    def unknown_kinds(self) -> frozenset[str]:
        """Alert kinds of the parts that failed: not known to be absent, so left as they are;
        for an assessment of some parts only, every kind but those its parts decided."""
        failed = frozenset(kind for part in self.failures for kind in PART_KINDS[part])
        if set(self.parts) >= set(PART_KINDS):
            return failed
        decided = {
            kind for part in self.parts if part not in self.failures for kind in PART_KINDS[part]
        }
        return frozenset(AlertKind.values) - decided

    def failure_evidence(self) -> dict[str, Any]:
        return {
            "scope": "parts",
            "failures": [failure.to_dict() for failure in self.failures.values()],
            "parts_checked": [part for part in self.parts if part not in self.failures],
            "assessed_at": self.at.isoformat(),
        }


def _news2(assessment: Assessment, latest: VitalSigns | None) -> None:
    if latest is None or latest.news2_total is None:
        return
    evidence = {
        "vitals_id": str(latest.pk),
        "taken_at": latest.taken_at.isoformat(),
        **(latest.news2() or {}),
    }
    version = latest.news2_algorithm_version
    band_kinds = {
        "high": (AlertKind.NEWS2_HIGH, Severity.EMERGENCY),
        "medium": (AlertKind.NEWS2_MEDIUM, Severity.URGENT),
        "low_medium": (AlertKind.NEWS2_LOW_MEDIUM, Severity.URGENT),
    }
    if latest.news2_band in band_kinds:
        kind, severity = band_kinds[latest.news2_band]
        assessment.add(kind, severity, evidence, version)


def _due_interval(
    latest_complete: VitalSigns | None,
    in_cycle: bool,
    profile: RuleProfile,
    *,
    vasopressor_running: bool,
    crs_grade: int | None,
) -> timedelta:
    """§6, one definition (``therapy.rules.monitoring.vitals_interval``) fed with NEWS2 as
    stored on the newest complete set, the running vasopressors and the CRS grade."""
    news2_interval = None
    if latest_complete is not None and latest_complete.news2_total is not None:
        news2_interval = minimum_observation_interval(
            latest_complete.news2_total,
            red_flag=latest_complete.news2_red_flag,
            policy=profile.news2,
        )
    return vitals_interval(
        in_cycle=in_cycle,
        news2_interval=news2_interval,
        vasopressor_running=vasopressor_running,
        crs_grade=crs_grade,
        settings=profile.monitoring,
    )


def _vls_could_be(result: Any, profile: RuleProfile) -> bool:
    """Whether VLS would be suspected were every "not assessable" sign present: then its
    absence is not shown by the data (§6 (v2))."""
    possible = frozenset(
        sign.code
        for sign in result.signs
        if sign.status in (SignStatus.PRESENT, SignStatus.NOT_ASSESSABLE)
    )
    running = result.vasopressor_running
    severity = vls_severity(possible, vasopressor_running=running, settings=profile.vls)
    return severity is not VlsSeverity.NONE


def culprit(record: PatientRecord, run: Callable[[PatientRecord], object]) -> Any:
    """The record whose removal lets ``run`` succeed, as ``{"kind", "id"}``, or None: a rule
    that fails on one bad record names it (§6 (v2): "the failing input is named")."""
    tries = 0
    for kind in ("fluids", "vitals", "labs", "medications", "events", "doses"):
        items = getattr(record, kind)
        for index, item in enumerate(items):
            tries += 1
            if tries > CULPRIT_TRIES:
                return None
            without = dataclasses.replace(record, **{kind: items[:index] + items[index + 1 :]})
            try:
                run(without)
            except Exception:  # noqa: S112 (still failing without it: not this record)
                continue
            return {"kind": kind, "id": item.record_id or f"{kind}[{index}]"}
    return None


def isolated() -> AbstractContextManager[Any]:
    """Where a failing query must not abort the evaluation: a savepoint inside a transaction;
    outside one (the evaluation reads before it writes) each statement is its own transaction
    already, and a savepoint would only add two round trips."""
    return transaction.atomic() if connection.in_atomic_block else nullcontext()


class _Guard:
    """Runs one step of an assessment, recording a failure against the parts that depend on
    it. A step that queries runs in a savepoint: a failed query must not abort the
    evaluation's transaction (the pure rules need none)."""

    def __init__(self, assessment: Assessment, patient_id: Any) -> None:
        self.assessment = assessment
        self.patient_id = patient_id

    def run(
        self,
        parts: tuple[str, ...],
        rule: str,
        step: Callable[[], _T],
        *,
        record: PatientRecord | None = None,
        rerun: Callable[[PatientRecord], object] | None = None,
        queries: bool = True,
    ) -> _T | None:
        parts = tuple(part for part in parts if part in self.assessment.parts)
        if all(part in self.assessment.failures for part in parts):
            return None  # what it needs failed already (and is recorded), or is not assessed
        try:
            if not queries:
                return step()
            with isolated():
                return step()
        except OperationalError:
            raise  # the database, not the record: the task retries (and the watchdog watches)
        except Exception as error:
            found = culprit(record, rerun) if record is not None and rerun is not None else None
            self.assessment.fail(parts, rule, error, found)
            # Ids, the error type and where only: never a value of the record.
            logger.error(
                "monitor part failed patient=%s parts=%s rule=%s error=%s where=%s",
                self.patient_id,
                ",".join(parts),
                rule,
                type(error).__name__,
                error_where(error),
            )
            return None


@dataclass
class _Loaded:
    profile_row: Any = None
    profile: RuleProfile | None = None
    course: Course | None = None
    doses: list[Dose] | None = None
    record: PatientRecord | None = None
    vitals_rows: list[VitalSigns] | None = None
    latest_complete: VitalSigns | None = None
    crs_grade: int | None = None
    complete: bool = False  # every read succeeded: another step at the same moment may reuse it


def _load_profile(loaded: _Loaded) -> None:
    loaded.profile_row = rule_profile_active()
    loaded.profile = rules_profile(loaded.profile_row)


def _profile(loaded: _Loaded) -> RuleProfile:
    """The loaded profile. A step that needs it runs only once it loaded: the guard skips a
    step whose parts all failed already, as they do when the profile did not load."""
    if loaded.profile is None:
        raise RuntimeError("the rule profile did not load")
    return loaded.profile


def _load_course(loaded: _Loaded, patient: Patient) -> None:
    loaded.course = (
        Course.objects.filter(patient=patient, status=CourseStatus.ACTIVE)
        .order_by("-cycle_1_start")
        .first()
    )
    course = loaded.course
    loaded.doses = list(course.doses.order_by("cycle", "number")) if course else []


def _load_record(
    loaded: _Loaded, patient: Patient, at: datetime, admissions: list[Admission]
) -> None:
    read = patient_record_read(
        patient=patient,
        at=at,
        profile=_profile(loaded),
        course=loaded.course,
        admissions=admissions,
        doses=loaded.doses,
    )
    loaded.record, loaded.vitals_rows = read.record, read.vitals_rows


def _vitals_until(patient: Patient, at: datetime) -> Any:
    return VitalSigns.objects.filter(patient=patient, entered_in_error=False, taken_at__lte=at)


def _load_latest_complete(loaded: _Loaded, patient: Patient, at: datetime) -> None:
    """The newest set with a stored NEWS2: from the record's sets when one is in its window,
    else read (a query only for a patient with no complete set in the window)."""
    rows = loaded.vitals_rows or []
    complete = [row for row in rows if row.news2_total is not None]
    if complete:
        loaded.latest_complete = complete[-1]  # rows are by taken_at, created_at
        return
    loaded.latest_complete = (
        _vitals_until(patient, at)
        .filter(news2_total__isnull=False)
        .order_by("-taken_at", "-created_at")
        .first()
    )


def _load(
    guard: "_Guard",
    loaded: _Loaded,
    patient: Patient,
    at: datetime,
    parts: tuple[str, ...],
    admissions: list[Admission],
) -> None:
    """Read what the parts need. Usually in one savepoint; when a read fails, again step by
    step, each step in its own savepoint, so the failure is charged to the parts that need
    that step only (as before the reads were joined, issue 16)."""

    def steps() -> list[tuple[tuple[str, ...], str, Callable[[], None]]]:
        return [
            (RULE_PARTS, "rule profile", lambda: _load_profile(loaded)),
            (
                (*RULE_PARTS, "overdue"),
                "course and doses",
                lambda: _load_course(loaded, patient),
            ),
            (
                RULE_PARTS,
                "patient record",
                lambda: _load_record(loaded, patient, at, admissions),
            ),
            (
                ("news2", "overdue"),
                "latest NEWS2",
                lambda: _load_latest_complete(loaded, patient, at),
            ),
        ]

    def all_steps() -> None:
        for _parts, _rule, step in steps():
            step()

    try:
        with isolated():
            all_steps()
        loaded.complete = True
        return
    except OperationalError:
        raise
    except Exception:  # noqa: S110 (read again step by step below, which records it)
        pass
    for field_ in dataclasses.fields(_Loaded):
        setattr(loaded, field_.name, field_.default)
    for step_parts, rule, step in steps():
        guard.run(step_parts, rule, step)


def assess(
    *,
    patient: Patient,
    at: datetime,
    admissions: list[Admission] | None = None,
    parts: tuple[str, ...] = ALL_PARTS,
    reads: "_Loaded | None" = None,
) -> Assessment:
    """Everything the monitor finds for an admitted patient at ``at``; never raises for a
    failing part (see the module docstring). ``parts`` limits it to some parts (the urgent
    ones first, issue 16): the alerts of the others are left exactly as they are.
    ``admissions``: the patient's stays (the evaluation reads them once; read here when not
    given). ``reads``: what an assessment of other parts at the same ``at`` read
    (``Assessment.reads``), used again rather than read twice when all of it was read."""
    assessment = Assessment(
        at=at, rule_version="", due_interval=IN_CYCLE_VITALS_INTERVAL, parts=parts
    )
    guard = _Guard(assessment, patient.pk)
    if admissions is None:
        admissions = list(Admission.objects.filter(patient=patient).order_by("-admitted_at"))
    if reads is not None and reads.complete:
        loaded = dataclasses.replace(reads, crs_grade=None)
    else:
        loaded = _Loaded()
        _load(guard, loaded, patient, at, parts, admissions)
    assessment.reads = loaded
    profile = loaded.profile
    assessment.rule_version = loaded.profile_row.label if loaded.profile_row else "unavailable"
    assessment.monitoring = (profile or DEFAULT_PROFILE).monitoring
    record = loaded.record
    latest_complete = loaded.latest_complete
    admissions_open_at = next((s.admitted_at for s in admissions if s.discharged_at is None), None)

    def news2() -> None:
        _news2(assessment, latest_complete)
        assessment.summary["news2"] = latest_complete.news2() if latest_complete else None

    guard.run(("news2",), "news2", news2, queries=False)

    if record is not None and profile is not None:
        assessment.skipped.extend(record.skipped)

        def crs_of(rec: PatientRecord) -> Any:
            return crs_assess(rec, at=at, profile=profile)

        def crs() -> None:
            result = crs_of(record)
            assessment.summary["crs"] = result.to_dict()
            assessment.skipped.extend(result.skipped)
            loaded.crs_grade = result.grade
            if result.grade is not None and result.grade >= 2:
                severity = Severity.URGENT if result.grade == 2 else Severity.EMERGENCY
                assessment.add(AlertKind.CRS, severity, result.to_dict())
            elif result.grade is None or result.missing:
                # No vitals, or a grade below 2 only for want of an input: not absent.
                assessment.not_assessable.add(AlertKind.CRS)

        guard.run(("crs",), "crs_assess", crs, record=record, rerun=crs_of, queries=False)

        def vls_of(rec: PatientRecord) -> Any:
            return vls_assess(rec, at=at, profile=profile)

        def vls() -> None:
            result = vls_of(record)
            assessment.summary["vls"] = result.to_dict()
            assessment.skipped.extend(result.skipped)
            if result.severity is not VlsSeverity.NONE:
                critical = result.severity is VlsSeverity.CRITICAL
                severity = Severity.EMERGENCY if critical else Severity.URGENT
                assessment.add(AlertKind.VLS, severity, result.to_dict())
            elif _vls_could_be(result, profile):
                # A sign "not assessable" (oliguria between shifts) could make it suspected.
                unassessed = frozenset(result.codes(SignStatus.NOT_ASSESSABLE))
                assessment.unassessed_signs[AlertKind.VLS] = unassessed

        guard.run(("vls",), "vls_assess", vls, record=record, rerun=vls_of, queries=False)

        def aki_of(rec: PatientRecord) -> Any:
            return aki_assess(rec, at=at, profile=profile)

        def aki() -> None:
            result = aki_of(record)
            assessment.summary["aki"] = result.to_dict()
            assessment.skipped.extend(result.skipped)
            if result.stage:
                severity = AKI_SEVERITY_BY_STAGE[min(result.stage, max(AKI_SEVERITY_BY_STAGE))]
                assessment.add(AlertKind.AKI, severity, result.to_dict())
            elif result.stage is None:
                # Not assessable keeps an open aki alert as it was (§6 (v2)).
                assessment.not_assessable.add(AlertKind.AKI)

        guard.run(("aki",), "aki_assess", aki, record=record, rerun=aki_of, queries=False)

        def trend_of(rec: PatientRecord) -> Any:
            zone = timezone.get_default_timezone()  # the site's shifts (§7)
            return trends_assess(rec, at=at, zone=zone, profile=profile)

        def trend() -> None:
            result = trend_of(record)
            assessment.summary["trend"] = result.to_dict()
            if result.crossings:
                assessment.add(AlertKind.TREND, Severity.URGENT, result.to_dict())
            elif not result.assessable:
                assessment.not_assessable.add(AlertKind.TREND)

        guard.run(("trend",), "trends_assess", trend, record=record, rerun=trend_of, queries=False)

        doses = loaded.doses or []
        next_dose = next((d for d in doses if d.status == DoseStatus.SCHEDULED), None)
        if next_dose is not None:

            def precheck_of(rec: PatientRecord) -> Any:
                return precheck_dose(
                    rec,
                    cycle=next_dose.cycle,
                    dose_number=next_dose.number,
                    scheduled_at=next_dose.scheduled_at,
                    at=at,
                    profile=profile,
                )

            def precheck() -> None:
                check = precheck_of(record)
                evidence = {"dose_id": str(next_dose.pk), **check.to_dict()}
                assessment.summary["precheck"] = evidence
                assessment.skipped.extend(check.skipped)
                due = next_dose.scheduled_at - PRECHECK_WINDOW <= at
                # (v2) A hold or discontinue only: missing vitals are predose_vitals_due.
                if due and check.recommendation in HOLD_RECOMMENDATIONS:
                    assessment.add(AlertKind.HOLD_CRITERIA, Severity.URGENT, evidence)
                elif due and check.recommendation is Recommendation.INSUFFICIENT_DATA:
                    assessment.not_assessable.add(AlertKind.HOLD_CRITERIA)

            guard.run(
                ("precheck",),
                "precheck_dose",
                precheck,
                record=record,
                rerun=precheck_of,
                queries=False,
            )

    def due_interval() -> None:
        doses = loaded.doses or []
        in_cycle = any(abs(d.scheduled_at - at) <= CYCLE_MARGIN for d in doses)
        # The due interval follows the active profile; should the profile fail to load
        # (recorded above), the default one, so overdue care is still watched.
        rules = profile or DEFAULT_PROFILE
        newest = latest_vitals(loaded.record.vitals, at=at) if loaded.record else None
        running = newest is not None and bool(newest.running_vasopressors)
        assessment.due_interval = _due_interval(
            latest_complete,
            in_cycle,
            rules,
            vasopressor_running=running,
            crs_grade=loaded.crs_grade,
        )
        assessment.summary["close_watch"] = close_watch_reason(
            vasopressor_running=running, crs_grade=loaded.crs_grade, settings=rules.monitoring
        )

    def overdue() -> None:
        due_interval()
        doses = loaded.doses or []
        # Vitals are due and overdue by the newest complete set: a weight or a monitor's
        # partial set does not renew them (the pages count the same way: PatientState).
        last_complete = latest_complete.taken_at if latest_complete else None
        _overdue(assessment, last_complete, admissions_open_at, doses, at)
        _predose_vitals(assessment, doses, latest_complete, profile or DEFAULT_PROFILE, at)

    if "overdue" in parts:
        guard.run(("overdue",), "overdue care", overdue, queries=False)
    else:
        # The urgent parts store the due interval in force on their alerts; the full
        # evaluation that follows charges a failure here to overdue care.
        try:
            due_interval()
        except Exception:
            logger.warning("due interval not computed patient=%s", patient.pk, exc_info=True)

    assessment.summary["due_interval_minutes"] = int(assessment.due_interval.total_seconds() // 60)
    for part in PART_KINDS:
        if part in assessment.failures:
            assessment.summary[part] = None
    assessment.summary["skipped"] = skipped_dicts(assessment.skipped)
    if assessment.failures:
        assessment.summary["failures"] = [f.to_dict() for f in assessment.failures.values()]
        assessment.add(AlertKind.MONITOR_FAILURE, Severity.EMERGENCY, assessment.failure_evidence())
    return assessment


def _predose_vitals(
    assessment: Assessment,
    doses: list[Dose],
    latest_complete: VitalSigns | None,
    profile: RuleProfile,
    at: datetime,
) -> None:
    """§6 (v2): the next dose is near and no complete vitals set has been taken in its
    pre-check window yet (routine; urgent in the last 30 min)."""
    next_dose = next((d for d in doses if d.status == DoseStatus.SCHEDULED), None)
    if next_dose is None:
        return
    due = predose_vitals(
        scheduled_at=next_dose.scheduled_at,
        last_vitals_at=latest_complete.taken_at if latest_complete else None,
        settings=profile.monitoring,
    )
    severity = due.severity(at)
    if severity is None:
        return
    assessment.add(
        AlertKind.PREDOSE_VITALS_DUE,
        Severity(severity),
        {
            "dose_id": str(next_dose.pk),
            "cycle": next_dose.cycle,
            "number": next_dose.number,
            "scheduled_at": next_dose.scheduled_at.isoformat(),
            "window_opens_at": due.window_opens_at.isoformat(),
            "urgent_from": due.urgent_from.isoformat(),
            "last_vitals_at": due.last_vitals_at.isoformat() if due.last_vitals_at else None,
        },
    )


def _overdue(
    assessment: Assessment,
    last_taken: datetime | None,
    admitted_at: datetime | None,
    doses: list[Dose],
    at: datetime,
) -> None:
    next_dose = next((d for d in doses if d.status == DoseStatus.SCHEDULED), None)
    if next_dose is not None and at - next_dose.scheduled_at >= dose_overdue_after():
        assessment.add(
            AlertKind.DOSE_OVERDUE,
            Severity.URGENT,
            {
                "dose_id": str(next_dose.pk),
                "cycle": next_dose.cycle,
                "number": next_dose.number,
                "scheduled_at": next_dose.scheduled_at.isoformat(),
                "overdue_after_minutes": int(dose_overdue_after().total_seconds() // 60),
            },
        )
    reference = last_taken or admitted_at
    if reference is not None and at - reference > assessment.due_interval:
        assessment.add(
            AlertKind.VITALS_OVERDUE,
            Severity.ROUTINE,
            {
                "last_vitals_at": last_taken.isoformat() if last_taken else None,
                "due_interval_minutes": int(assessment.due_interval.total_seconds() // 60),
                "overdue_since": (reference + assessment.due_interval).isoformat(),
            },
        )
