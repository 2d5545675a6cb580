"""The monitor's cost is pinned (issue 16 item 1): a vitals POST and the evaluation it causes
each make a fixed number of queries, whatever the length of the patient's history. A change
that adds one shows up here with what it is."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.support.factories import AdmissionFactory
from tests.support.observation_kinds import vitals_payload
from tests.support.therapy_fixtures import CRS_GRADE_3, order_course, record_vitals
from therapy.monitor.evaluation import evaluation_run

pytestmark = pytest.mark.django_db

# The evaluation of a patient on a course with a new grade 3 CRS set, in one transaction:
# the patient, the newest entry time, the open stay; the rule profile; the course; the record
# (stay, vitals, vasopressors, fluids, labs, medications, events) and its v2 reads (the
# reference systolic BP, the creatinine baseline); the newest sets for the
# overdue check; the open alerts; per alert opened an insert and its notification; the
# monitor's state and health; the evaluation log; the summary document made out of date (once
# per row written, signals); the savepoints that keep each rule part's failure its own.
EVALUATION_QUERIES = 59
# A vitals POST: the patient and its stay (the visibility rule and the recording service),
# the model's validation (existence and uniqueness), the set and its history row, the
# vasopressor row and its history row, the summary document made out of date, the answer's
# read-back of the set and its vasopressors; BEGIN/COMMIT and the savepoint.
POST_QUERIES = 19


def _evaluation_queries(patient) -> list[str]:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as queries:
        evaluation_run(patient_id=patient.pk, reason="vitals")
    return [query["sql"] for query in queries.captured_queries]


def test_an_evaluation_makes_a_fixed_number_of_queries_whatever_the_history(nurse, physician):
    short = AdmissionFactory().patient
    order_course(short, physician, first_dose_in=timedelta(hours=3))
    record_vitals(short, nurse, minutes_ago=1, **CRS_GRADE_3)
    first = _evaluation_queries(short)

    long = AdmissionFactory(admitted_at=timezone.now() - timedelta(days=3)).patient
    order_course(long, physician, first_dose_in=timedelta(hours=3))
    for hours in range(48, 0, -2):
        record_vitals(long, nurse, minutes_ago=hours * 60)
    record_vitals(long, nurse, minutes_ago=1, **CRS_GRADE_3)
    second = _evaluation_queries(long)

    assert len(first) == len(second), "the history's length changed the query count"
    assert len(first) == EVALUATION_QUERIES, f"{len(first)}:\n" + "\n".join(q[:120] for q in first)


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
