"""What a token's scope allows, on top of what the user's role allows."""

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from il2monitor.tokens.models import ApiToken


class TokenScopePermission(BasePermission):
    """A read-only token may only read (GET, HEAD, OPTIONS), whatever the user's role may do.
    Sessions and read-write tokens pass; the role permission decides for them."""

    message = "This API token is read-only."

    def has_permission(self, request: Request, view: Any) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken) or not token.read_only:
            return True
        if request.method not in view.allowed_methods:
            return True  # let the view answer 405, as for everyone else
        return request.method in SAFE_METHODS
