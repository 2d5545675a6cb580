"""The OpenAPI schema as schemathesis reads it, for the response-conformance and fuzzing tests."""

import io
import json
from typing import Any

import pytest
import schemathesis
from django.core.management import call_command

# HL7 v2 bodies (POST /api/v1/hl7/v2/, docs/hl7.md) are text: sent as text/plain is.
for media_type in ("application/hl7-v2", "x-application/hl7-v2+er7"):
    schemathesis.serializer.alias(media_type, "text/plain")


@pytest.fixture(scope="module")
def openapi(django_db_blocker: Any) -> Any:
    with django_db_blocker.unblock():
        out = io.StringIO()
        call_command("spectacular", "--format", "openapi-json", stdout=out)
    return schemathesis.openapi.from_dict(json.loads(out.getvalue()))
