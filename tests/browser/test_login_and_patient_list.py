"""A nurse signs in and sees the ward's patients, on a desktop and on a tablet."""

import re

import pytest
from playwright.sync_api import expect

from tests.support.browser import sign_in
from tests.support.factories import AdmissionFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_nurse_signs_in_and_sees_the_patient_list(live_server, page, artifacts_dir):
    UserFactory(role="nurse", username="nurse.browser")
    AdmissionFactory(
        patient__given_name="Margaret",
        patient__family_name="Okafor",
        patient__mrn="IL2-0001",
        ward="7B Oncology",
        bed="1",
    )
    AdmissionFactory(
        patient__given_name="Kenji",
        patient__family_name="Watanabe",
        patient__mrn="IL2-0002",
        patient__diagnosis="metastatic_rcc",
        ward="HDU",
        bed="H1",
    )

    sign_in(page, live_server.url, "nurse.browser", "correct-horse-battery")
    # A nurse starts at the bedside work list; the patients are one tap away.
    expect(page).to_have_url(re.compile(r"/patients/bedside/$"))
    expect(page.get_by_role("heading", name="Bedside entry")).to_be_visible()
    page.get_by_role("link", name="Patients", exact=True).click()

    expect(page).to_have_url(re.compile(r"/patients/$"))
    expect(page.get_by_role("heading", name="Patients")).to_be_visible()
    rows = page.locator("#patient-rows tr")
    expect(rows).to_have_count(2)
    expect(page.get_by_role("link", name="OKAFOR, Margaret")).to_be_visible()
    expect(page.get_by_text("HDU · H1")).to_be_visible()
    expect(page.get_by_text("nurse.browser · nurse")).to_be_visible()
    page.screenshot(
        path=str(artifacts_dir / f"patient-list-{page.viewport_name}.png"), full_page=True
    )

    # Search narrows the list in place (htmx), without a page load.
    page.get_by_label("Search MRN or name").fill("watan")
    expect(rows).to_have_count(1)
    expect(page.get_by_role("link", name="WATANABE, Kenji")).to_be_visible()

    page.get_by_role("link", name="WATANABE, Kenji").click()
    expect(page.get_by_role("heading", name="WATANABE, Kenji")).to_be_visible()
    expect(page.get_by_text("HDU, bed H1")).to_be_visible()
    page.screenshot(
        path=str(artifacts_dir / f"patient-detail-{page.viewport_name}.png"), full_page=True
    )


def test_wrong_password_keeps_the_user_on_the_login_page(live_server, page):
    UserFactory(role="nurse", username="nurse.typo")
    sign_in(page, live_server.url, "nurse.typo", "not-the-password")
    expect(page.get_by_role("alert")).to_contain_text(
        "Please enter a correct username and password"
    )
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
