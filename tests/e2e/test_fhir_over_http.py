"""FHIR R4 over a real socket (docs/fhir.md, "How it is tested"): the app served by
``live_server`` and read with ``fhirclient`` as an integration would — the capability
statement, a read, searches following their ``next`` links, and ``$summary``. The parsing of
every response and the codes are tested without a socket in tests/therapy/fhir/test_fhir.py."""

import pytest
from django.utils import timezone

from il2monitor.tokens.services import api_token_create
from tests.support.factories import AdmissionFactory, UserFactory
from tests.support.therapy_fixtures import CRS_GRADE_3, order_course, record_vitals
from therapy.mar import courses
from therapy.monitor.evaluation import evaluation_run


@pytest.mark.django_db(transaction=True)
def test_fhirclient_reads_everything_over_http(live_server, nurse, physician):
    from fhirclient import server as fhir_server
    from fhirclient.models.bundle import Bundle
    from fhirclient.models.flag import Flag
    from fhirclient.models.medicationadministration import MedicationAdministration
    from fhirclient.models.observation import Observation
    from fhirclient.models.patient import Patient

    patient = AdmissionFactory().patient
    course = order_course(patient, physician)
    for minutes in (50, 40, 30, 20):
        record_vitals(patient, nurse, minutes_ago=minutes)
    courses.dose_administer(
        dose=course.doses.get(number=1),
        by=nurse,
        verifier=UserFactory(role="nurse", username="nurse.two"),
        given_at=timezone.now(),
    )
    record_vitals(patient, nurse, minutes_ago=5, **CRS_GRADE_3)
    evaluation_run(patient_id=patient.pk, reason="vitals")
    registry = UserFactory(role="api_client", username="registry")
    key = api_token_create(user=registry, name="registry", scope="read", by=None).key

    server = fhir_server.FHIRServer(None, base_uri=f"{live_server.url}/fhir/r4/")
    server.session.headers["Authorization"] = f"Token {key}"

    assert server.capabilityStatement.fhirVersion == "4.0.1"
    read = Patient.read(str(patient.pk), server)
    assert read.name[0].family == patient.family_name and read.gender == "female"
    observations = list(
        Observation.where(
            struct={"patient": str(patient.pk), "_count": "2"}
        ).perform_resources_iter(server)
    )
    assert len(observations) == len({o.id for o in observations})
    assert len({o.id.rsplit("-", 1)[0] for o in observations}) == 5  # every set, over 3 pages
    assert any(o.code.coding[0].code == "85354-9" for o in observations)
    (administration,) = MedicationAdministration.where(
        struct={
            "patient": str(patient.pk),
            "status": "completed",
        }  # the CRS set's vasopressor aside
    ).perform_resources_iter(server)
    assert administration.status == "completed"
    flags = list(Flag.where(struct={"patient": str(patient.pk)}).perform_resources_iter(server))
    assert "crs" in {f.code.coding[0].code for f in flags}
    document = Bundle.read_from(f"Patient/{patient.pk}/$summary", server)
    assert document.type == "document"
    assert document.entry[0].resource.type.coding[0].code == "60591-5"
