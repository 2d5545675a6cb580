"""Two clinicians giving the same dose at the same moment, on real concurrent PostgreSQL
connections: exactly one administration is recorded."""

import threading

import pytest
from django.db import connection
from django.utils import timezone

from patients.errors import ConflictError
from tests.support.factories import AdmissionFactory, UserFactory
from tests.support.therapy_fixtures import order_course, record_vitals
from therapy.mar import courses
from therapy.models import Dose, DoseStatus


@pytest.mark.django_db(transaction=True)
def test_simultaneous_administrations_give_the_dose_once():
    nurse_a = UserFactory(role="nurse", username="nurse.a")
    nurse_b = UserFactory(role="nurse", username="nurse.b")
    physician = UserFactory(role="physician", username="dr.c")
    admission = AdmissionFactory()
    course = order_course(admission.patient, physician)
    record_vitals(admission.patient, nurse_a)
    dose_id = course.doses.get(number=1).pk
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def give(by, verifier):  # type: ignore[no-untyped-def]
        try:
            dose = Dose.objects.get(pk=dose_id)
            barrier.wait()
            courses.dose_administer(dose=dose, by=by, verifier=verifier, given_at=timezone.now())
            outcomes.append("given")
        except ConflictError as error:
            outcomes.append(f"refused: {error.messages[0]}")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=give, args=(nurse_a, nurse_b)),
        threading.Thread(target=give, args=(nurse_b, nurse_a)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["given", "refused: This dose is already given."]
    dose = Dose.objects.get(pk=dose_id)
    assert dose.status == DoseStatus.GIVEN
    assert dose.history.filter(status=DoseStatus.GIVEN).count() == 1
