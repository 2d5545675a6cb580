"""FHIR R4 export, read-only, at /fhir/r4/ (api-contract.md, "FHIR R4"; docs/fhir.md).

``codes`` holds every code system and code used, with its source; ``resources`` maps model
rows to resources (plain dicts, nothing else); ``bundles`` builds search and document bundles;
``views`` serves them as ``application/fhir+json`` with ``OperationOutcome`` for errors."""
