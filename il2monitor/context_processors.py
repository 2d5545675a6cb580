from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from il2monitor.roles import user_roles


def _alert_badge(user: Any) -> dict[str, int]:
    """Active alerts for the header badge: one aggregate query, run only when a template
    shows the badge, and only for users who may see alerts."""
    if user is None or not user.is_authenticated or not user.has_perm("therapy.view_alert"):
        return {}
    from therapy.pages.inbox import active_alert_counts

    return active_alert_counts(user=user)


def site(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    return {
        "site_name": settings.SITE_NAME,
        "user_roles": user_roles(user) if user is not None and user.is_authenticated else [],
        "alert_badge": SimpleLazyObject(lambda: _alert_badge(user)),
    }
