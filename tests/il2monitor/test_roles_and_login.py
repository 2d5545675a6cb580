"""Roles come from a migration; login and logout pages; django-axes locks out guessing."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

pytestmark = pytest.mark.django_db


def perms_of(role: str) -> set[str]:
    group = Group.objects.get(name=role)
    return {
        f"{p.content_type.app_label}.{p.codename}"
        for p in group.permissions.select_related("content_type")
    }


def test_migration_creates_every_role_with_its_permissions():
    assert {"nurse", "physician", "pharmacist", "api_client"} <= set(
        Group.objects.values_list("name", flat=True)
    )
    assert {"patients.add_patient", "patients.change_admission"} <= perms_of("nurse")
    assert "patients.prescribe_spo2_scale" not in perms_of("nurse")
    assert "patients.prescribe_spo2_scale" in perms_of("physician")
    for reader in ("pharmacist", "api_client"):
        assert {
            "patients.view_patient",
            "patients.view_admission",
            "therapy.view_dose",
        } <= perms_of(reader)
        assert all(".view_" in perm for perm in perms_of(reader)), perms_of(reader)
    early = "therapy.hold_dose_early"
    assert {"therapy.add_course", "therapy.override_precheck", early} <= perms_of("physician")
    assert "therapy.administer_dose" in perms_of("nurse")
    assert not {"therapy.add_course", "therapy.override_precheck", early} & perms_of("nurse")
    assert not any(
        p.startswith("patients.delete_") for role in ("nurse", "physician") for p in perms_of(role)
    )


def test_login_then_patient_list_then_logout(client, nurse):
    page = client.get(reverse("login"))
    assert page.status_code == 200 and b'name="password"' in page.content

    response = client.post(
        reverse("login"), {"username": "nurse.one", "password": "correct-horse-battery"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert client.get(reverse("patients:list")).status_code == 200

    client.post(reverse("logout"))
    assert client.get(reverse("patients:list")).status_code == 302


def test_wrong_password_is_refused_with_a_message(client, nurse):
    response = client.post(reverse("login"), {"username": "nurse.one", "password": "wrong"})
    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content


def test_repeated_failures_lock_the_account_even_with_the_right_password(client, nurse, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "nurse.one", "password": "wrong"})

    locked = client.post(
        reverse("login"), {"username": "nurse.one", "password": "correct-horse-battery"}
    )

    assert locked.status_code == 429
    assert b"Too many failed sign-ins" in locked.content
    assert client.get(reverse("patients:list")).status_code == 302


@pytest.mark.parametrize(
    ("role", "start"),
    [
        ("nurse", "patients:bedside"),  # the work list: what is due for each patient
        ("physician", "therapy:board"),
        ("pharmacist", "therapy:board"),
    ],
)
def test_each_role_starts_where_its_work_is(client, make_user, role, start):
    make_user(role, username=f"start.{role}")
    credentials = {"username": f"start.{role}", "password": "correct-horse-battery"}
    client.post(reverse("login"), credentials)

    assert client.get(reverse("home"))["Location"] == reverse(start)


def test_home_asks_a_signed_out_visitor_to_sign_in(client):
    response = client.get(reverse("home"))

    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
