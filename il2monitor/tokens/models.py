"""API tokens. The key is shown once, when the token is created; only its SHA-256 digest is
stored (a key is 256 random bits, so a fast digest is enough: there is nothing to guess)."""

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q

KEY_PREFIX = "il2_"
# Up to this stale, the last-used time is not written again: one write a minute per token at
# most, instead of one per request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class TokenScope(models.TextChoices):
    READ = "read", "Read only"
    READ_WRITE = "read_write", "Read and write (with the user's role)"
    # A monitor gateway: may post HL7 v2 vitals (docs/hl7.md) and nothing else.
    DEVICE_FEED = "device_feed", "Device feed (HL7 v2 vitals only)"


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


class ApiToken(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="api_tokens",
        help_text="The token acts as this user, with the user's role.",
    )
    name = models.CharField(
        max_length=100, help_text="Who or what uses it, e.g. 'Oncology registry export'."
    )
    scope = models.CharField(
        max_length=12,
        choices=TokenScope.choices,
        default=TokenScope.READ,
        help_text="Read only: GET alone, whatever the user's role may do. Device feed: the "
        "HL7 v2 endpoint alone.",
    )
    prefix = models.CharField(
        max_length=12, editable=False, help_text="The key's first characters, to recognise it."
    )
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )

    class Meta:
        verbose_name = "API token"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(scope__in=TokenScope.values), name="api_token_scope_valid"
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | Q(revoked_by__isnull=False),
                name="api_token_revoked_has_who",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…, {self.user})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def read_only(self) -> bool:
        return self.scope == TokenScope.READ

    @property
    def device_feed(self) -> bool:
        return self.scope == TokenScope.DEVICE_FEED

    def needs_last_used_write(self, now: datetime) -> bool:
        return self.last_used_at is None or now - self.last_used_at >= LAST_USED_RESOLUTION
