"""Rule profiles stored per site: seeded with the project default, validated, versioned on every
edit (old versions untouched), editable in the admin."""

import copy
import importlib
import json
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from therapy.models import RuleProfileVersion
from therapy.profiles import (
    rule_profile_activate,
    rule_profile_active,
    rule_profile_revise,
    rule_settings,
    rules_profile,
)
from therapy.rules import DEFAULT_PROFILE

pytestmark = pytest.mark.django_db


def test_migration_seeds_the_project_default_as_active_version_1():
    active = rule_profile_active()
    assert active.label == "label-2024+consensus-2014 v1"
    assert active.settings == rule_settings(DEFAULT_PROFILE)
    profile = rules_profile(active)
    assert (profile.name, profile.version) == ("label-2024+consensus-2014", "1")
    assert profile.crs == DEFAULT_PROFILE.crs and profile.precheck == DEFAULT_PROFILE.precheck


def test_revision_adds_the_next_version_and_leaves_the_old_one_unchanged(physician):
    original = rule_profile_active()
    settings = copy.deepcopy(original.settings)
    settings["crs"]["hypotension_sbp_below"] = 85

    revised = rule_profile_revise(
        name=original.name,
        settings=settings,
        change_note="Site sign-off 2026-11: SBP < 85",
        by=physician,
    )

    original.refresh_from_db()
    assert (revised.version, revised.is_active, revised.created_by) == (2, True, physician)
    assert not original.is_active
    assert original.settings["crs"]["hypotension_sbp_below"] == 90
    assert rules_profile(revised).crs.hypotension_sbp_below == 85
    assert rule_profile_active() == revised


def test_bad_settings_are_refused_naming_each_path_and_nothing_is_written(physician):
    settings = copy.deepcopy(rule_profile_active().settings)
    settings["crs"]["fever_c"] = "hot"
    settings["vls"]["no_such_threshold"] = 1

    with pytest.raises(ValidationError) as caught:
        rule_profile_revise(
            name="label-2024+consensus-2014", settings=settings, change_note="", by=physician
        )

    errors = caught.value.message_dict
    assert any(message.startswith("crs.fever_c") for message in errors["settings"])
    assert any("no_such_threshold" in message for message in errors["settings"])
    assert "change_note" in errors
    assert RuleProfileVersion.objects.count() == 1


def test_activate_goes_back_to_an_earlier_version(physician):
    first = rule_profile_active()
    second = rule_profile_revise(
        name=first.name, settings=first.settings, change_note="copy", by=physician
    )

    rule_profile_activate(profile=first)

    second.refresh_from_db()
    assert rule_profile_active() == first and not second.is_active


def test_database_allows_one_active_profile_only():
    with pytest.raises(IntegrityError), transaction.atomic():
        RuleProfileVersion.objects.create(
            name="other", version=1, settings={}, is_active=True, change_note="x"
        )


def test_admin_adds_a_version_from_the_active_thresholds(client, make_user):
    client.force_login(make_user("admin", username="site.admin"))
    add_url = reverse("admin:therapy_ruleprofileversion_add")
    form = client.get(add_url).content.decode()
    assert "hypotension_sbp_below" in form  # prefilled with the active version's settings

    active = rule_profile_active()
    settings = copy.deepcopy(active.settings)
    settings["vls"]["weight_gain_pct"] = "7"
    response = client.post(
        add_url, {"name": active.name, "settings": json.dumps(settings), "change_note": "7 %"}
    )
    assert response.status_code == 302
    assert rule_profile_active().version == 2
    assert rules_profile(rule_profile_active()).vls.weight_gain_pct == 7

    bad = copy.deepcopy(settings)
    bad["precheck"] = "none"
    refused = client.post(
        add_url, {"name": active.name, "settings": json.dumps(bad), "change_note": "x"}
    )
    assert refused.status_code == 200 and "precheck" in refused.content.decode()
    assert RuleProfileVersion.objects.count() == 2
    change = client.get(reverse("admin:therapy_ruleprofileversion_change", args=[active.pk]))
    assert change.status_code == 200 and 'name="_save"' not in change.content.decode()


# --- Migration 0009: the dosing timing of clinical-rules v2 §4 ---------------------------------
NEW_DOSING_KEYS = (
    "min_dose_iu_per_kg",
    "min_hours_between_doses",
    "late_entry_max_minutes",
    "course_start_max_past_hours",
    "course_start_max_ahead_days",
    "cycle_2_max_days_after_cycle_1",
)


def migration_0009() -> Any:
    return importlib.import_module("therapy.migrations.0009_rule_profile_dose_timing")


def as_before_0009() -> RuleProfileVersion:
    """The active version as a site stored it before 0009: no new dosing keys."""
    active = rule_profile_active()
    settings = copy.deepcopy(active.settings)
    for key in NEW_DOSING_KEYS:
        del settings["dosing"][key]
    RuleProfileVersion.objects.filter(pk=active.pk).update(settings=settings)
    active.refresh_from_db()
    return active


def test_0009_adds_the_next_version_with_the_new_keys_at_their_defaults():
    old = as_before_0009()
    old_settings = copy.deepcopy(old.settings)

    migration_0009().add_dose_timing(django_apps, None)

    new = rule_profile_active()
    old.refresh_from_db()
    assert (new.name, new.version, old.is_active) == (old.name, 2, False)
    assert new.change_note == (
        "clinical-rules v2 §4: recording-time check window, 7 h minimum interval, course "
        "start window, minimum dose."
    )
    assert old.settings == old_settings  # the stored version is never changed
    assert {k: v for k, v in new.settings.items() if k != "dosing"} == {
        k: v for k, v in old_settings.items() if k != "dosing"
    }
    assert rules_profile(new).dosing == DEFAULT_PROFILE.dosing

    migration_0009().add_dose_timing(django_apps, None)  # again: nothing more to add
    assert RuleProfileVersion.objects.count() == 2


def test_0009_keeps_a_sites_own_values():
    old = as_before_0009()
    settings = copy.deepcopy(old.settings)
    settings["dosing"]["max_dose_iu_per_kg"] = 720_000
    settings["crs"]["hypotension_sbp_below"] = 85
    RuleProfileVersion.objects.filter(pk=old.pk).update(settings=settings)

    migration_0009().add_dose_timing(django_apps, None)

    profile = rules_profile(rule_profile_active())
    assert (profile.dosing.max_dose_iu_per_kg, profile.crs.hypotension_sbp_below) == (720_000, 85)
    assert profile.dosing.min_hours_between_doses == 7


def test_0009_on_a_fresh_install_adds_nothing():
    migration_0009().add_dose_timing(django_apps, None)
    assert RuleProfileVersion.objects.count() == 1 and rule_profile_active().version == 1


def test_0009_reversed_makes_the_previous_version_active_again():
    old = as_before_0009()
    migration_0009().add_dose_timing(django_apps, None)

    migration_0009().reactivate_previous(django_apps, None)

    assert RuleProfileVersion.objects.get(is_active=True) == old
    assert RuleProfileVersion.objects.count() == 2  # versions are kept, never deleted

    migration_0009().add_dose_timing(django_apps, None)  # forward again: the same version
    assert rule_profile_active().version == 2 and RuleProfileVersion.objects.count() == 2


def test_a_version_this_code_cannot_read_is_never_made_active():
    old = as_before_0009()
    migration_0009().add_dose_timing(django_apps, None)
    current = rule_profile_active()

    with pytest.raises(ValidationError) as caught:
        rule_profile_activate(profile=old)

    (message,) = caught.value.messages
    assert message.startswith("label-2024+consensus-2014 v1 cannot be made active")
    assert "dosing.min_dose_iu_per_kg: missing key" in message
    assert rule_profile_active() == current


def test_admin_refuses_to_activate_a_version_it_cannot_read(client, make_user):
    old = as_before_0009()
    migration_0009().add_dose_timing(django_apps, None)
    current = rule_profile_active()
    client.force_login(make_user("admin", username="site.admin"))

    response = client.post(
        reverse("admin:therapy_ruleprofileversion_changelist"),
        {"action": "make_active", "_selected_action": [old.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert "cannot be made active" in response.content.decode()
    assert rule_profile_active() == current

    readable = rule_profile_revise(
        name=current.name, settings=current.settings, change_note="copy", by=None
    )
    client.post(
        reverse("admin:therapy_ruleprofileversion_changelist"),
        {"action": "make_active", "_selected_action": [current.pk]},
    )
    assert (
        rule_profile_active() == current
        and not RuleProfileVersion.objects.get(pk=readable.pk).is_active
    )


def test_a_stored_version_is_decoded_once_and_a_changed_row_afresh(monkeypatch):
    from therapy import profiles
    from therapy.rules import RuleProfile

    row = profiles.rule_profile_active()
    first = profiles.rules_profile(row)
    calls = []
    decode = RuleProfile.from_dict
    monkeypatch.setattr(
        RuleProfile, "from_dict", classmethod(lambda cls, data: calls.append(1) or decode(data))
    )
    assert profiles.rules_profile(row) is first  # the same version: not decoded again
    assert calls == []

    changed = {**row.settings, "precheck": {**row.settings["precheck"]}}
    changed["precheck"]["vitals_max_age_minutes"] = 119
    row.settings = changed  # a row changed behind the services' back
    assert profiles.rules_profile(row).precheck.vitals_max_age_minutes == 119
    assert calls == [1]
