"""The bedside records in the admin (read-only, never deleted) and in the OpenAPI schema."""

import io

import pytest
import yaml
from django.core.management import call_command
from django.urls import reverse

from tests.support.observation_factories import (
    ClinicalEventFactory,
    FluidEntryFactory,
    LabResultFactory,
    SupportiveMedicationFactory,
    VitalSignsFactory,
)

pytestmark = pytest.mark.django_db

FACTORIES = {
    "vitalsigns": VitalSignsFactory,
    "fluidentry": FluidEntryFactory,
    "labresult": LabResultFactory,
    "supportivemedication": SupportiveMedicationFactory,
    "clinicalevent": ClinicalEventFactory,
}


@pytest.fixture
def admin_client(client, make_user):  # type: ignore[no-untyped-def]
    client.force_login(make_user("admin", username="ward.admin"))
    return client


@pytest.mark.parametrize("model", list(FACTORIES))
def test_admin_lists_shows_and_keeps_each_kind(admin_client, model):
    record = FACTORIES[model]()
    changelist = admin_client.get(reverse(f"admin:patients_{model}_changelist"))
    change = admin_client.get(reverse(f"admin:patients_{model}_change", args=[record.pk]))
    history = admin_client.get(reverse(f"admin:patients_{model}_history", args=[record.pk]))
    delete = admin_client.post(
        reverse(f"admin:patients_{model}_delete", args=[record.pk]), {"post": "yes"}
    )
    edit = admin_client.post(reverse(f"admin:patients_{model}_change", args=[record.pk]), {})

    assert changelist.status_code == change.status_code == history.status_code == 200
    assert record.patient.mrn in changelist.content.decode()
    assert delete.status_code == 403 and edit.status_code == 403
    assert admin_client.get(reverse(f"admin:patients_{model}_add")).status_code == 403
    assert type(record).objects.filter(pk=record.pk).exists()


def test_the_schema_describes_the_bedside_endpoints():
    out = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    schema = yaml.safe_load(out.getvalue())
    paths = schema["paths"]
    for kind in ("vitals", "fluids", "labs", "medications", "events"):
        assert set(paths[f"/api/v1/patients/{{patient_id}}/{kind}/"]) == {"get", "post"}
        assert set(paths[f"/api/v1/{kind}/{{id}}/"]) == {"get"}
        assert set(paths[f"/api/v1/{kind}/{{id}}/entered-in-error/"]) == {"post"}
        listing = paths[f"/api/v1/patients/{{patient_id}}/{kind}/"]["get"]
        assert {"since", "until", "page"} <= {p["name"] for p in listing["parameters"]}
        assert {"200", "201", "400", "409"} <= set(
            paths[f"/api/v1/patients/{{patient_id}}/{kind}/"]["post"]["responses"]
        )
    components = schema["components"]["schemas"]
    vitals = components["VitalSigns"]["properties"]
    assert {"news2", "news2_missing", "vasopressors", "client_id", "taken_at"} <= set(vitals)
    assert components["OxygenDeviceEnum"]["enum"][0] == "room_air"
    assert components["LabResult"]["properties"]["value"]["oneOf"][1]["enum"] == [
        "positive",
        "negative",
    ]
