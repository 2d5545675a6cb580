"""The OpenAPI schema as schemathesis reads it, for the response-conformance and fuzzing tests."""

import io
import json
from typing import Any

import pytest
import schemathesis
from django.core.management import call_command


@pytest.fixture(scope="module")
def openapi(django_db_blocker: Any) -> Any:
    with django_db_blocker.unblock():
        out = io.StringIO()
        call_command("spectacular", "--format", "openapi-json", stdout=out)
    return schemathesis.openapi.from_dict(json.loads(out.getvalue()))
