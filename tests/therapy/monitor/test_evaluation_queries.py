"""The monitor's cost is pinned (issue 16 item 1): a vitals POST and the evaluation it causes
each make a fixed number of queries, whatever the length of the patient's history. A change
that adds one shows up here with what it is."""

from collections.abc import Callable
from datetime import timedelta
from functools import partial

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.support.factories import AdmissionFactory
from tests.support.observation_kinds import vitals_payload
from tests.support.therapy_fixtures import CRS_GRADE_3, order_course, record_vitals
from therapy.models import Alert
from therapy.monitor.evaluation import evaluation_run, evaluation_urgent_run

pytestmark = pytest.mark.django_db

# Counted for a patient on a course whose new set is a grade 3 CRS picture (two alerts open:
# crs and news2_low_medium), the same with one set or two days of them.
#
# The urgent parts (NEWS2, CRS, VLS, AKI), committed first: the patient with the newest
# recorded change (one query, compiled once); the stays; the rule profile; the course and
# its doses; the record (vitals, their vasopressors, fluids, labs, medications, events) and
# its baselines (the reference systolic BP, the creatinine before the course); the open and
# recently resolved alerts (one read); per alert opened, its insert in a savepoint and its
# in-app notification; the summary document made out of date (an alert changed); BEGIN and
# COMMIT.
URGENT_QUERIES = 25
# The rest after them, on the same reads: the alerts again (the urgent step has changed
# them); per alert still found, its last_seen update; the monitor's state stored as found
# unchanged (one conditional update, which finds the new findings differ), then the summary
# document made out of date, the state stored (created the first time, in a savepoint, with
# the document made out of date by its signal) and its health (one update); the
# evaluation's log row; BEGIN and COMMIT.
REST_QUERIES = 14
# A whole evaluation on its own (a sweep, a tick, a dose or course change): both, without
# the second reads (and with no "unchanged?" attempt: an alert opened, so it changed).
EVALUATION_QUERIES = 32
# A tick that finds what is stored (the same record, nothing turned due): the reads; the
# alerts; per open alert, its last_seen update; the state and its newest success in one
# update (its digest unchanged); nothing else (the state version stays: the board redraws no
# row for it); BEGIN and COMMIT.
UNCHANGED_TICK_QUERIES = 19
# A vitals POST: the patient (the visibility rule), its open stay locked (the recording
# service), the set and its history row, the vasopressor row and its history row, the
# summary document made out of date, the answer's read-back of the set and its vasopressors;
# BEGIN/COMMIT and the savepoint. Was 19: the patient's open stay prefetched too (the service
# reads it itself), and the model's validation asking whether the stay, the patient and the
# user exist and the fresh keys are unique (rows the service holds; new UUIDs).
POST_QUERIES = 13


def _queries(run: Callable[[], object]) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        run()
    return [query["sql"] for query in queries.captured_queries]


def _listing(queries: list[str]) -> str:
    return f"{len(queries)}:\n" + "\n".join(q[:120] for q in queries)


def _patients(nurse, physician):  # type: ignore[no-untyped-def]
    """A patient with one set (a grade 3 CRS picture) and one with two days of history too."""
    short = AdmissionFactory().patient
    order_course(short, physician, first_dose_in=timedelta(hours=3))
    record_vitals(short, nurse, minutes_ago=1, **CRS_GRADE_3)
    long = AdmissionFactory(admitted_at=timezone.now() - timedelta(days=3)).patient
    order_course(long, physician, first_dose_in=timedelta(hours=3))
    for hours in range(48, 0, -2):
        record_vitals(long, nurse, minutes_ago=hours * 60)
    record_vitals(long, nurse, minutes_ago=1, **CRS_GRADE_3)
    return short, long


# Transactional: counted as in the worker, not as savepoints inside a test's transaction (the
# reads run before the one transaction, whose BEGIN and COMMIT are counted).
@pytest.mark.django_db(transaction=True)
def test_the_urgent_parts_make_a_fixed_number_of_queries_whatever_the_history(nurse, physician):
    counts = []
    for patient in _patients(nurse, physician):
        now = timezone.now()
        queries = _queries(
            partial(evaluation_urgent_run, patient_id=patient.pk, reason="vitals", now=now)
        )
        assert Alert.objects.filter(patient=patient, kind="crs").exists()
        counts.append(len(queries))
        assert len(queries) == URGENT_QUERIES, _listing(queries)
    assert counts[0] == counts[1], "the history's length changed the query count"


@pytest.mark.django_db(transaction=True)
def test_an_evaluation_makes_a_fixed_number_of_queries_whatever_the_history(nurse, physician):
    counts = []
    for patient in _patients(nurse, physician):
        queries = _queries(partial(evaluation_run, patient_id=patient.pk, reason="vitals"))
        counts.append(len(queries))
        assert len(queries) == EVALUATION_QUERIES, _listing(queries)
    assert counts[0] == counts[1], "the history's length changed the query count"


@pytest.mark.django_db(transaction=True)
def test_after_the_urgent_parts_the_rest_of_the_evaluation_opens_nothing_again(nurse, physician):
    patient, _ = _patients(nurse, physician)
    now = timezone.now()
    urgent = evaluation_urgent_run(patient_id=patient.pk, reason="vitals", now=now)
    queries = _queries(
        lambda: evaluation_run(patient_id=patient.pk, reason="vitals", now=now, after=urgent)
    )
    assert len(queries) == REST_QUERIES, _listing(queries)
    assert not [q for q in queries if q.startswith('INSERT INTO "therapy_alert"')]


def test_a_vitals_post_makes_a_fixed_number_of_queries(api_as, nurse):
    client = api_as(nurse)
    patients = [AdmissionFactory().patient for _ in range(2)]
    client.get("/api/v1/patients/")  # the user's permissions read once (cached on the user)
    counts = []
    for patient in patients:
        for minutes in range(30, 0, -10) if patient is patients[1] else []:
            record_vitals(patient, nurse, minutes_ago=minutes)
        body = vitals_payload(
            taken_at=timezone.now().isoformat(),
            vasopressors=[{"agent": "norepinephrine", "dose": "0.05", "dose_unit": "mcg_kg_min"}],
        )
        with CaptureQueriesContext(connection) as queries:
            response = client.post(f"/api/v1/patients/{patient.pk}/vitals/", body, format="json")
        assert response.status_code == 201, response.content
        counts.append(len(queries))
    assert counts == [POST_QUERIES, POST_QUERIES]


@pytest.mark.django_db(transaction=True)
def test_a_tick_that_finds_what_is_stored_writes_only_the_times(nurse, physician):
    from therapy.models import MonitorState, StateDocument

    counts = []
    for patient in _patients(nurse, physician):
        evaluation_run(patient_id=patient.pk, reason="vitals")
        version = StateDocument.objects.get(pk=patient.pk).changes
        before = MonitorState.objects.get(patient=patient)
        queries = _queries(partial(evaluation_run, patient_id=patient.pk, reason="tick"))
        counts.append(len(queries))
        assert len(queries) == UNCHANGED_TICK_QUERIES, _listing(queries)
        assert StateDocument.objects.get(pk=patient.pk).changes == version
        after = MonitorState.objects.get(patient=patient)
        assert after.assessed_at > before.assessed_at
        assert after.last_success_at > before.last_success_at
        assert (after.findings_digest, after.rule_version) == (
            before.findings_digest,
            before.rule_version,
        )
    assert counts[0] == counts[1], "the history's length changed the query count"


@pytest.mark.django_db(transaction=True)
def test_a_tick_that_finds_something_new_moves_the_state_version(nurse, physician):
    from therapy.models import MonitorState, StateDocument

    patient, _ = _patients(nurse, physician)
    evaluation_run(patient_id=patient.pk, reason="vitals")
    version = StateDocument.objects.get(pk=patient.pk).changes

    # Five hours on, the vitals are overdue: the same record, a new finding.
    later = timezone.now() + timedelta(hours=5)
    evaluation_run(patient_id=patient.pk, reason="tick", now=later)
    assert Alert.objects.filter(patient=patient, kind="vitals_overdue").exists()
    assert StateDocument.objects.get(pk=patient.pk).changes > version
    version = StateDocument.objects.get(pk=patient.pk).changes

    # A failing streak recorded; the next tick that succeeds ends it: that is shown too.
    MonitorState.objects.filter(patient=patient).update(
        failing_since=later, failed_at=later, failure={"scope": "parts", "failures": []}
    )
    evaluation_run(patient_id=patient.pk, reason="tick", now=later + timedelta(minutes=1))
    state = MonitorState.objects.get(patient=patient)
    assert state.failing_since is None and state.failure == {}
    assert StateDocument.objects.get(pk=patient.pk).changes > version
