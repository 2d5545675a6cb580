"""``Authorization: Token <key>`` against the hashed API tokens."""

from typing import Any

from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from il2monitor.tokens.models import ApiToken, key_digest


class ApiTokenAuthentication(TokenAuthentication):
    """DRF's header parsing (``Token <key>``, same errors), our token model: a revoked token or
    an inactive user is a 401. ``request.auth`` is the ``ApiToken``, for the scope permission
    and the throttle."""

    keyword = "Token"

    def authenticate_credentials(self, key: str) -> tuple[Any, ApiToken]:
        token = ApiToken.objects.select_related("user").filter(key_hash=key_digest(key)).first()
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid token.")
        if not token.is_active:
            raise exceptions.AuthenticationFailed("This token has been revoked.")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        now = timezone.now()
        if token.needs_last_used_write(now):
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return token.user, token
