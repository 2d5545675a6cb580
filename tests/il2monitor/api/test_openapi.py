"""The OpenAPI schema generates cleanly and describes the contract; the docs page is self-hosted."""

import io

import pytest
import yaml
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def generate_schema() -> dict:
    out = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    return yaml.safe_load(out.getvalue())


def test_schema_validates_without_warnings_and_has_the_patient_endpoints():
    schema = generate_schema()

    paths = schema["paths"]
    assert set(paths["/api/v1/patients/"]) == {"get", "post"}
    assert set(paths["/api/v1/patients/{id}/"]) == {"get", "patch"}
    assert set(paths["/api/v1/patients/{patient_id}/admissions/"]) == {"get", "post"}
    assert "post" in paths["/api/v1/admissions/{id}/discharge/"]
    patient = schema["components"]["schemas"]["Patient"]["properties"]
    assert patient["id"]["format"] == "uuid" and patient["id"]["readOnly"]
    sex = schema["components"]["schemas"]["SexEnum"]["enum"]
    assert sex == ["female", "male", "other", "unknown"]
    assert {"tokenAuth", "cookieAuth"} <= set(schema["components"]["securitySchemes"])


def test_schema_and_docs_need_login_and_load_nothing_from_a_cdn(client, nurse):
    anonymous = client.get("/api/v1/schema/")
    assert anonymous.status_code == 401, anonymous.status_code
    client.force_login(nurse)
    docs = client.get("/api/v1/docs/").content.decode()
    assert "swagger-ui" in docs
    assert "cdn" not in docs.lower() and "unpkg" not in docs.lower()
    assert client.get("/api/v1/schema/").status_code == 200
