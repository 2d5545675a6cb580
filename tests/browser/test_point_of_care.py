"""Issue 14, the point-of-care pages as a newcomer meets them with `make run` (``DEBUG`` on)
and in the tests (``DEBUG`` off), on a desktop (1440×900) and a tablet (820×1180, touch)."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from patients.models import VitalSigns
from tests.support.browser import sign_in
from tests.support.factories import AdmissionFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_refused_save_swaps_the_form_never_the_page(
    live_server, page: Page, debug: bool, artifacts_dir
):
    """Item 1: SpO2 120 is refused (400) and the form comes back with its message inside the
    styled page, with DEBUG on as with it off; nothing is saved."""
    UserFactory(role="nurse", username="nurse.debug")
    admission = AdmissionFactory(
        patient__given_name="Ada",
        patient__family_name="Quist",
        patient__baseline_weight_kg=Decimal("70"),
        ward="7B",
        bed="4",
    )
    sign_in(page, live_server.url, "nurse.debug", "correct-horse-battery")
    page.goto(f"{live_server.url}/patients/{admission.patient.pk}/bedside/vitals/")
    assert page.locator('script[src*="django-htmx.js"]').count() == 0
    page.get_by_label("SpO2", exact=True).fill("120")
    page.get_by_label("Heart rate", exact=True).fill("88")
    page.get_by_role("button", name="Save vital signs").click()
    expect(page.get_by_text("SpO2 must be between 50 and 100 %.")).to_be_visible()
    # The page around the form is still there, styled: header, title, the typed values.
    expect(page.locator("header.topbar")).to_be_visible()
    assert page.locator("header.topbar").evaluate("e => getComputedStyle(e).display") != "inline"
    expect(page).to_have_title(re.compile("IL-2 Monitor"))
    expect(page.get_by_label("Heart rate", exact=True)).to_have_value("88")
    assert VitalSigns.objects.count() == 0
    name = f"invalid-save-{'debug' if debug else 'nodebug'}-{page.viewport_name}.png"  # type: ignore[attr-defined]
    page.screenshot(path=str(artifacts_dir / name))
