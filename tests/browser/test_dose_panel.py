"""The dose panel: a nurse gives a dose with a second nurse's credentials, and holds one that
the pre-dose check says to hold — on a desktop and on a tablet."""

import re

import pytest
from playwright.sync_api import expect

from tests.support.browser import sign_in
from tests.support.factories import AdmissionFactory, UserFactory
from tests.support.therapy_fixtures import order_course, record_vitals
from therapy.mar.verifier import REFUSED

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def ward(db):  # type: ignore[no-untyped-def]
    nurse = UserFactory(role="nurse", username="nurse.giver")
    UserFactory(role="nurse", username="nurse.checker")
    physician = UserFactory(role="physician", username="dr.orders")
    return nurse, physician


def test_give_a_dose_with_a_second_nurse(live_server, page, artifacts_dir, ward):
    nurse, physician = ward
    admission = AdmissionFactory(
        patient__given_name="Margaret", patient__family_name="Okafor", bed="1"
    )
    order_course(admission.patient, physician)
    record_vitals(admission.patient, nurse)

    sign_in(page, live_server.url, "nurse.giver", "correct-horse-battery")
    page.goto(f"{live_server.url}/patients/{admission.patient.pk}/")
    panel = page.locator("#dose-panel")
    expect(panel.get_by_text("Pre-dose check", exact=True)).to_be_visible()
    expect(panel.locator(".precheck")).to_contain_text("GIVE")
    expect(panel).to_contain_text("43,200,000 IU")
    page.screenshot(
        path=str(artifacts_dir / f"dose-panel-give-{page.viewport_name}.png"), full_page=True
    )

    panel.get_by_role("link", name="Give dose").click()
    expect(page.get_by_role("heading", name="Give cycle 1 dose 1")).to_be_visible()
    given_at = page.get_by_label("Given at").input_value()
    page.get_by_label("Second checker: username").fill("nurse.checker")
    page.get_by_label("Second checker: password").fill("wrong")
    page.get_by_role("button", name="Record dose given").click()
    expect(page.get_by_text(REFUSED)).to_be_visible()
    # What was typed is kept, the password never.
    expect(page.get_by_label("Given at")).to_have_value(given_at)
    expect(page.get_by_label("Second checker: username")).to_have_value("nurse.checker")
    expect(page.get_by_label("Second checker: password")).to_have_value("")
    page.get_by_label("Second checker: password").fill("correct-horse-battery")
    page.get_by_role("button", name="Record dose given").click()

    expect(page).to_have_url(re.compile(rf"/patients/{admission.patient.pk}/$"))
    expect(page.get_by_text("Cycle 1 dose 1 given, checked by nurse.checker.")).to_be_visible()
    expect(page.locator(".dose-strip .slot-given")).to_have_count(1)
    expect(page.locator(".dose-strip .slot-due")).to_have_count(1)
    page.screenshot(
        path=str(artifacts_dir / f"dose-given-{page.viewport_name}.png"), full_page=True
    )


def test_hold_a_dose_the_check_says_to_hold(live_server, page, artifacts_dir, ward):
    nurse, physician = ward
    admission = AdmissionFactory(
        patient__given_name="Kenji", patient__family_name="Watanabe", bed="2"
    )
    order_course(admission.patient, physician)
    record_vitals(admission.patient, nurse, systolic_bp=84, diastolic_bp=50)

    sign_in(page, live_server.url, "nurse.giver", "correct-horse-battery")
    page.goto(f"{live_server.url}/patients/{admission.patient.pk}/")
    panel = page.locator("#dose-panel")
    expect(panel.locator(".precheck")).to_contain_text("HOLD")
    expect(panel.locator(".precheck")).to_contain_text("SBP 84 mmHg")
    panel.get_by_role("link", name="Hold dose").click()

    expect(
        page.get_by_label(re.compile(r"Systolic BP below 90 mmHg"))
    ).to_be_checked()  # pre-ticked from the check
    page.get_by_role("textbox", name="Note").fill("SBP 84, fluid bolus given")
    page.screenshot(
        path=str(artifacts_dir / f"dose-hold-form-{page.viewport_name}.png"), full_page=True
    )
    page.get_by_role("button", name="Record dose held").click()

    expect(page.get_by_text("Cycle 1 dose 1 held.")).to_be_visible()
    expect(page.locator(".dose-strip .slot-held")).to_have_count(1)
