"""The second checker of a dose (issue 11): an active nurse or physician other than the giver,
by group (a superuser, pharmacist or API client is refused); one message for a wrong password
and a wrong role; failures throttled per (giver, checker) without django-axes, so the checker's
own sign-in keeps working. API and page."""

import re
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from tests.support.factories import UserFactory
from tests.support.therapy_fixtures import order_course, record_vitals
from therapy.mar import courses, verifier
from therapy.mar.verifier import NOT_SELF, REFUSED, VerificationBlocked, verifier_confirm
from therapy.models import Dose, DoseStatus

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # tests/factories.py


@pytest.fixture(autouse=True)
def _fresh_throttle() -> Any:
    """Failures counted by one test must not block another (the test cache is in memory)."""
    cache = caches["throttle"]
    assert isinstance(cache, LocMemCache), "these tests clear the whole throttle cache"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def second_nurse(make_user):  # type: ignore[no-untyped-def]
    return make_user("nurse", username="nurse.two")


@pytest.fixture
def dose(admission, physician, nurse) -> Dose:  # type: ignore[no-untyped-def]
    course = order_course(admission.patient, physician)
    record_vitals(admission.patient, nurse, minutes_ago=20)
    return course.doses.get(cycle=1, number=1)


def administer(client: Any, dose: Dose, username: str, password: str = PASSWORD) -> Any:
    return client.post(
        f"/api/v1/doses/{dose.pk}/administer/",
        {
            "given_at": timezone.now().isoformat(),
            "verifier": {"username": username, "password": password},
        },
        format="json",
    )


def give_page(client: Any, dose: Dose, username: str, password: str, **extra: str) -> Any:
    form = {
        "given_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "verifier_username": username,
        "verifier_password": password,
        "override_reason": "",
        **extra,
    }
    return client.post(reverse("therapy:dose-give", args=[dose.pk]), form)


def given() -> int:
    return Dose.objects.filter(status=DoseStatus.GIVEN).count()


def until_said(start: datetime, end: datetime) -> set[str]:
    """The HH:MM a 15-minute block set between ``start`` and ``end`` can name."""
    return {
        timezone.localtime(moment + timedelta(minutes=15)).strftime("%H:%M")
        for moment in (start, end)
    }


# --- Who may check ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("role", "extra"),
    [
        ("admin", {}),  # the IT superuser
        ("pharmacist", {}),
        ("api_client", {}),
        (None, {}),  # no role at all
        ("nurse", {"is_active": False}),
        ("physician", {"is_active": False}),
    ],
)
def test_api_refuses_a_checker_who_is_not_an_active_nurse_or_physician(
    api_as, dose, nurse, role, extra
):
    UserFactory(role=role, username="the.checker", **extra)
    before = (given(), Dose.objects.count())

    response = administer(api_as(nurse), dose, "the.checker")

    assert response.status_code == 400 and response.json() == {"verifier": [REFUSED]}
    assert (given(), Dose.objects.count()) == before


def test_a_superuser_who_is_also_a_nurse_is_still_refused(api_as, dose, nurse):
    checker = UserFactory(role="admin", username="it.nurse")
    checker.groups.add(*nurse.groups.all())
    response = administer(api_as(nurse), dose, "it.nurse")
    assert response.status_code == 400 and response.json() == {"verifier": [REFUSED]}


@pytest.mark.parametrize("role", ["nurse", "physician"])
def test_an_active_nurse_or_physician_may_check(api_as, dose, nurse, role):
    UserFactory(role=role, username="the.checker")
    response = administer(api_as(nurse), dose, "the.checker")
    assert response.status_code == 200 and response.json()["verified_by"] == "the.checker"


def test_self_as_checker_is_refused(api_as, client, dose, nurse):
    response = administer(api_as(nurse), dose, "nurse.one")
    assert response.status_code == 400 and response.json() == {"verifier": [NOT_SELF]}
    client.force_login(nurse)
    page = give_page(client, dose, "nurse.one", PASSWORD)
    assert page.status_code == 400 and NOT_SELF in page.content.decode()
    assert given() == 0


def test_the_service_refuses_the_same_checkers_as_the_api(dose, nurse, pharmacist, make_user):
    superuser = make_user("admin", username="it.admin")
    for checker in (superuser, pharmacist, None):
        with pytest.raises(ValidationError) as caught:
            courses.dose_administer(dose=dose, by=nurse, verifier=checker, given_at=timezone.now())
        assert caught.value.message_dict == {"verifier": [REFUSED]}
    with pytest.raises(ValidationError) as caught:
        courses.dose_administer(dose=dose, by=nurse, verifier=nurse, given_at=timezone.now())
    assert caught.value.message_dict == {"verifier": [NOT_SELF]}
    assert given() == 0


def test_one_message_for_a_wrong_password_a_wrong_role_and_an_unknown_name(
    api_as, dose, nurse, second_nurse, pharmacist
):
    client = api_as(nurse)
    wrong_password = administer(client, dose, "nurse.two", "not-the-password")
    wrong_role = administer(client, dose, "pharm.one", PASSWORD)  # the right password
    unknown = administer(client, dose, "nobody.here", PASSWORD)
    assert wrong_password.status_code == wrong_role.status_code == unknown.status_code == 400
    assert wrong_password.json() == wrong_role.json() == unknown.json() == {"verifier": [REFUSED]}


def test_page_one_message_for_a_wrong_password_and_a_wrong_role(
    client, dose, nurse, second_nurse, pharmacist
):
    client.force_login(nurse)
    wrong_password = give_page(client, dose, "nurse.two", "not-the-password")
    wrong_role = give_page(client, dose, "pharm.one", PASSWORD)
    for page in (wrong_password, wrong_role):
        assert page.status_code == 400
        assert page.context["form"].errors == {"verifier_password": [REFUSED]}
    assert given() == 0


# --- Failed confirmations: throttled here, never by django-axes ---------------------------------
def test_failures_block_the_pair_and_the_checker_can_still_sign_in(
    api_as, client, dose, nurse, second_nurse, settings, make_user
):
    api = api_as(nurse)
    start = timezone.now()
    statuses = [
        administer(api, dose, "nurse.two", f"wrong-{n}").status_code
        for n in range(settings.IL2_VERIFIER_FAILURE_LIMIT + 1)
    ]
    end = timezone.now()
    assert statuses == [400] * (settings.IL2_VERIFIER_FAILURE_LIMIT - 1) + [429, 429]

    blocked = administer(api, dose, "nurse.two")  # the right password, still blocked
    assert blocked.status_code == 429 and int(blocked["Retry-After"]) > 0
    detail = blocked.json()["detail"]
    assert "'nurse.two' is blocked for you until" in detail
    assert re.search(r"until (\d\d:\d\d)", detail)[1] in until_said(start, end)  # type: ignore[index]
    assert given() == 0

    # django-axes saw nothing, and the checker signs in as usual.
    assert AccessAttempt.objects.count() == AccessFailureLog.objects.count() == 0
    signed_in = client.post(reverse("login"), {"username": "nurse.two", "password": PASSWORD})
    assert signed_in.status_code == 302 and signed_in["Location"] == reverse("home")

    # Another nurse may still be checked by nurse.two: the block is the pair's.
    other = make_user("nurse", username="nurse.three")
    assert administer(api_as(other), dose, "nurse.two").status_code == 200


def test_the_limit_and_block_are_settings(api_as, dose, nurse, second_nurse, settings):
    settings.IL2_VERIFIER_FAILURE_LIMIT = 2
    settings.IL2_VERIFIER_BLOCK_MINUTES = 1
    api = api_as(nurse)
    assert administer(api, dose, "nurse.two", "wrong").status_code == 400
    assert administer(api, dose, "nurse.two", "wrong").status_code == 429
    assert int(administer(api, dose, "nurse.two")["Retry-After"]) <= 60


def test_a_confirmation_resets_the_count(nurse, second_nurse):
    for _ in range(4):
        with pytest.raises(ValidationError):
            verifier_confirm(by=nurse, username="nurse.two", password="wrong")
    assert verifier_confirm(by=nurse, username="nurse.two", password=PASSWORD) == second_nurse
    for _ in range(4):
        with pytest.raises(ValidationError):
            verifier_confirm(by=nurse, username="nurse.two", password="wrong")
    with pytest.raises(VerificationBlocked):
        verifier_confirm(by=nurse, username="nurse.two", password="wrong")


def test_the_block_ends_when_its_time_has_passed(nurse, second_nurse, settings):
    settings.IL2_VERIFIER_FAILURE_LIMIT = 1
    with pytest.raises(VerificationBlocked) as caught:
        verifier_confirm(by=nurse, username="nurse.two", password="wrong")
    with pytest.raises(VerificationBlocked):
        verifier_confirm(by=nurse, username="nurse.two", password=PASSWORD)
    # The stored end of the block is past (as 15 minutes later): the pair may confirm again.
    past = caught.value.until - timedelta(minutes=16)
    caches["throttle"].set(verifier._key("blocked", nurse, "nurse.two"), past.timestamp())
    assert verifier_confirm(by=nurse, username="nurse.two", password=PASSWORD) == second_nurse


def test_the_throttle_counts_in_redis_when_there_is_one(nurse, second_nurse, settings):
    """Production counts in Redis, shared by every web worker: the same flow against the
    machine's Redis (a prefix of its own, so no other run's keys count)."""
    settings.CACHES = {
        **settings.CACHES,
        "throttle": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": settings.REDIS_URL,
            "KEY_PREFIX": f"test-verifier-{uuid.uuid4().hex}",
        },
    }
    settings.IL2_VERIFIER_FAILURE_LIMIT = 3
    assert type(caches["throttle"]).__name__ == "RedisCache"
    try:
        for _ in range(2):
            with pytest.raises(ValidationError):
                verifier_confirm(by=nurse, username="nurse.two", password="wrong")
        with pytest.raises(VerificationBlocked):
            verifier_confirm(by=nurse, username="nurse.two", password="wrong")
        with pytest.raises(VerificationBlocked):
            verifier_confirm(by=nurse, username="nurse.two", password=PASSWORD)
    finally:
        caches["throttle"].clear()


def test_a_cache_outage_never_stops_a_dose(api_as, dose, nurse, second_nurse, settings):
    """As the API token throttle: without the cache the check still runs, unthrottled."""
    settings.CACHES = {
        **settings.CACHES,
        "throttle": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        },
    }
    api = api_as(nurse)
    assert administer(api, dose, "nurse.two", "wrong").status_code == 400
    assert administer(api, dose, "nurse.two").status_code == 200


# --- The give page keeps what was typed ----------------------------------------------------------
def test_give_page_keeps_what_was_typed_but_never_the_password(
    client, dose, physician, second_nurse
):
    client.force_login(physician)
    typed_at = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    page = give_page(
        client,
        dose,
        "nurse.two",
        "a-wrong-secret-123",
        given_at=typed_at,
        override_reason="Rigors settled, BP stable",
    )
    html = page.content.decode()
    assert page.status_code == 400 and REFUSED in html
    assert f'value="{typed_at}"' in html
    assert 'value="nurse.two"' in html
    assert "Rigors settled, BP stable" in html
    assert "a-wrong-secret-123" not in html


def test_give_page_says_whose_confirmation_is_blocked_and_keeps_the_form(
    client, dose, nurse, second_nurse, settings
):
    client.force_login(nurse)
    typed_at = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    start = timezone.now()
    for _ in range(settings.IL2_VERIFIER_FAILURE_LIMIT - 1):
        assert give_page(client, dose, "nurse.two", "wrong").status_code == 400
    page = give_page(client, dose, "nurse.two", "wrong-again", given_at=typed_at)
    end = timezone.now()

    html = page.content.decode()
    assert page.status_code == 429
    (message,) = page.context["form"].errors["verifier_username"]
    assert "'nurse.two' is blocked for you until" in message
    assert re.search(r"until (\d\d:\d\d)", message)[1] in until_said(start, end)  # type: ignore[index]
    assert f'value="{typed_at}"' in html and 'value="nurse.two"' in html
    assert "wrong-again" not in html
    # The right password now: still blocked, nothing given.
    assert give_page(client, dose, "nurse.two", PASSWORD).status_code == 429
    assert given() == 0
    assert AccessAttempt.objects.filter(username="nurse.two").count() == 0
