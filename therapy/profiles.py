"""Rule profiles stored per site: the active one feeds the rules engine; edits add versions."""

import json
from functools import lru_cache
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max

from therapy.models import RuleProfileVersion
from therapy.rules import ProfileError, RuleProfile

IDENTITY_KEYS = ("name", "version")


def rule_settings(profile: RuleProfile) -> dict[str, Any]:
    """The profile's JSON without its identity (name and version belong to the row)."""
    data = profile.to_dict()
    for key in IDENTITY_KEYS:
        data.pop(key, None)
    return data


def rules_profile(row: RuleProfileVersion) -> RuleProfile:
    """The pure rules-engine profile of a stored version; its version is the row's label.

    Decoded once per version and process: a stored version never changes (editing adds the
    next one), and decoding checks every key and type (it was ~1 ms of every evaluation). The
    settings text is part of the key, so a row changed behind the services' back is decoded
    afresh, never served stale."""
    text = json.dumps(row.settings, sort_keys=True)
    return _decoded(str(row.pk), row.name, row.version, text)


@lru_cache(maxsize=64)
def _decoded(pk: str, name: str, version: int, settings: str) -> RuleProfile:
    return RuleProfile.from_dict({**json.loads(settings), "name": name, "version": str(version)})


def validate_settings(name: str, settings: object) -> RuleProfile:
    """Every problem of a proposed profile at once, as a ValidationError on ``settings``."""
    if not isinstance(settings, dict):
        raise ValidationError({"settings": ["The profile must be a JSON object."]})
    try:
        return RuleProfile.from_dict({**settings, "name": name, "version": "0"})
    except ProfileError as error:
        raise ValidationError(
            {
                "settings": [
                    f"{path}: {message}"
                    for path, messages in error.errors.items()
                    for message in messages
                ]
            }
        ) from error


def rule_profile_active() -> RuleProfileVersion:
    """The site's active profile version (a migration seeds the project default)."""
    return RuleProfileVersion.objects.get(is_active=True)


@transaction.atomic
def rule_profile_revise(
    *, name: str, settings: object, change_note: str, by: Any
) -> RuleProfileVersion:
    """Add the next version of the named profile and make it the active one."""
    errors: dict[str, list[str]] = {}
    if not change_note.strip():
        errors["change_note"] = ["Say why this version exists (what changed, who signed it off)."]
    try:
        validate_settings(name, settings)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    # Serialise revisions: lock every row so two admins cannot both take the same number.
    list(RuleProfileVersion.objects.select_for_update().order_by("pk"))
    latest = RuleProfileVersion.objects.filter(name=name).aggregate(latest=Max("version"))["latest"]
    RuleProfileVersion.objects.filter(is_active=True).update(is_active=False)
    try:
        with transaction.atomic():
            return RuleProfileVersion.objects.create(
                name=name,
                version=(latest or 0) + 1,
                settings=settings,
                is_active=True,
                change_note=change_note.strip(),
                created_by=by if getattr(by, "is_authenticated", False) else None,
            )
    except IntegrityError as error:
        raise ValidationError("Another version was saved at the same moment; try again.") from error


@transaction.atomic
def rule_profile_activate(*, profile: RuleProfileVersion) -> RuleProfileVersion:
    """Make an existing version the active one (for example, to go back to an earlier one).

    A version this code can no longer read (an older one without settings added since, such
    as the dosing timing of migration 0009) is refused: activating it would stop every dose
    check and evaluation. Copy its values into a new version instead."""
    try:
        rules_profile(profile)
    except (ProfileError, TypeError) as error:
        problems = (
            "; ".join(f"{path}: {text}" for path, texts in error.errors.items() for text in texts)
            if isinstance(error, ProfileError)
            else "its settings are not a JSON object"
        )
        raise ValidationError(
            f"{profile.label} cannot be made active: this version of IL-2 Monitor cannot use "
            f"it ({problems}). Add a new version with its values instead."
        ) from error
    list(RuleProfileVersion.objects.select_for_update().order_by("pk"))
    RuleProfileVersion.objects.filter(is_active=True).exclude(pk=profile.pk).update(is_active=False)
    RuleProfileVersion.objects.filter(pk=profile.pk).update(is_active=True)
    profile.refresh_from_db()
    return profile
