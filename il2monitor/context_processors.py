from django.conf import settings
from django.http import HttpRequest

from il2monitor.roles import user_roles


def site(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    return {
        "site_name": settings.SITE_NAME,
        "user_roles": user_roles(user) if user is not None and user.is_authenticated else [],
    }
