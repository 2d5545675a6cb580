"""Roles are Django groups; what each may do is a set of permissions granted by migrations.

The grants themselves live in the data migrations (frozen in time, as migrations must be);
this module names the roles and gives the helper those migrations call.
"""

from collections.abc import Iterable, Mapping
from typing import Any

NURSE = "nurse"
PHYSICIAN = "physician"
PHARMACIST = "pharmacist"
API_CLIENT = "api_client"
ROLES = (NURSE, PHYSICIAN, PHARMACIST, API_CLIENT)
# Roles whose members may confirm a dose as the second checker (used by therapy).
CLINICAL_ROLES = (NURSE, PHYSICIAN)


def user_roles(user: Any) -> list[str]:
    """The role names of a user, in the order of ROLES; admins get ``admin`` first."""
    names = {group.name for group in user.groups.all()}
    roles = [role for role in ROLES if role in names]
    if user.is_superuser:
        roles.insert(0, "admin")
    return roles


def grant_permissions(apps: Any, grants: Mapping[str, Iterable[str]], *, app_label: str) -> None:
    """Create the role groups if needed and grant each the listed ``app.codename`` permissions.

    Called from data migrations. Permissions are normally created after all migrations by a
    post_migrate signal; create them for ``app_label`` first so the grant can find them.
    """
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config(app_label)
    models_module = getattr(app_config, "models_module", None)
    app_config.models_module = models_module or True  # a migration's stub lacks it
    try:
        create_permissions(app_config, apps=apps, verbosity=0)
    finally:
        app_config.models_module = models_module
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for role, perms in grants.items():
        group, _ = group_model.objects.get_or_create(name=role)
        for perm in perms:
            label, codename = perm.split(".")
            permission = permission_model.objects.get(
                content_type__app_label=label, codename=codename
            )
            group.permissions.add(permission)
