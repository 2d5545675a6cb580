"""The second checker of a dose: who may confirm, how their password is checked, and how
failed confirmations are throttled (api-contract.md "IL-2 therapy").

The password is checked with ``check_password``, not ``authenticate()``: django-axes counts
every failed ``authenticate()`` against the username, so a colleague mistyping five times at
the bedside would lock the checker out of their own sign-in. Failures are counted here instead,
per (nurse giving, checker's username), in the shared "throttle" cache: after
``IL2_VERIFIER_FAILURE_LIMIT`` failures within ``IL2_VERIFIER_FAILURE_WINDOW_MINUTES`` that
pair is blocked for ``IL2_VERIFIER_BLOCK_MINUTES``. A wrong password, an unknown username and
an account that may not check (inactive, not a nurse or physician, a superuser) all get the
same message, so the form cannot be used to probe accounts.
"""

import hashlib
import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.utils import timezone

from il2monitor.roles import CLINICAL_ROLES

logger = logging.getLogger(__name__)

REFUSED = (
    "The second checker could not be confirmed: the username or password is wrong, or the "
    "account is not an active nurse or physician."
)
NOT_SELF = "The second checker must be another person."


class VerificationBlocked(Exception):
    """Too many failed confirmations of one checker by one user: refused until ``until``."""

    def __init__(self, *, username: str, until: datetime) -> None:
        self.username, self.until = username, until
        limit = settings.IL2_VERIFIER_FAILURE_LIMIT
        at = timezone.localtime(until).strftime("%H:%M")
        super().__init__(
            f"Confirmation by the second checker {username!r} is blocked for you until {at}, "
            f"after {limit} failed attempts. Ask another nurse or physician to check the dose, "
            "or wait."
        )

    @property
    def message(self) -> str:
        return str(self.args[0])

    def seconds_left(self, now: datetime | None = None) -> int:
        left = (self.until - (now or timezone.now())).total_seconds()
        return max(1, int(left + 0.999))


def verifier_may_check(user: Any) -> bool:
    """An active nurse or physician by group. Not ``has_perm``: a superuser passes every
    permission check, and the IT superuser is not a second clinician."""
    return bool(
        user is not None
        and user.is_active
        and not user.is_superuser
        and user.groups.filter(name__in=CLINICAL_ROLES).exists()
    )


def verifier_refusal(*, by: Any, verifier: Any) -> dict[str, list[str]]:
    """Why ``verifier`` may not confirm a dose given by ``by``, as form errors; empty when
    they may. The role message is the wrong-password message (no account probing)."""
    if verifier is not None and verifier.pk == by.pk:
        return {"verifier": [NOT_SELF]}
    if not verifier_may_check(verifier):
        return {"verifier": [REFUSED]}
    return {}


def verifier_confirm(*, by: Any, username: str, password: str) -> Any:
    """The checker whose username and password were typed, when they may confirm a dose given
    by ``by``. Raises ValidationError on ``verifier`` (one message for every failure), or
    :class:`VerificationBlocked` once this pair has failed too often."""
    if username == by.get_username():
        raise ValidationError({"verifier": [NOT_SELF]})
    until = _blocked_until(by, username)
    if until is not None:
        raise VerificationBlocked(username=username, until=until)
    user_model = get_user_model()
    try:
        user = user_model._default_manager.get_by_natural_key(username)
    except user_model.DoesNotExist:
        user_model().set_password(password)  # as long as a real check: no timing probe
        user = None
    if user is not None and user.check_password(password) and verifier_may_check(user):
        _forget_failures(by, username)
        return user
    until = _count_failure(by, username)
    if until is not None:
        raise VerificationBlocked(username=username, until=until)
    raise ValidationError({"verifier": [REFUSED]})


def _key(kind: str, by: Any, username: str) -> str:
    pair = hashlib.sha256(f"{by.pk}\0{username.casefold()}".encode()).hexdigest()[:40]
    return f"verifier-{kind}:{pair}"


def _blocked_until(by: Any, username: str) -> datetime | None:
    try:
        stamp = caches["throttle"].get(_key("blocked", by, username))
    except Exception:  # a cache outage must not stop a dose being given (as the API throttle)
        logger.warning("verifier throttle unavailable: not checked", exc_info=True)
        return None
    if stamp is None:
        return None
    until = datetime.fromtimestamp(float(stamp), tz=timezone.get_current_timezone())
    return until if until > timezone.now() else None


def _count_failure(by: Any, username: str) -> datetime | None:
    """Count one failure; when it reaches the limit, block the pair and say until when."""
    cache = caches["throttle"]
    failures = _key("failures", by, username)
    window = settings.IL2_VERIFIER_FAILURE_WINDOW_MINUTES * 60
    try:
        cache.add(failures, 0, timeout=window)
        try:
            count = cache.incr(failures)
        except ValueError:  # the window ended between add and incr
            cache.set(failures, 1, timeout=window)
            count = 1
        if count < settings.IL2_VERIFIER_FAILURE_LIMIT:
            return None
        until = timezone.now() + timedelta(minutes=settings.IL2_VERIFIER_BLOCK_MINUTES)
        cache.set(
            _key("blocked", by, username),
            until.timestamp(),
            timeout=settings.IL2_VERIFIER_BLOCK_MINUTES * 60,
        )
        cache.delete(failures)
    except Exception:
        logger.warning("verifier throttle unavailable: failure not counted", exc_info=True)
        return None
    logger.warning("second-checker confirmation blocked for user %s", by.pk)
    return until


def _forget_failures(by: Any, username: str) -> None:
    try:
        caches["throttle"].delete(_key("failures", by, username))
    except Exception:
        logger.warning("verifier throttle unavailable: failures not reset", exc_info=True)
