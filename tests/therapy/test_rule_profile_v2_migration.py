"""Migration 0012: the settings of clinical-rules v2 as the next version of the active rule
profile (a section added whole, a key added, a criterion row added by its code), never changing
what a site set; idempotent; reversible."""

import copy
import importlib
from dataclasses import replace
from typing import Any

import pytest
from django.apps import apps as django_apps

from therapy.models import RuleProfileVersion
from therapy.profiles import rule_profile_active, rules_profile
from therapy.rules import DEFAULT_PROFILE

pytestmark = pytest.mark.django_db


def migration() -> Any:
    return importlib.import_module("therapy.migrations.0012_rule_profile_v2")


def as_before_0012() -> RuleProfileVersion:
    """The active version as a site stored it before 0012: none of the keys it adds."""
    active = rule_profile_active()
    settings = copy.deepcopy(active.settings)
    for section, keys in migration().NEW_KEYS.items():
        if section == "aki":  # a section new in v2: left out whole
            settings.pop(section)
            continue
        for key, value in keys.items():
            if isinstance(value, list) and key in settings[section]:
                codes = {row["code"] for row in value}
                settings[section][key] = [
                    row for row in settings[section][key] if row["code"] not in codes
                ]
            else:
                settings[section].pop(key, None)
    RuleProfileVersion.objects.filter(pk=active.pk).update(settings=settings)
    active.refresh_from_db()
    return active


def test_0012_adds_the_next_version_at_the_project_defaults():
    old = as_before_0012()
    old_settings = copy.deepcopy(old.settings)

    migration().add_v2_settings(django_apps, None)

    new = rule_profile_active()
    old.refresh_from_db()
    assert (new.name, new.version, old.is_active) == (old.name, 2, False)
    assert new.change_note == migration().CHANGE_NOTE
    assert old.settings == old_settings  # the stored version is never changed
    assert rules_profile(new) == replace(DEFAULT_PROFILE, version="2")

    migration().add_v2_settings(django_apps, None)  # again: nothing more to add
    assert RuleProfileVersion.objects.count() == 2


def test_0012_keeps_a_sites_own_values():
    old = as_before_0012()
    settings = copy.deepcopy(old.settings)
    settings["crs"]["hypotension_sbp_below"] = 85
    RuleProfileVersion.objects.filter(pk=old.pk).update(settings=settings)

    migration().add_v2_settings(django_apps, None)

    profile = rules_profile(rule_profile_active())
    assert profile.crs.hypotension_sbp_below == 85
    assert profile.aki == DEFAULT_PROFILE.aki


def test_0012_on_a_fresh_install_adds_nothing():
    migration().add_v2_settings(django_apps, None)
    assert RuleProfileVersion.objects.count() == 1 and rule_profile_active().version == 1


def test_0012_reversed_makes_the_previous_version_active_again():
    old = as_before_0012()
    migration().add_v2_settings(django_apps, None)

    migration().reactivate_previous(django_apps, None)

    assert RuleProfileVersion.objects.get(is_active=True) == old
    assert RuleProfileVersion.objects.count() == 2  # versions are kept, never deleted

    migration().add_v2_settings(django_apps, None)  # forward again: the same version
    assert rule_profile_active().version == 2 and RuleProfileVersion.objects.count() == 2


def test_merged_adds_rows_by_code_and_never_changes_a_sites_row():
    settings = {"precheck": {"criteria": [{"code": "a", "action": "discontinue"}]}}
    new_keys = {"precheck": {"criteria": [{"code": "a", "action": "hold"}, {"code": "b"}]}}

    merged = migration().merged(settings, new_keys)

    assert merged["precheck"]["criteria"] == [{"code": "a", "action": "discontinue"}, {"code": "b"}]
    assert migration().merged(merged, new_keys) is merged  # nothing missing: unchanged
