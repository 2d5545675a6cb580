from typing import Any

from rest_framework.permissions import DjangoModelPermissions
from rest_framework.request import Request


class RolePermission(DjangoModelPermissions):
    """An authenticated user holding the permission the request needs, granted by role.

    By default the permission follows the view's model and the HTTP method (reading needs the
    ``view_`` permission too). A view may name its own with ``required_permissions``, a mapping
    of HTTP method to permission names.
    """

    perms_map = {
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": [],
        "POST": ["%(app_label)s.add_%(model_name)s"],
        "PUT": ["%(app_label)s.change_%(model_name)s"],
        "PATCH": ["%(app_label)s.change_%(model_name)s"],
        "DELETE": ["%(app_label)s.delete_%(model_name)s"],
    }

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            return False
        if request.method not in view.allowed_methods:
            return True  # let the view answer 405 Method Not Allowed
        explicit = getattr(view, "required_permissions", None)
        if explicit is not None:
            if request.method == "OPTIONS":
                return True
            perms = explicit.get(request.method)
            if perms is None:
                return False
            return bool(user.has_perms(perms))
        return super().has_permission(request, view)
