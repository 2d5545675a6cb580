"""Rule profiles stored per site: seeded with the project default, validated, versioned on every
edit (old versions untouched), editable in the admin."""

import copy
import json

import pytest
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
