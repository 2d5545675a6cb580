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
# its baselines (the reference systolic BP, the creatinine before the course); the summary
# document made out of date; the open and recently resolved alerts (one read); per alert
# opened, its insert in a savepoint and its in-app notification; BEGIN and COMMIT.
URGENT_QUERIES = 25
# The rest after them, on the same reads: the summary document made out of date; the alerts
# again (the urgent step has changed them); per alert still found, its last_seen update;
# the monitor's state (stored; created the first time, in a savepoint, with the document
# made out of date by its signal) and its health (one update); the evaluation's log row;
# BEGIN and COMMIT.
REST_QUERIES = 13
# A whole evaluation on its own (a sweep, a tick, a dose or course change): both, without
# the second reads.
EVALUATION_QUERIES = 32
# A vitals POST: the patient and its stay (the visibility rule and the recording service),
# the model's validation (existence and uniqueness), the set and its history row, the
# vasopressor row and its history row, the summary document made out of date, the answer's
# read-back of the set and its vasopressors; BEGIN/COMMIT and the savepoint.
POST_QUERIES = 19


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
