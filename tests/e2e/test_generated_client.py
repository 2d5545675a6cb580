"""A client generated from the OpenAPI schema by openapi-python-client (issue 15 item 5), as an
integration team would generate it, parses over a real socket the 400 of a write and the 2xx of
the main calls into its own models: nothing falls back to a bare dict or ``None``."""

import importlib
import io
import json
import subprocess
import sys
from datetime import timedelta
from http import HTTPStatus
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from il2monitor.tokens.services import api_token_create
from tests.support.factories import AdmissionFactory
from tests.support.therapy_fixtures import CRS_GRADE_3, order_course, record_vitals
from therapy.monitor.evaluation import evaluation_run

OPENAPI_PYTHON_CLIENT = "openapi-python-client"


def generate_client(tmp_path):
    out = io.StringIO()
    call_command("spectacular", "--format", "openapi-json", stdout=out)
    schema = tmp_path / "openapi.json"
    schema.write_text(out.getvalue())
    config = tmp_path / "config.json"
    config.write_text(
        json.dumps(
            {
                "project_name_override": "il2client",
                "package_name_override": "il2client",
                "post_hooks": [],  # no formatter run over the generated code
                # HL7 v2 bodies are text (ER7): the generator knows no HL7 media type, so it
                # is told to treat them as octet streams (a generated client sends bytes).
                "content_type_overrides": {
                    "application/hl7-v2": "application/octet-stream",
                    "x-application/hl7-v2+er7": "application/octet-stream",
                },
            }
        )
    )
    bin_dir = Path(sys.executable).parent
    done = subprocess.run(
        [
            str(bin_dir / OPENAPI_PYTHON_CLIENT),
            "generate",
            "--path",
            str(schema),
            "--config",
            str(config),
            "--output-path",
            str(tmp_path / "il2client-project"),
            "--fail-on-warning",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    sys.path.insert(0, str(tmp_path / "il2client-project"))
    importlib.invalidate_caches()


@pytest.mark.django_db(transaction=True)
def test_generated_client_parses_a_400_and_the_main_calls(tmp_path, live_server, nurse, physician):
    generate_client(tmp_path)
    try:
        from il2client import AuthenticatedClient
        from il2client.api.alerts import alerts_list
        from il2client.api.fhir import fhir_patient_read
        from il2client.api.labs import patients_labs_list
        from il2client.api.patients import patients_create, patients_list, patients_retrieve
        from il2client.api.summary import patients_summary_retrieve, summaries_list
        from il2client.api.therapy import doses_precheck_retrieve, patients_doses_list
        from il2client.api.vitals import patients_vitals_create, patients_vitals_list
        from il2client.models import (
            FhirPatient,
            PaginatedAlertList,
            PaginatedDoseList,
            PaginatedLabResultList,
            PaginatedPatientList,
            PaginatedPatientSummaryList,
            PaginatedVitalSignsList,
            Patient,
            PatientRequest,
            PatientSummary,
            Precheck,
            ValidationError,
            VitalSigns,
            VitalSignsRequest,
        )

        patient = AdmissionFactory().patient
        course = order_course(patient, physician)
        record_vitals(patient, nurse, minutes_ago=5, **CRS_GRADE_3)
        evaluation_run(patient_id=patient.pk, reason="vitals")
        key = api_token_create(user=nurse, name="generated", scope="read_write", by=None).key
        client = AuthenticatedClient(base_url=live_server.url, token=key, prefix="Token")

        def ok(response, model):
            assert HTTPStatus.OK <= response.status_code < 300, response.content
            assert isinstance(response.parsed, model), type(response.parsed)
            return response.parsed

        # A 400: every failing field, parsed into the ValidationError model.
        bad = PatientRequest.from_dict(
            {
                "mrn": "",
                "given_name": "A",
                "family_name": "B",
                "birth_date": "1970-01-01",
                "diagnosis": "metastatic_melanoma",
                "baseline_weight_kg": 5,
            }
        )
        refused = patients_create.sync_detailed(client=client, body=bad)
        assert refused.status_code == HTTPStatus.BAD_REQUEST
        assert isinstance(refused.parsed, ValidationError)
        assert {"mrn", "baseline_weight_kg"} <= set(refused.parsed.additional_properties)

        listed = ok(patients_list.sync_detailed(client=client), PaginatedPatientList)
        assert str(patient.pk) in {str(p.id) for p in listed.results}
        ok(patients_retrieve.sync_detailed(patient.pk, client=client), Patient)
        taken_at = (timezone.now() - timedelta(minutes=1)).isoformat()
        vitals = VitalSignsRequest.from_dict({"taken_at": taken_at, "heart_rate": 80})
        created = ok(
            patients_vitals_create.sync_detailed(patient.pk, client=client, body=vitals),
            VitalSigns,
        )
        assert created.heart_rate == 80
        ok(patients_vitals_list.sync_detailed(patient.pk, client=client), PaginatedVitalSignsList)
        ok(patients_labs_list.sync_detailed(patient.pk, client=client), PaginatedLabResultList)
        summary = ok(
            patients_summary_retrieve.sync_detailed(patient.pk, client=client), PatientSummary
        )
        assert summary.crs is not None and summary.crs.grade == 3
        ok(summaries_list.sync_detailed(client=client), PaginatedPatientSummaryList)
        ok(alerts_list.sync_detailed(client=client), PaginatedAlertList)
        ok(patients_doses_list.sync_detailed(patient.pk, client=client), PaginatedDoseList)
        dose = course.doses.get(number=1)
        ok(doses_precheck_retrieve.sync_detailed(dose.pk, client=client), Precheck)
        fhir = ok(fhir_patient_read.sync_detailed(str(patient.pk), client=client), FhirPatient)
        assert fhir.birth_date == patient.birth_date
    finally:
        sys.path.remove(str(tmp_path / "il2client-project"))
        for name in [n for n in sys.modules if n == "il2client" or n.startswith("il2client.")]:
            del sys.modules[name]
