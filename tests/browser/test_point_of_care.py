"""Issue 14, the point-of-care pages as a newcomer meets them with `make run` (``DEBUG`` on)
and in the tests (``DEBUG`` off), on a desktop (1440×900) and a tablet (820×1180, touch)."""

import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from patients.models import VitalSigns
from tests.support.browser import VIEWPORTS, sign_in
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


def test_a_partial_set_survives_a_reload_and_asks_before_saving_unscored(
    live_server, page: Page, artifacts_dir
):
    """Items 3 and 4: the work list (overdue in words, beds in natural order); a half-typed
    set survives a reload and a closed tab, counted in the header as not sent; a set without
    ACVPU asks before it is saved unscored, and is stored once with the draft's client id."""
    size = page.viewport_name  # type: ignore[attr-defined]
    UserFactory(role="nurse", username="nurse.draft")
    for bed in ("10", "2"):
        AdmissionFactory(patient__family_name=f"Bed{bed}", ward="7B", bed=bed)
    stay = AdmissionFactory(
        patient__given_name="Lena",
        patient__family_name="Moreau",
        patient__baseline_weight_kg=Decimal("64"),
        ward="7B",
        bed="1",
    )
    sign_in(page, live_server.url, "nurse.draft", "correct-horse-battery")
    page.goto(f"{live_server.url}/patients/bedside/")
    cards = page.locator(".bed-card .bed")
    expect(cards).to_have_text(["7B · 1", "7B · 2", "7B · 10"])
    expect(page.locator(".work-overdue").first).to_contain_text("OVERDUE")
    page.screenshot(path=str(artifacts_dir / f"bedside-worklist-{size}.png"), full_page=True)

    entry = f"{live_server.url}/patients/{stay.patient.pk}/bedside/vitals/"
    page.goto(entry)
    page.get_by_label("Respiratory rate", exact=True).fill("18")
    page.get_by_label("Heart rate", exact=True).fill("104")
    page.get_by_label("Systolic BP", exact=True).fill("96")
    page.reload()
    expect(page.get_by_text("Restored what you typed")).to_be_visible()
    expect(page.get_by_label("Heart rate", exact=True)).to_have_value("104")
    expect(page.locator("[data-pending-count]")).to_contain_text("Not sent 1")
    # A closed tab: a new page in the same browser finds it too.
    page.close()
    page = page.context.new_page()
    page.goto(f"{live_server.url}/patients/bedside/")
    expect(page.locator("[data-pending-list]")).to_contain_text("Vital signs: MOREAU, Lena")
    page.screenshot(path=str(artifacts_dir / f"bedside-pending-{size}.png"), full_page=True)
    page.goto(entry)
    expect(page.get_by_label("Systolic BP", exact=True)).to_have_value("96")
    client_id = page.locator('input[name="client_id"]').input_value()

    page.get_by_role("button", name="Save vital signs").click()
    question = page.get_by_role("heading", name=re.compile("Save without .*ACVPU"))
    expect(question).to_be_visible()
    expect(page.get_by_text("NEWS2 will not be scored")).to_be_visible()
    assert VitalSigns.objects.count() == 0
    page.screenshot(path=str(artifacts_dir / f"bedside-partial-question-{size}.png"))
    page.get_by_role("button", name="Save without — NEWS2 not scored").click()
    expect(page.get_by_text("Not scored: a partial set")).to_be_visible()
    expect(page.locator("[data-pending-count]")).to_be_hidden()
    (saved,) = VitalSigns.objects.all()
    assert str(saved.client_id) == client_id and saved.news2_total is None
    assert saved.heart_rate == 104 and saved.systolic_bp == 96


def test_the_printed_handover_names_the_patient_on_every_page(live_server, browser, artifacts_dir):
    """Item 5: printed to PDF, every page carries the patient's name, MRN and bed (a sheet
    that runs over pages repeats its running head); local times and words, no ISO stamps or
    rule codes."""
    from pypdf import PdfReader

    from tests.support.therapy_fixtures import CRS_GRADE_3, admitted

    nurse = UserFactory(role="nurse", username="nurse.print")
    physician = UserFactory(role="physician", username="dr.print")
    mrns = []
    for bed, name in (("2", "Ngata"), ("10", "Moreau")):
        stay = admitted(
            nurse,
            physician,
            vitals=CRS_GRADE_3,
            bed=bed,
            ward="7B",
            patient__family_name=name,
            first_dose_in=timedelta(minutes=40),
        )
        mrns.append(stay.patient.mrn)
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    sign_in(page, live_server.url, "nurse.print", "correct-horse-battery")
    page.goto(f"{live_server.url}/therapy/handover/")
    page.emulate_media(media="print")
    pdf = artifacts_dir / "handover.pdf"
    # A6 paper, so each patient's sheet runs over several pages: the continuation pages are
    # what the running head is for.
    page.pdf(path=str(pdf), format="A6")
    page.screenshot(path=str(artifacts_dir / "handover-print-desktop.png"), full_page=True)
    context.close()

    pages = [p.extract_text() for p in PdfReader(str(pdf)).pages]
    assert len(pages) > len(mrns)  # continuation pages exist
    for number, text in enumerate(pages, 1):
        assert any(mrn in text for mrn in mrns), f"page {number} names no patient"
        assert re.search(r"\d{4}-\d{2}-\d{2}T\d{2}:", text) is None, f"page {number}: ISO time"
        for code in ("sbp_lt_90", "_per_8h", "room_air"):
            assert code not in text, f"page {number}: {code}"
    first_of_moreau = next(t for t in pages if "MOREAU" in t)
    assert "bed 10" in first_of_moreau


AXE = Path(__file__).resolve().parents[2] / "tools/axe/node_modules/axe-core/axe.min.js"


def axe_violations(page: Page) -> list[str]:
    """Serious and critical axe-core violations of the page, injected from node_modules (no
    network)."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(node["target"][0] for node in v["nodes"][:3])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_the_main_pages_have_no_serious_accessibility_violations(
    live_server, browser, size, artifacts_dir
):
    """axe-core on the board, chart, inbox, handover, patient page with its dose panel, the
    bedside list and the vitals entry: zero serious or critical violations. (The context lets
    Playwright inject axe past the Content-Security-Policy, which refuses inline scripts.)"""
    context = browser.new_context(**VIEWPORTS[size], bypass_csp=True)
    page = context.new_page()
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make axe` (make test runs it).")
    from tests.support.therapy_fixtures import CRS_GRADE_3, admitted

    nurse = UserFactory(role="nurse", username="nurse.axe")
    physician = UserFactory(role="physician", username="dr.axe")
    stay = admitted(nurse, physician, vitals=CRS_GRADE_3, ward="7B", bed="3")
    patient = stay.patient.pk
    sign_in(page, live_server.url, "nurse.axe", "correct-horse-battery")
    found = {}
    for path in (
        "/therapy/board/",
        f"/therapy/patients/{patient}/chart/",
        "/therapy/alerts/",
        "/therapy/handover/",
        f"/patients/{patient}/",
        "/patients/bedside/",
        f"/patients/{patient}/bedside/vitals/",
    ):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        violations = axe_violations(page)
        if violations:
            found[path] = violations
    context.close()
    assert found == {}


def test_a_dose_hours_away_shows_its_window_and_a_provisional_check(
    live_server, page: Page, artifacts_dir
):
    """Item 2: on the board and the dose panel, a dose 5 h away reads "Provisional: would hold
    now" with the values and its window, every input not assessable listed beside it; Give
    and Hold are not offered before the window, and the hold page says "Too early" before any
    form."""
    from tests.support.therapy_fixtures import CRS_GRADE_3, admitted

    size = page.viewport_name  # type: ignore[attr-defined]
    nurse = UserFactory(role="nurse", username="nurse.window")
    physician = UserFactory(role="physician", username="dr.window")
    stay = admitted(
        nurse, physician, vitals=CRS_GRADE_3, ward="7B", bed="5", first_dose_in=timedelta(hours=5)
    )
    sign_in(page, live_server.url, "nurse.window", "correct-horse-battery")
    page.goto(f"{live_server.url}/therapy/board/")
    cell = page.locator(".precheck-cell").first
    expect(cell).to_contain_text("Provisional: would hold now")
    expect(cell).to_contain_text("SBP 84 mmHg")
    expect(cell).to_contain_text("Window opens")
    expect(cell.locator(".needs li").first).to_be_visible()  # not collapsed
    expect(page.get_by_text("INSUFFICIENT DATA")).to_have_count(0)
    page.screenshot(path=str(artifacts_dir / f"board-provisional-{size}.png"), full_page=True)

    page.goto(f"{live_server.url}/patients/{stay.patient.pk}/")
    panel = page.locator("#dose-panel")
    expect(panel).to_contain_text("Give and hold open at")
    expect(panel.get_by_role("link", name="Hold dose")).to_have_count(0)
    expect(panel.get_by_role("link", name=re.compile("Give"))).to_have_count(0)
    page.screenshot(path=str(artifacts_dir / f"dose-panel-provisional-{size}.png"), full_page=True)
    dose = stay.patient.courses.get().doses.order_by("cycle", "number").first()
    page.goto(f"{live_server.url}/therapy/doses/{dose.pk}/hold/")
    expect(page.get_by_text("Too early.")).to_be_visible()
    expect(page.get_by_role("button", name="Record dose held")).to_have_count(0)
