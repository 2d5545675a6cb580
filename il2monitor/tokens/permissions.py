"""What a token's scope allows, on top of what the user's role allows."""

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from il2monitor.tokens.models import ApiToken

READ_ONLY = "This API token is read-only."
DEVICE_FEED_ONLY = "This API token is a device feed: it may only post HL7 v2 messages."
DEVICE_FEED_NEEDED = "Only an API token with the device_feed scope may post HL7 v2 messages."


class TokenScopePermission(BasePermission):
    """A read-only token may only read (GET, HEAD, OPTIONS), whatever the user's role may do;
    a device-feed token may only reach a view that takes device feeds (``takes_device_feed``).
    Sessions and read-write tokens pass; the role permission decides for them."""

    message = READ_ONLY

    def has_permission(self, request: Request, view: Any) -> bool:
        token = request.auth
        if isinstance(token, ApiToken) and token.device_feed:
            self.message = DEVICE_FEED_ONLY
            return bool(getattr(view, "takes_device_feed", False))
        if not isinstance(token, ApiToken) or not token.read_only:
            return True
        if request.method not in view.allowed_methods:
            return True  # let the view answer 405, as for everyone else
        return request.method in SAFE_METHODS


class DeviceFeedOnly(BasePermission):
    """The HL7 v2 endpoint: a device-feed token alone (not a session, not another token), so
    that a monitor gateway's key is the only way in and can do nothing else."""

    message = DEVICE_FEED_NEEDED

    def has_permission(self, request: Request, view: Any) -> bool:
        token = request.auth
        return isinstance(token, ApiToken) and token.device_feed
