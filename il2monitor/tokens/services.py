"""Creating and revoking API tokens: the admin page and the management commands call these."""

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from il2monitor.tokens.models import KEY_PREFIX, ApiToken, TokenScope, key_digest, new_key

PREFIX_LENGTH = len(KEY_PREFIX) + 8


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    key: str  # shown once; only its digest is stored


def api_token_create(*, user: Any, name: str, scope: str, by: Any | None) -> IssuedToken:
    errors: dict[str, list[str]] = {}
    if scope not in TokenScope.values:
        errors["scope"] = [f"Scope must be one of: {', '.join(TokenScope.values)}."]
    if not name.strip():
        errors["name"] = ["Give the token a name: who or what uses it."]
    if not user.is_active:
        errors["user"] = ["This user is inactive."]
    if errors:
        raise ValidationError(errors)
    key = new_key()
    token = ApiToken.objects.create(
        user=user,
        name=name.strip(),
        scope=scope,
        prefix=key[:PREFIX_LENGTH],
        key_hash=key_digest(key),
        created_by=by,
    )
    return IssuedToken(token=token, key=key)


@transaction.atomic
def api_token_revoke(*, token: ApiToken, by: Any) -> bool:
    """Revoke the token; True if this call revoked it, False if it already was."""
    updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=by
    )
    token.refresh_from_db(fields=["revoked_at", "revoked_by"])
    return updated == 1
