"""The demo ward that `make run` loads: realistic, loaded once, never on a production server."""

import io

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import RequestFactory

from patients.models import Admission, Patient
from therapy.demo.ward import DEMO_USERS
from therapy.models import Alert, Course, Dose, MonitorState

pytestmark = pytest.mark.django_db


def run_demo(**options: object) -> str:
    out = io.StringIO()
    call_command("demo_ward", stdout=out, **options)
    return out.getvalue()


def test_demo_ward_loads_once_with_users_of_every_role(settings):
    settings.DEBUG = True
    first = run_demo()
    second = run_demo()

    assert Patient.objects.count() == 12
    assert Admission.objects.filter(discharged_at__isnull=True).count() == 12
    assert set(Patient.objects.values_list("diagnosis", flat=True)) == {
        "metastatic_melanoma",
        "metastatic_rcc",
    }
    assert set(Admission.objects.values_list("ward", flat=True)) == {"7B Oncology", "HDU"}
    assert "Loaded the demo ward" in first and "already loaded" in second
    for user in DEMO_USERS:
        assert f"{user.username:<14} {user.password:<22} {user.role}" in second
    request = RequestFactory().post("/accounts/login/")
    nurse = authenticate(request, username="nurse.adams", password="demo-nurse-adams")
    assert nurse is not None and nurse.has_perm("patients.add_patient")
    api_user = authenticate(request, username="api.registry", password="demo-api-registry")
    assert api_user is not None


def test_demo_ward_is_mid_cycle_with_two_patients_in_trouble(settings):
    settings.DEBUG = True
    run_demo()

    statuses = set(Dose.objects.values_list("status", flat=True))
    assert {"given", "held", "scheduled"} <= statuses
    assert Course.objects.filter(status="active").count() == 12
    for dose in Dose.objects.filter(status="given"):
        assert dose.verified_by_id != dose.given_by_id and dose.precheck["recommendation"] == "give"
    for dose in Dose.objects.filter(status="held"):
        assert dose.hold_reasons and dose.precheck["recommendation"] != "give"
    kinds = set(
        Alert.objects.filter(patient__mrn="DEMO-1010", status="active").values_list(
            "kind", flat=True
        )
    )
    assert "crs" in kinds
    assert Alert.objects.get(patient__mrn="DEMO-1010", kind="crs").evidence["grade"] == 3
    assert Alert.objects.filter(patient__mrn="DEMO-1005", kind="vls", status="active").exists()
    assert MonitorState.objects.count() == 12


def test_demo_ward_refuses_when_debug_is_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="Refusing to load demo users"):
        run_demo()
    assert Patient.objects.count() == 0
    assert not User.objects.filter(username__in=[u.username for u in DEMO_USERS]).exists()
