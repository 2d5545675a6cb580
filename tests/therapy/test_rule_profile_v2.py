"""Migration 0012: the settings of clinical-rules v2 §6 and §7 (issue 13, part B) added to the
active rule profile as its next version, the pattern of 0009: idempotent, a site's own values
kept, nothing on a fresh install, reversible."""

import copy
import importlib
from typing import Any

import pytest
from django.apps import apps as django_apps

from therapy.models import RuleProfileVersion
from therapy.profiles import rule_profile_active, rules_profile
from therapy.rules import DEFAULT_PROFILE

pytestmark = pytest.mark.django_db


def migration_0012() -> Any:
    return importlib.import_module("therapy.migrations.0013_rule_profile_v2_monitoring")


def as_before_0012() -> RuleProfileVersion:
    """The active version as a site stored it before 0012: no monitoring or trends section."""
    active = rule_profile_active()
    settings = copy.deepcopy(active.settings)
    for section in migration_0012().NEW_KEYS:
        settings.pop(section, None)
    RuleProfileVersion.objects.filter(pk=active.pk).update(settings=settings)
    active.refresh_from_db()
    return active


def test_the_frozen_keys_are_the_code_defaults():
    encoded = DEFAULT_PROFILE.to_dict()
    assert {s: encoded[s] for s in migration_0012().NEW_KEYS} == migration_0012().NEW_KEYS


def test_0012_adds_the_next_version_with_the_new_keys_at_their_defaults():
    old = as_before_0012()
    old_settings = copy.deepcopy(old.settings)

    migration_0012().add_rules_v2(django_apps, None)

    new = rule_profile_active()
    old.refresh_from_db()
    assert (new.name, new.version, old.is_active) == (old.name, old.version + 1, False)
    assert old.settings == old_settings  # the stored version is never changed
    profile = rules_profile(new)
    assert profile.monitoring == DEFAULT_PROFILE.monitoring
    assert profile.trends == DEFAULT_PROFILE.trends
    assert profile.version == str(old.version + 1)  # results name the version that made them

    migration_0012().add_rules_v2(django_apps, None)  # again: nothing more to add
    assert RuleProfileVersion.objects.count() == 2


def test_0012_keeps_a_sites_own_values():
    old = as_before_0012()
    settings = copy.deepcopy(old.settings)
    settings["monitoring"] = {"resolve_min_absent_minutes": 180}
    RuleProfileVersion.objects.filter(pk=old.pk).update(settings=settings)

    migration_0012().add_rules_v2(django_apps, None)

    profile = rules_profile(rule_profile_active())
    assert profile.monitoring.resolve_min_absent_minutes == 180
    assert profile.monitoring.reopen_within_minutes == 360


def test_0012_on_a_fresh_install_adds_nothing():
    before = RuleProfileVersion.objects.count()
    migration_0012().add_rules_v2(django_apps, None)
    assert RuleProfileVersion.objects.count() == before


def test_0012_reversed_makes_the_previous_version_active_again():
    old = as_before_0012()
    migration_0012().add_rules_v2(django_apps, None)

    migration_0012().reactivate_previous(django_apps, None)
    assert RuleProfileVersion.objects.get(is_active=True) == old

    migration_0012().add_rules_v2(django_apps, None)  # forward again: the same version
    assert rule_profile_active().version == old.version + 1
    assert RuleProfileVersion.objects.count() == 2
