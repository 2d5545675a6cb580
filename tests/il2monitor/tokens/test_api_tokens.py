"""API tokens (docs/tokens.md): created by an admin (admin page, management command), stored
hashed, scoped read-only or read-write, revocable, with their last use, throttled per token."""

import hashlib
import io
import re
from datetime import timedelta

import pytest
from django.core.cache import caches
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from il2monitor.tokens.models import ApiToken
from il2monitor.tokens.services import api_token_create, api_token_revoke
from patients.models import Patient

pytestmark = pytest.mark.django_db

PATIENTS = "/api/v1/patients/"
NEW_PATIENT = {
    "mrn": "TOK-1",
    "given_name": "Ada",
    "family_name": "Okafor",
    "birth_date": "1961-03-14",
    "diagnosis": "metastatic_melanoma",
    "baseline_weight_kg": "68.4",
}


def client_with(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def issue(user, scope="read", name="registry"):  # type: ignore[no-untyped-def]
    return api_token_create(user=user, name=name, scope=scope, by=None)


def test_the_key_is_shown_once_and_only_its_digest_is_stored(api_reader):
    issued = issue(api_reader)

    token = ApiToken.objects.get(pk=issued.token.pk)
    assert issued.key.startswith("il2_") and len(issued.key) >= 40
    assert token.key_hash == hashlib.sha256(issued.key.encode()).hexdigest()
    assert token.prefix == issued.key[:12]
    stored = " ".join(
        str(v) for v in ApiToken.objects.filter(pk=token.pk).values().first().values()
    )
    assert issued.key not in stored
    assert issue(api_reader).key != issued.key


def test_a_read_only_token_may_only_read_whatever_the_users_role(nurse):
    client = client_with(issue(nurse, scope="read").key)

    assert client.get(PATIENTS).status_code == 200
    response = client.post(PATIENTS, NEW_PATIENT, format="json")
    assert response.status_code == 403
    assert response.json() == {"detail": "This API token is read-only."}
    assert not Patient.objects.filter(mrn="TOK-1").exists()
    assert client.put(PATIENTS, NEW_PATIENT, format="json").status_code == 405


def test_a_read_write_token_acts_with_the_users_role(nurse, api_reader):
    assert (
        client_with(issue(nurse, scope="read_write").key)
        .post(PATIENTS, NEW_PATIENT, format="json")
        .status_code
        == 201
    )
    # The API client role may only read: a read-write token does not widen it.
    reader = client_with(issue(api_reader, scope="read_write").key)
    response = reader.post(PATIENTS, {**NEW_PATIENT, "mrn": "TOK-2"}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"] != "This API token is read-only."


def test_revoked_tokens_bad_keys_and_inactive_users_get_401(api_reader, make_user):
    issued = issue(api_reader)
    client = client_with(issued.key)
    assert client.get(PATIENTS).status_code == 200

    admin = make_user("admin", username="token.admin")
    assert api_token_revoke(token=issued.token, by=admin) is True
    assert api_token_revoke(token=issued.token, by=admin) is False  # once

    response = client.get(PATIENTS)
    assert response.status_code == 401
    assert response.json() == {"detail": "This token has been revoked."}
    assert response["WWW-Authenticate"] == "Token"
    assert client_with("il2_not-a-real-key").get(PATIENTS).status_code == 401
    for header in ("Token", "Token two parts", "Token \u00e9\u00e9"):
        assert APIClient(HTTP_AUTHORIZATION=header).get(PATIENTS).status_code == 401
    other = make_user("api_client", username="gone")
    key = issue(other).key
    other.is_active = False
    other.save()
    assert client_with(key).get(PATIENTS).status_code == 401


def test_last_used_is_written_on_use_at_most_once_a_minute(api_reader, django_assert_num_queries):
    issued = issue(api_reader)
    client = client_with(issued.key)
    assert ApiToken.objects.get(pk=issued.token.pk).last_used_at is None

    client.get(PATIENTS)
    first = ApiToken.objects.get(pk=issued.token.pk).last_used_at
    assert first is not None and timezone.now() - first < timedelta(seconds=10)
    client.get(PATIENTS)
    assert ApiToken.objects.get(pk=issued.token.pk).last_used_at == first

    an_hour_ago = timezone.now() - timedelta(hours=1)
    ApiToken.objects.filter(pk=issued.token.pk).update(last_used_at=an_hour_ago)
    client.get(PATIENTS)
    assert ApiToken.objects.get(pk=issued.token.pk).last_used_at > an_hour_ago


def test_each_token_is_throttled_on_its_own(api_reader, nurse, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_token": "3/min"},
    }
    busy = client_with(issue(api_reader).key)
    for _ in range(3):
        assert busy.get(PATIENTS).status_code == 200

    refused = busy.get(PATIENTS)
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    assert "throttled" in refused.json()["detail"].lower()
    assert client_with(issue(api_reader, name="other").key).get(PATIENTS).status_code == 200
    session = APIClient()
    session.force_login(nurse)
    assert all(session.get(PATIENTS).status_code == 200 for _ in range(5))  # not throttled


def test_the_throttle_lets_requests_through_when_its_cache_is_down(
    api_reader, monkeypatch, settings
):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_token": "1/min"},
    }

    def down(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise ConnectionError("redis is down")

    monkeypatch.setattr(caches["throttle"], "incr", down)
    client = client_with(issue(api_reader).key)
    assert [client.get(PATIENTS).status_code for _ in range(3)] == [200, 200, 200]


# --- Management commands --------------------------------------------------------------------
def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_create_list_and_revoke_from_the_command_line(nurse, make_user):
    make_user("admin", username="ward.admin")
    out, err = run(
        "api_token_create", "nurse.one", "--name", "Integration engine", "--scope", "read_write"
    )
    key = out.strip()
    token = ApiToken.objects.get(key_hash=hashlib.sha256(key.encode()).hexdigest())
    assert (token.user, token.scope, token.name) == (nurse, "read_write", "Integration engine")
    assert "shown once" in err and key not in err
    assert client_with(key).post(PATIENTS, NEW_PATIENT, format="json").status_code == 201

    listing, _ = run("api_token_list")
    assert token.prefix in listing and key not in listing and "nurse.one" in listing

    out, _ = run("api_token_revoke", token.prefix, "--by", "ward.admin")
    assert "Revoked" in out
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by.username == "ward.admin"
    assert client_with(key).get(PATIENTS).status_code == 401
    assert token.prefix not in run("api_token_list")[0]
    assert token.prefix in run("api_token_list", "--all")[0]
    assert "already revoked" in run("api_token_revoke", str(token.pk), "--by", "ward.admin")[0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("api_token_create", "nobody", "--name", "x"), "No such user"),
        (("api_token_create", "nurse.one", "--name", "  "), "Give the token a name"),
        (("api_token_create", "nurse.one", "--name", "x", "--scope", "all"), "invalid choice"),
        (("api_token_revoke", "il2_nothing", "--by", "nurse.one"), "No token il2_nothing"),
        (("api_token_revoke", "il2_x", "--by", "nobody"), "No such user"),
    ],
)
def test_command_errors_say_what_is_wrong(nurse, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert not ApiToken.objects.exists()


# --- The admin page --------------------------------------------------------------------------
@pytest.fixture
def admin_client(client, make_user):  # type: ignore[no-untyped-def]
    admin = make_user("admin", username="ward.admin")
    client.force_login(admin)
    client.admin = admin
    return client


def test_an_admin_creates_a_token_and_sees_its_key_once(admin_client, api_reader):
    response = admin_client.post(
        reverse("admin:tokens_apitoken_add"),
        {"user": api_reader.pk, "name": "Oncology registry", "scope": "read"},
        follow=True,
    )

    assert response.status_code == 200
    page = response.content.decode()
    key = re.search(r"(il2_[A-Za-z0-9_\-]{43})", page).group(1)
    token = ApiToken.objects.get()
    assert token.created_by == admin_client.admin and token.name == "Oncology registry"
    assert client_with(key).get(PATIENTS).status_code == 200
    change = admin_client.get(reverse("admin:tokens_apitoken_change", args=[token.pk]))
    assert change.status_code == 200 and key not in change.content.decode()
    assert (
        token.prefix
        in admin_client.get(reverse("admin:tokens_apitoken_changelist")).content.decode()
    )


def test_the_admin_revokes_but_never_deletes(admin_client, api_reader):
    issued = issue(api_reader)
    changelist = reverse("admin:tokens_apitoken_changelist")

    admin_client.post(changelist, {"action": "revoke", "_selected_action": [issued.token.pk]})

    issued.token.refresh_from_db()
    assert issued.token.revoked_by == admin_client.admin
    assert client_with(issued.key).get(PATIENTS).status_code == 401
    delete = reverse("admin:tokens_apitoken_delete", args=[issued.token.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert ApiToken.objects.filter(pk=issued.token.pk).exists()


def test_the_admin_refuses_a_token_for_an_inactive_user(admin_client, make_user):
    gone = make_user("api_client", username="gone", is_active=False)
    response = admin_client.post(
        reverse("admin:tokens_apitoken_add"), {"user": gone.pk, "name": "x", "scope": "read"}
    )
    assert response.status_code == 200 and "This user is inactive." in response.content.decode()
    assert not ApiToken.objects.exists()


def test_the_demo_ward_prints_a_read_only_token_that_works(settings):
    settings.DEBUG = True
    out, _ = run("demo_ward")

    key = re.search(r"API token for api\.registry: (\S+)", out).group(1)
    client = client_with(key)
    assert client.get(PATIENTS).json()["count"] == 12
    assert client.post(PATIENTS, NEW_PATIENT, format="json").status_code == 403
