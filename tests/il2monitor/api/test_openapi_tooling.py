"""The generated OpenAPI schema as other tools read it (issue 15 item 5): openapi-spec-validator
finds nothing, Redocly's recommended rules (tools/openapi/redocly.yaml) report zero errors, every
array has its ``items`` and no ``nullable`` lacks a ``type`` beside it. A client generated from it
is tested over a socket in tests/e2e/test_generated_client.py."""

import io
import json
import subprocess
from typing import Any

import pytest
from django.core.management import call_command
from openapi_spec_validator import validate

from tests.support.paths import REPO

pytestmark = pytest.mark.django_db

REDOCLY = REPO / "tools" / "openapi" / "node_modules" / ".bin" / "redocly"


def generated_schema() -> dict[str, Any]:
    out = io.StringIO()
    call_command("spectacular", "--format", "openapi-json", "--fail-on-warn", stdout=out)
    return json.loads(out.getvalue())


def walk(node: Any, pointer: str = "#") -> Any:
    if isinstance(node, dict):
        yield pointer, node
        for key, value in node.items():
            yield from walk(value, f"{pointer}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, f"{pointer}/{index}")


def test_openapi_spec_validator_finds_nothing():
    validate(generated_schema())  # raises on the first problem


def test_every_array_has_items_and_every_nullable_a_type():
    schema = generated_schema()
    no_items = [p for p, n in walk(schema) if n.get("type") == "array" and "items" not in n]
    untyped = [p for p, n in walk(schema) if n.get("nullable") is True and "type" not in n]
    assert no_items == []
    assert untyped == []
    validation = schema["components"]["schemas"]["ValidationError"]
    kinds = validation["additionalProperties"]["anyOf"]
    assert {"type": "array", "items": {"type": "string"}} in kinds
    assert {"type": "array", "items": {"type": "object"}} in kinds
    # Null stays allowed, as a choice a generator reads as "or None".
    null = {"$ref": "#/components/schemas/NullEnum"}
    assert schema["components"]["schemas"]["NullEnum"] == {"enum": [None]}
    summary = schema["components"]["schemas"]["PatientSummary"]["properties"]
    assert summary["admission"]["oneOf"] == [{"$ref": "#/components/schemas/Admission"}, null]
    device = schema["components"]["schemas"]["VitalSigns"]["properties"]["oxygen_device"]
    assert null in device["oneOf"]


def test_every_operation_has_a_unique_summary():
    schema = generated_schema()
    summaries = [
        operation["summary"]
        for item in schema["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict) and "operationId" in operation
    ]
    assert len(summaries) > 40 and all(summaries)
    assert len(set(summaries)) == len(summaries)


def test_redocly_lint_reports_zero_errors(tmp_path):
    # make test installs it (tools/openapi, npm ci): missing is a failure, never a skip.
    assert REDOCLY.exists(), f"{REDOCLY} missing: run `make openapi-tools`"
    path = tmp_path / "openapi.json"
    path.write_text(json.dumps(generated_schema()))
    done = subprocess.run(
        [str(REDOCLY), "lint", str(path), "--format=json"],
        cwd=REDOCLY.parents[2],  # redocly.yaml there
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    report = json.loads(done.stdout)
    errors = [
        (p["ruleId"], p["message"], p["location"][0]["pointer"])
        for p in report["problems"]
        if p["severity"] == "error"
    ]
    assert errors == []
    assert report["totals"]["errors"] == 0 and done.returncode == 0
