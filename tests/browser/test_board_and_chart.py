"""Clinician pages in a real browser, at a desktop size and on a tablet (820×1180, touch):
the ward board sorted by risk, reaching a chart from it by keyboard, acknowledging an alert,
and the board updating by itself when a new observation raises an alert."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import sign_in
from tests.support.factories import UserFactory
from tests.support.therapy_fixtures import (
    CRS_GRADE_3,
    NEWS2_MEDIUM,
    admitted,
    on_cycle,
    record_vitals,
)
from therapy.models import Alert
from therapy.monitor.evaluation import evaluation_run

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery"


@pytest.fixture
def clinicians(transactional_db):  # type: ignore[no-untyped-def]
    return (
        UserFactory(role="nurse", username="nurse.ward"),
        UserFactory(role="physician", username="dr.ward"),
    )


def fits_the_width(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def test_board_by_risk_then_a_chart_reached_by_keyboard(
    live_server, page, artifacts_dir, clinicians
):
    nurse, physician = clinicians
    stay, _ = on_cycle(nurse, physician)  # Lindqvist: on cycle, normal observations
    admitted(nurse, vitals=NEWS2_MEDIUM, bed="B7", patient__family_name="Berg")
    admitted(nurse, physician, vitals=CRS_GRADE_3, bed="B12", patient__family_name="Achebe")
    size = page.viewport_name  # type: ignore[attr-defined]

    sign_in(page, live_server.url, "nurse.ward", PASSWORD)
    expect(page).to_have_url(re.compile(r"/patients/bedside/$"))  # a nurse starts at her list
    page.get_by_role("link", name="Board", exact=True).click()

    expect(page).to_have_url(re.compile(r"/therapy/board/$"))
    rows = page.locator("#board-rows tr.board-row")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("ACHEBE")
    expect(rows.nth(0)).to_contain_text("EMERGENCY")
    expect(rows.nth(1)).to_contain_text("BERG")
    expect(rows.nth(1)).to_contain_text("URGENT")
    expect(rows.nth(2)).to_contain_text("LINDQVIST")
    expect(page.locator("#alert-badge .count")).not_to_have_text("0")
    assert fits_the_width(page), "the board overflows the window"
    page.screenshot(path=str(artifacts_dir / f"board-{size}.png"), full_page=True)

    # Keyboard only: Tab to the first patient's chart link, Enter to open it.
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id").startswith("chart-link-"):
            break
    else:
        pytest.fail("no chart link is reachable with the keyboard")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="ACHEBE", exact=False)).to_be_visible()
    page.goto(f"{live_server.url}/therapy/patients/{stay.patient.pk}/chart/?window=cycle")
    expect(page.get_by_role("heading", name=re.compile("LINDQVIST"))).to_be_visible()
    expect(page.locator("svg.chart-svg")).to_have_count(9)
    expect(page.locator("#panel-temperature .dose-given")).to_have_count(1)
    expect(page.locator("#panel-temperature .dose-held")).to_have_count(1)
    expect(page.locator(".flowsheet")).to_contain_text("ENTERED IN ERROR")
    assert fits_the_width(page), "the chart overflows the window"
    page.screenshot(path=str(artifacts_dir / f"chart-{size}.png"), full_page=True)
    page.get_by_role("link", name="24 hours").click()
    expect(page.get_by_role("link", name="24 hours")).to_have_attribute("aria-current", "page")

    # The handover prints one page per patient.
    page.goto(f"{live_server.url}/therapy/board/")
    page.get_by_role("link", name="Print handover").click()
    expect(page.locator("article.handover-sheet")).to_have_count(3)
    page.screenshot(path=str(artifacts_dir / f"handover-{size}.png"), full_page=True)
    page.emulate_media(media="print")
    expect(page.locator(".topbar")).to_be_hidden()
    page.screenshot(path=str(artifacts_dir / f"handover-print-{size}.png"), full_page=True)
    pdf = page.pdf(format="A4", print_background=True)
    (artifacts_dir / f"handover-{size}.pdf").write_bytes(pdf)
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 3


def test_acknowledge_an_alert(live_server, page, artifacts_dir, clinicians):
    nurse, _ = clinicians
    stay = admitted(nurse, vitals=CRS_GRADE_3, bed="B3", patient__family_name="Achebe")
    crs = Alert.objects.get(patient=stay.patient, kind="crs")
    size = page.viewport_name  # type: ignore[attr-defined]

    sign_in(page, live_server.url, "nurse.ward", PASSWORD)
    page.get_by_role("link", name=re.compile("^Alerts")).click()
    card = page.locator(f"#alert-{crs.pk}")
    expect(card).to_contain_text("EMERGENCY")
    expect(card).to_contain_text("CRS grade 3 (ASTCT).")
    expect(card).to_contain_text("unless acknowledged")
    page.screenshot(path=str(artifacts_dir / f"alerts-{size}.png"), full_page=True)

    card.get_by_label("What was done").fill("   ")
    card.get_by_role("button", name="Acknowledge").click()
    card = page.locator(f"#alert-{crs.pk}")
    expect(card.get_by_role("alert")).to_have_text(re.compile("Say what was done"))
    crs.refresh_from_db()
    assert crs.status == "active"

    card.get_by_label("What was done").fill("Dr Ward informed, fluid bolus started")
    card.get_by_role("button", name="Acknowledge").click()

    expect(page.get_by_text("Cytokine release syndrome for")).to_be_visible()
    acknowledged = page.locator(f"#alert-{crs.pk}")
    expect(acknowledged).to_contain_text("Acknowledged by nurse.ward")
    expect(acknowledged).to_contain_text("Acknowledged: does not escalate.")
    crs.refresh_from_db()
    assert crs.status == "acknowledged" and crs.acknowledged_by == nurse
    assert fits_the_width(page)
    page.screenshot(path=str(artifacts_dir / f"alerts-acknowledged-{size}.png"), full_page=True)


def test_the_board_updates_itself_when_an_observation_raises_an_alert(
    live_server, page, artifacts_dir, clinicians
):
    nurse, _ = clinicians
    for bed in range(1, 16):  # enough rows to scroll at either size
        admitted(nurse, vitals={}, bed=f"P{bed}", evaluate=bed != 5)
    quiet = admitted(nurse, vitals={}, bed="P99", patient__family_name="Achebe")
    size = page.viewport_name  # type: ignore[attr-defined]
    sign_in(page, live_server.url, "nurse.ward", PASSWORD)
    page.goto(f"{live_server.url}/therapy/board/?sort=bed&refresh=1")
    row = page.locator(f"#row-{quiet.patient.pk}")
    expect(row).to_contain_text("None")
    expect(page.locator("#board-rows")).to_have_attribute("hx-trigger", "every 1s")
    link = f"chart-link-{quiet.patient.pk}"
    page.focus(f"#{link}")  # the reader is on this patient, scrolled down to it
    scrolled = page.evaluate("window.scrollY")
    assert scrolled > 0

    record_vitals(quiet.patient, nurse, minutes_ago=1, **CRS_GRADE_3)
    evaluation_run(patient_id=quiet.patient.pk, reason="vitals")

    expect(row).to_contain_text("EMERGENCY", timeout=15_000)
    expect(row).to_contain_text("Grade 3")
    expect(row.locator(".changed-note")).to_have_text(re.compile(r"^Changed \d\d:\d\d$"))
    expect(page.locator("#board-status")).to_contain_text("1 emergency")
    expect(page.locator("#alert-badge")).to_contain_text("1 emergency")
    # The refreshes kept the reader's place: the same scroll position, the same focus.
    assert page.evaluate("window.scrollY") == scrolled
    assert page.evaluate("document.activeElement.id") == link
    assert "crs:emergency:active" in (row.get_attribute("data-signature") or "")
    page.screenshot(path=str(artifacts_dir / f"board-updated-{size}.png"), full_page=True)

    # Signed out (session ended): the next poll takes the page to sign in, never swapping
    # the login form into the table.
    page.context.clear_cookies()
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/therapy/board/$"))
    expect(page.get_by_label("Username")).to_be_visible()


def test_a_poll_swaps_only_the_changed_row_in_place(live_server, page, artifacts_dir, clinicians):
    """Issue 16 item 3: at a poll the changed patient's row is swapped out of band; the page is
    not reloaded, the other rows are the same DOM nodes, the relative times are written by the
    page's script, and the risk order follows the change."""
    nurse, physician = clinicians
    for bed in range(1, 7):
        admitted(nurse, vitals={}, bed=f"Q{bed}")
    dosed = admitted(nurse, physician, vitals={}, bed="Q7", patient__family_name="Okafor")
    quiet = admitted(nurse, vitals={}, bed="Q8", patient__family_name="Achebe")
    size = page.viewport_name  # type: ignore[attr-defined]
    sign_in(page, live_server.url, "nurse.ward", PASSWORD)
    page.goto(f"{live_server.url}/therapy/board/?refresh=1")
    rows = page.locator("#board-rows tr.board-row")
    expect(rows).to_have_count(8)
    # The relative times come from the script: "in 2 hours, 59 minutes", "10 minutes ago".
    expect(page.locator(f"#row-{dosed.patient.pk} .next-dose .relative")).to_have_text(
        re.compile(r"^in 2\u00a0hours, 5\d\u00a0minutes$")
    )
    expect(page.locator(f"#row-{quiet.patient.pk} .vitals .relative")).to_have_text(
        re.compile(r"^1\d\u00a0minutes ago$")
    )
    # Marks that a reload or a re-render would wipe: one on the window, one on each other row.
    page.evaluate("window.boardNotReloaded = true")
    page.evaluate(
        """id => document.querySelectorAll('#board-rows tr.board-row').forEach(tr => {
            if (tr.id !== 'row-' + id) tr.dataset.sameNode = 'yes'; })""",
        str(quiet.patient.pk),
    )
    token = page.locator("#board-token").input_value()
    expect(page.locator("#board-status")).to_contain_text("0 emergency")
    link = f"chart-link-{quiet.patient.pk}"
    page.focus(f"#{link}")  # the reader is on the patient whose row will change and move

    record_vitals(quiet.patient, nurse, minutes_ago=1, **CRS_GRADE_3)
    evaluation_run(patient_id=quiet.patient.pk, reason="vitals")

    row = page.locator(f"#row-{quiet.patient.pk}")
    expect(row).to_contain_text("EMERGENCY", timeout=15_000)
    expect(row.locator(".changed-note")).to_have_text(re.compile(r"^Changed \d\d:\d\d$"))
    expect(row.locator(".vitals .relative")).to_have_text(re.compile(r"^\d\u00a0minutes? ago$"))
    expect(rows.nth(0)).to_have_id(f"row-{quiet.patient.pk}")  # riskiest first, moved up
    assert page.evaluate("document.activeElement.id") == link  # swapped and moved: focus kept
    expect(page.locator("#board-status")).to_contain_text("1 emergency")
    expect(page.locator("#alert-badge")).to_contain_text("1 emergency")
    assert page.locator("#board-token").input_value() != token
    assert page.evaluate("window.boardNotReloaded === true"), "the page was reloaded"
    assert page.locator("#board-rows tr[data-same-node='yes']").count() == 7
    assert row.get_attribute("data-same-node") is None  # the changed row is a new node
    expect(rows).to_have_count(8)
    page.screenshot(path=str(artifacts_dir / f"board-oob-{size}.png"), full_page=True)

    # A board the server does not know (its token forgotten) gets the whole table, and the
    # new table goes on polling.
    # The token is set to one the server never gave until the whole table has come: a poll
    # already in flight when it is set brings the real token back with its status line.
    # (Waits, not timings: a poll a second, however slowly a loaded machine answers it.)
    page.wait_for_function(
        """() => {
            document.getElementById('board-token').value = '0'.repeat(32);
            return !document.querySelector("#board-rows tr[data-same-node='yes']");
        }""",
        polling=200,
        timeout=30_000,
    )
    expect(rows).to_have_count(8)
    expect(page.locator("#board-token")).to_have_value(re.compile(r"^[0-9a-f]{32}$"))
    shown = page.locator("#board-status time").inner_text()
    expect(page.locator("#board-status time")).not_to_have_text(shown, timeout=30_000)
    assert page.evaluate("window.boardNotReloaded === true"), "the page was reloaded"
