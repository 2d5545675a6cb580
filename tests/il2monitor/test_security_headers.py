"""Headers on every response (docs/architecture.md, "Security headers"), and error answers in
the caller's language: JSON under /api/, FHIR OperationOutcome under /fhir/, HTML elsewhere.

- Content-Security-Policy on every page: scripts from this server only, no inline script.
- Cache-Control: no-store on every page and API/FHIR answer (patient data).
"""

import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.support.api_world import World, build_world
from tests.support.paths import REPO

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.fixture
def signed_in(client: Client, world: World) -> Client:
    client.force_login(world.users["admin"])
    return client


def directives(response) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    policy = response["Content-Security-Policy"]
    parsed = {}
    for part in policy.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def pages(world: World) -> list[str]:
    patient = world.ids["patient"]
    return [
        reverse("patients:list"),
        reverse("patients:detail", args=[patient]),
        reverse("patients:bedside"),
        reverse("patients:bedside-patient", args=[patient]),
        reverse("patients:bedside-vitals", args=[patient]),
        reverse("therapy:board"),
        reverse("therapy:chart", args=[patient]),
        reverse("therapy:alert-inbox"),
        reverse("therapy:handover"),
        reverse("admin:index"),
        reverse("admin:patients_patient_changelist"),
        reverse("api:docs"),
    ]


def test_every_page_has_a_policy_allowing_scripts_from_this_server_only(signed_in, world):
    for url in pages(world):
        response = signed_in.get(url)
        assert response.status_code == 200, url
        policy = directives(response)
        assert policy["script-src"] == ["'self'"], url
        assert policy["default-src"] == ["'self'"] and policy["object-src"] == ["'none'"], url
        assert policy["frame-ancestors"] == ["'none'"], url
    assert directives(Client().get(reverse("login")))["script-src"] == ["'self'"]


def test_the_redoc_page_alone_allows_injected_styles_and_still_no_inline_script(signed_in):
    policy = directives(signed_in.get(reverse("api:redoc")))
    assert policy["script-src"] == ["'self'"]
    assert "'unsafe-inline'" in policy["style-src"]
    assert "blob:" in policy["worker-src"]


def test_no_template_has_an_inline_script_or_event_handler():
    found = []
    for template in (REPO / "templates").rglob("*.html"):
        text = template.read_text()
        for match in re.finditer(r"<script(?![^>]*\bsrc=)[^>]*>", text):
            found.append(f"{template.relative_to(REPO)}: {match.group(0)}")
        for match in re.finditer(r"\son[a-z]+\s*=", text):
            found.append(f"{template.relative_to(REPO)}: {match.group(0)}")
        if "javascript:" in text:
            found.append(f"{template.relative_to(REPO)}: javascript: URL")
    assert not found, "\n".join(found)


def test_no_store_on_pages_api_fhir_and_the_summary(signed_in, api_as, world):
    patient = world.ids["patient"]
    assert "no-store" in signed_in.get(reverse("patients:list"))["Cache-Control"]
    assert "no-store" in signed_in.get(reverse("therapy:board"))["Cache-Control"]
    api = api_as(world.users["nurse"])
    for url in (
        "/api/v1/patients/",
        f"/api/v1/patients/{patient}/vitals/",
        f"/api/v1/patients/{patient}/summary/",
        f"/fhir/r4/Patient/{patient}",
        f"/fhir/r4/Patient/{patient}/$summary",
        f"/fhir/r4/Observation?patient={patient}",
    ):
        response = api.get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"] == "no-store", url
    assert "no-store" in Client().get(reverse("login"))["Cache-Control"]


def test_static_files_are_served_before_the_headers_middleware(settings):
    """WhiteNoise answers static files itself, above the no-store and CSP middleware, so
    scripts and styles keep their long cache headers."""
    order = settings.MIDDLEWARE
    whitenoise = order.index("whitenoise.middleware.WhiteNoiseMiddleware")
    assert whitenoise < order.index("il2monitor.middleware.NoStoreMiddleware")
    assert whitenoise < order.index("csp.middleware.CSPMiddleware")


# --- Errors in the caller's language --------------------------------------------------------
def test_unknown_urls_answer_json_under_api_and_operation_outcome_under_fhir(client):
    api = client.get("/api/not-a-version/patients/")
    assert api.status_code == 404 and api["Content-Type"] == "application/json"
    assert api.json() == {"detail": "Not found."}
    fhir = client.get("/fhir/r5/Patient/1")
    assert fhir.status_code == 404 and fhir["Content-Type"] == "application/fhir+json"
    assert fhir.json()["resourceType"] == "OperationOutcome"
    assert fhir.json()["issue"][0]["code"] == "not-found"
    page = client.get("/no-such-page/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")


@pytest.fixture
def broken(monkeypatch):  # type: ignore[no-untyped-def]
    """Every selector of a patient raises: an unexpected server error."""
    from patients.selectors import patients as selectors

    def fail(**kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("an unexpected bug")

    monkeypatch.setattr(selectors, "patient_get", fail)


def test_a_server_error_is_json_under_api_operation_outcome_under_fhir_html_elsewhere(
    world, broken
):
    client = Client(raise_request_exception=False)
    client.force_login(world.users["admin"])
    patient = world.ids["patient"]

    api = client.get(f"/api/v1/patients/{patient}/vitals/")
    assert api.status_code == 500 and api["Content-Type"] == "application/json"
    assert "nothing was saved" in api.json()["detail"]
    fhir = client.get(f"/fhir/r4/Patient/{patient}")
    assert fhir.status_code == 500 and fhir["Content-Type"] == "application/fhir+json"
    assert json.loads(fhir.content)["issue"][0]["code"] == "exception"
    page = client.get(reverse("patients:detail", args=[patient]))
    assert page.status_code == 500 and page["Content-Type"].startswith("text/html")
    assert page["Cache-Control"] == "no-store" and "Content-Security-Policy" in page


@pytest.mark.parametrize(
    ("case", "method", "path", "headers", "status", "code"),
    [
        ("bad parameter", "get", "/fhir/r4/Observation?patient=x", {}, 400, "invalid"),
        ("no credentials", "get", "/fhir/r4/metadata", {"anonymous": True}, 401, "login"),
        ("no permission", "get", "/fhir/r4/metadata", {"user": "nobody"}, 403, "forbidden"),
        ("unknown id", "get", "/fhir/r4/Patient/{unknown}", {}, 404, "not-found"),
        ("unknown resource", "get", "/fhir/r4/Encounter", {}, 404, "not-found"),
        ("a write", "post", "/fhir/r4/Patient/{patient}", {}, 405, "not-supported"),
        ("a write to a search", "delete", "/fhir/r4/Flag", {}, 405, "not-supported"),
        ("unsupported format", "get", "/fhir/r4/metadata", {"accept": "text/csv"}, 406, None),
        ("a NUL in a parameter", "get", "/fhir/r4/Flag?patient=%00", {}, 400, "invalid"),
    ],
    ids=lambda value: value if isinstance(value, str) and " " in value else None,
)
def test_every_fhir_error_is_an_operation_outcome(
    world, make_user, case, method, path, headers, status, code
):
    client = Client()
    if headers.get("user") == "nobody":
        client.force_login(make_user(None, username="nobody"))
    elif not headers.get("anonymous"):
        client.force_login(world.users["nurse"])
    extra = {"HTTP_ACCEPT": headers["accept"]} if "accept" in headers else {}
    url = path.format(patient=world.ids["patient"], unknown="3f0b2c1e-0000-4000-8000-000000000000")

    response = getattr(client, method)(url, **extra)

    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/fhir+json", response["Content-Type"]
    body = json.loads(response.content)
    assert body["resourceType"] == "OperationOutcome" and body["issue"]
    if code is not None:
        assert body["issue"][0]["code"] == code
