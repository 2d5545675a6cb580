"""How the FHIR endpoints' bodies appear in the OpenAPI schema: the outline of each resource
(the FHIR R4 specification is the full definition), enough for a client, a code generator and
the response-conformance tests. No enums here: ``resourceType`` and bundle ``type`` are
pinned with a pattern, so the REST API's enum names stay as they are."""

from typing import Any

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from il2monitor.openapi import ErrorShapes


def pinned(value: str, help_text: str = "") -> serializers.RegexField:
    return serializers.RegexField(rf"^{value}$", help_text=help_text or f"Always `{value}`.")


def objects(help_text: str = "", required: bool = True) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.DictField(), help_text=help_text, required=required
    )


class FhirAnyResourceSerializer(serializers.Serializer[Any]):
    resourceType = serializers.CharField(help_text="A FHIR R4 resource of this type.")
    id = serializers.CharField(required=False)


class FhirBundleEntrySerializer(serializers.Serializer[Any]):
    fullUrl = serializers.CharField()
    resource = FhirAnyResourceSerializer()
    search = serializers.DictField(required=False)


@extend_schema_serializer(component_name="FhirResource")
class FhirResourceSerializer(serializers.Serializer[Any]):
    """A FHIR R4 resource read by id (Observation, MedicationAdministration, Flag, Condition):
    the R4 specification of its type is the full definition."""

    resourceType = serializers.CharField()
    id = serializers.CharField()
    meta = serializers.DictField(required=False)


@extend_schema_serializer(component_name="FhirPatient")
class FhirPatientSerializer(serializers.Serializer[Any]):
    """A FHIR R4 Patient (https://hl7.org/fhir/R4/patient.html)."""

    resourceType = pinned("Patient")
    id = serializers.UUIDField()
    meta = serializers.DictField(required=False)
    identifier = objects("The MRN, type MR (v2-0203).")
    active = serializers.BooleanField()
    name = objects()
    gender = serializers.CharField(help_text="female, male, other or unknown.")
    birthDate = serializers.DateField()


@extend_schema_serializer(component_name="FhirSearchsetBundle")
class FhirSearchBundleSerializer(serializers.Serializer[Any]):
    """A FHIR R4 search-set Bundle: ``total`` matches, pages linked by ``link``."""

    resourceType = pinned("Bundle")
    id = serializers.CharField()
    meta = serializers.DictField(required=False)
    type = pinned("searchset")
    total = serializers.IntegerField(min_value=0)
    link = objects("`self`, and `next` / `previous` between pages.")
    entry = FhirBundleEntrySerializer(many=True)


@extend_schema_serializer(component_name="FhirDocumentBundle")
class FhirDocumentBundleSerializer(serializers.Serializer[Any]):
    """A FHIR R4 document Bundle: a Composition (LOINC 60591-5) first, then its resources."""

    resourceType = pinned("Bundle")
    id = serializers.CharField()
    meta = serializers.DictField(required=False)
    identifier = serializers.DictField()
    type = pinned("document")
    timestamp = serializers.CharField()
    entry = FhirBundleEntrySerializer(many=True)


@extend_schema_serializer(component_name="FhirCapabilityStatement")
class FhirCapabilityStatementSerializer(serializers.Serializer[Any]):
    resourceType = pinned("CapabilityStatement")
    status = serializers.CharField()
    date = serializers.CharField()
    kind = serializers.CharField()
    fhirVersion = serializers.CharField()
    format = serializers.ListField(child=serializers.CharField())
    rest = objects()


class OperationOutcomeIssueSerializer(serializers.Serializer[Any]):
    severity = serializers.CharField(help_text="error")
    code = serializers.CharField(help_text="invalid, login, forbidden, not-found, ...")
    diagnostics = serializers.CharField()
    expression = serializers.ListField(child=serializers.CharField(), required=False)


@extend_schema_serializer(component_name="FhirOperationOutcome")
class OperationOutcomeSerializer(serializers.Serializer[Any]):
    """Every FHIR error: what went wrong, one issue per problem (per field for bad input)."""

    resourceType = pinned("OperationOutcome")
    issue = OperationOutcomeIssueSerializer(many=True)


class FhirErrorShapes(ErrorShapes):
    detail = OperationOutcomeSerializer
    validation = OperationOutcomeSerializer
    conflict = OperationOutcomeSerializer


# Django's route → OpenAPI path conversion drops "$" (read as a regex anchor); FHIR operation
# names start with it. Paths as generated → as served.
OPERATION_PATHS = {
    "/fhir/r4/Patient/{patient_id}/summary": "/fhir/r4/Patient/{patient_id}/$summary",
}


def restore_operation_paths(
    result: dict[str, Any], generator: object, request: object, public: bool
) -> dict[str, Any]:
    """drf-spectacular post-processing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"])."""
    paths = result.get("paths", {})
    result["paths"] = {OPERATION_PATHS.get(path, path): item for path, item in paths.items()}
    return result
