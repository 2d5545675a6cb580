"""A nurse charts at the bedside on a tablet (820×1180, touch): a full set in °F with an
alarming value confirmed, NEWS2 on save; a save that fails on the network is retried with the
same client_id and stored once; fluids and a weight typed in lb."""

import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from patients.models import FluidEntry, VitalSigns
from tests.support.browser import VIEWPORTS, sign_in
from tests.support.factories import AdmissionFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def tablet(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(**VIEWPORTS["tablet"])
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def ward(live_server, tablet):  # type: ignore[no-untyped-def]
    UserFactory(role="nurse", username="nurse.tablet")
    admission = AdmissionFactory(
        patient__given_name="Margaret",
        patient__family_name="Okafor",
        patient__mrn="IL2-0001",
        patient__baseline_weight_kg=Decimal("68.4"),
        ward="7B Oncology",
        bed="3",
    )
    sign_in(tablet, live_server.url, "nurse.tablet", "correct-horse-battery")
    return admission


def open_vitals(page: Page, base_url: str, artifacts: Path | None = None) -> None:
    page.goto(f"{base_url}/patients/bedside/")
    if artifacts:
        page.screenshot(path=str(artifacts / "bedside-ward-tablet.png"), full_page=True)
    page.get_by_role("link", name=re.compile("OKAFOR, Margaret")).tap()
    expect(page.get_by_role("heading", name="OKAFOR, Margaret")).to_be_visible()
    if artifacts:
        page.screenshot(path=str(artifacts / "bedside-patient-tablet.png"), full_page=True)
    page.get_by_role("link", name="Vital signs").tap()
    expect(page.get_by_role("button", name="Save vital signs")).to_be_visible()


def tap_choice(page: Page, group: str, choice: str) -> None:
    page.get_by_role("group", name=group).get_by_text(choice, exact=True).tap()


def test_nurse_enters_a_full_set_in_fahrenheit_confirms_and_sees_news2(
    live_server, tablet, ward, artifacts_dir
):
    page = tablet
    open_vitals(page, live_server.url, artifacts_dir)
    flow = page.get_by_label("Oxygen flow", exact=True)
    expect(flow).to_be_hidden()  # room air needs no flow

    page.get_by_label("Respiratory rate", exact=True).fill("22")
    page.get_by_label("SpO2", exact=True).fill("82")
    tap_choice(page, "Oxygen", "Nasal cannula")
    expect(flow).to_be_visible()
    flow.fill("4")
    page.get_by_label("Systolic BP", exact=True).fill("70")
    page.get_by_label("Diastolic BP", exact=True).fill("40")
    page.get_by_label("Heart rate", exact=True).fill("118")
    tap_choice(page, "Consciousness (ACVPU)", "Alert")
    page.get_by_role("button", name="°F").tap()
    page.get_by_label("Temperature", exact=True).fill("101.3")
    expect(page.get_by_text("Saved as 38.5 °C")).to_be_visible()
    norepinephrine = page.get_by_label("Norepinephrine", exact=True)
    expect(norepinephrine).to_be_hidden()
    tap_choice(page, "Vasopressors", "Running")
    expect(norepinephrine).to_be_visible()
    tap_choice(page, "Vasopressors", "None running")
    expect(norepinephrine).to_be_hidden()
    # What the nurse sees: the top of the form, then its end (the save bar stays in view).
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(artifacts_dir / "bedside-vitals-form-tablet.png"))
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.screenshot(path=str(artifacts_dir / "bedside-vitals-form-end-tablet.png"))

    page.get_by_role("button", name="Save vital signs").tap()
    confirm = page.get_by_role("button", name="Values are correct — save")
    expect(confirm).to_be_visible()
    expect(page.get_by_text("Systolic BP 70 mmHg is very low.")).to_be_visible()
    expect(page.get_by_text("SpO2 82 % is very low.")).to_be_visible()
    # What was typed is still there, in °F.
    expect(page.get_by_label("Temperature", exact=True)).to_have_value("101.3")
    assert VitalSigns.objects.count() == 0
    page.screenshot(path=str(artifacts_dir / "bedside-vitals-confirm-tablet.png"))

    confirm.tap()
    result = page.locator("[data-news2]")
    expect(result).to_be_visible()
    # RR 22 → 2, SpO2 82 → 3, oxygen → 2, SBP 70 → 3, HR 118 → 2, alert → 0, 38.5 → 1
    expect(page.locator("[data-news2-total]")).to_have_text("13")
    expect(result).to_contain_text("High clinical risk")
    expect(page.get_by_role("row", name="Systolic BP 70/40 mmHg 3")).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "bedside-vitals-news2-tablet.png"), full_page=True)

    page.get_by_role("link", name="Back to Margaret", exact=True).tap()
    expect(page.locator(".recent tbody tr")).to_have_count(1)
    expect(page.get_by_role("cell", name="70/40", exact=True)).to_be_visible()
    expect(page.get_by_role("cell", name="38.5", exact=True)).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "bedside-patient-after-tablet.png"), full_page=True)

    vitals = VitalSigns.objects.get()
    assert vitals.temperature_c == Decimal("38.5")
    assert vitals.oxygen_device == "nasal_cannula" and vitals.oxygen_flow_l_min == Decimal("4.0")
    assert (vitals.news2_total, vitals.news2_band) == (13, "high")
    assert vitals.client_id is not None and vitals.entered_by.username == "nurse.tablet"


def test_a_save_lost_on_the_network_is_retried_with_the_same_client_id_and_stored_once(
    live_server, tablet, ward, artifacts_dir
):
    page = tablet
    open_vitals(page, live_server.url)
    attempts: list[str] = []

    def flaky_ward_wifi(route: Route) -> None:
        if route.request.method != "POST":
            route.continue_()
            return
        attempts.append(route.request.post_data or "")
        if len(attempts) == 1:
            route.abort("internetdisconnected")  # never reached the server
        elif len(attempts) == 2:
            route.fetch()  # reached the server and was saved; the answer is lost
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route(re.compile(r"/bedside/vitals/$"), flaky_ward_wifi)
    page.get_by_label("Respiratory rate", exact=True).fill("16")
    page.get_by_label("SpO2", exact=True).fill("97")
    page.get_by_label("Systolic BP", exact=True).fill("124")
    page.get_by_label("Heart rate", exact=True).fill("80")
    page.get_by_label("Temperature", exact=True).fill("37.0")
    tap_choice(page, "Oxygen", "Room air")
    tap_choice(page, "Consciousness (ACVPU)", "Alert")
    page.get_by_role("button", name="Save vital signs").tap()

    offline = page.get_by_text("Not saved yet: the network did not answer.")
    expect(offline).to_be_visible()
    expect(page.get_by_label("Systolic BP", exact=True)).to_have_value("124")  # kept as typed
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(artifacts_dir / "bedside-vitals-offline-tablet.png"))
    expect(page.get_by_text("had already been saved")).to_be_visible(timeout=20_000)

    assert len(attempts) == 3
    client_ids = {re.search(r"client_id=([0-9a-f-]{36})", body).group(1) for body in attempts}
    assert len(client_ids) == 1  # every attempt carried the same key
    assert VitalSigns.objects.count() == 1
    assert str(VitalSigns.objects.get().client_id) == client_ids.pop()


def test_fluid_output_and_a_weight_typed_in_pounds(live_server, tablet, ward, artifacts_dir):
    page = tablet
    page.goto(f"{live_server.url}/patients/{ward.patient.pk}/bedside/")
    page.get_by_role("link", name="Fluid in / out").tap()
    tap_choice(page, "In or out", "Output")
    tap_choice(page, "Route", "Urine")
    page.get_by_label("Volume", exact=True).fill("180")
    page.get_by_role("button", name="4 h").tap()
    page.get_by_role("button", name="Save fluid entry").tap()
    expect(page.locator("[data-urine-8h]")).to_have_text("180 mL")
    entry = FluidEntry.objects.get()
    assert (entry.period_end - entry.period_start).total_seconds() == 4 * 3600

    page.get_by_role("link", name="Back to Margaret", exact=True).tap()
    page.get_by_role("link", name="Daily weight").tap()
    page.get_by_role("button", name="lb").tap()
    page.get_by_label("Weight", exact=True).fill("165.3")
    expect(page.get_by_text("Saved as 75.0 kg")).to_be_visible()
    tap_choice(page, "Edema grade", "2")
    page.screenshot(path=str(artifacts_dir / "bedside-weight-tablet.png"), full_page=True)
    page.get_by_role("button", name="Save weight").tap()
    expect(page.locator("[data-weight]")).to_have_text("75.0 kg")
    vitals = VitalSigns.objects.get()
    assert vitals.weight_kg == Decimal("75.0") and vitals.edema_grade == 2
