"""Issue 14 item 4, the tablet pages beyond vitals, on a desktop (1440×900) and a tablet
(820×1180, touch): a lab result, a supportive medication and a clinical event recorded and the
event ended at the bedside; the fluid page's intake, output and running balance for this shift
and the last 24 h."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from patients.models import ClinicalEvent, FluidEntry, LabResult, SupportiveMedication
from patients.services.observations import fluid_record
from patients.shifts import shift_bounds
from tests.support.browser import sign_in
from tests.support.factories import AdmissionFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def stay(live_server, page: Page):  # type: ignore[no-untyped-def]
    nurse = UserFactory(role="nurse", username="nurse.pages")
    admission = AdmissionFactory(
        admitted_at=timezone.now() - timedelta(days=2),
        patient__given_name="Ines",
        patient__family_name="Moreau",
        patient__baseline_weight_kg=Decimal("64.0"),
        ward="7B",
        bed="6",
    )
    sign_in(page, live_server.url, "nurse.pages", "correct-horse-battery")
    admission.nurse = nurse
    return admission


def tap(page: Page, target: Locator) -> None:
    """A tap on the tablet (touch), a click on the desktop."""
    if page.viewport_name == "tablet":  # type: ignore[attr-defined]
        target.tap()
    else:
        target.click()


def choose(page: Page, group: str, choice: str) -> None:
    tap(page, page.get_by_role("group", name=group).get_by_text(choice, exact=True))


def test_a_lab_a_medication_and_an_event_recorded_and_the_event_ended(
    live_server, page: Page, stay, artifacts_dir
):
    size = page.viewport_name  # type: ignore[attr-defined]
    patient = stay.patient
    page.goto(f"{live_server.url}/patients/{patient.pk}/bedside/")

    tap(page, page.get_by_role("link", name="Lab result"))
    choose(page, "Test", "Creatinine (mg/dL)")
    page.get_by_label("Result", exact=True).fill("1.42")
    page.screenshot(path=str(artifacts_dir / f"bedside-lab-{size}.png"), full_page=True)
    tap(page, page.get_by_role("button", name="Save lab result"))
    expect(page.get_by_role("heading", name="Saved: lab result")).to_be_visible()
    expect(page.locator(".entry-result")).to_contain_text("1.42 mg/dL")
    lab = LabResult.objects.get()
    assert (lab.test, lab.value, lab.entered_by) == ("creatinine", Decimal("1.42"), stay.nurse)

    tap(page, page.get_by_role("link", name="Back to Ines", exact=True))
    tap(page, page.get_by_role("link", name="Supportive medication"))
    page.get_by_label("Drug", exact=True).fill("Paracetamol 1 g IV")
    choose(page, "Category", "Antipyretic")
    page.screenshot(path=str(artifacts_dir / f"bedside-medication-{size}.png"), full_page=True)
    tap(page, page.get_by_role("button", name="Save medication"))
    expect(page.get_by_role("heading", name="Saved: supportive medication")).to_be_visible()
    expect(page.locator(".entry-result")).to_contain_text("Paracetamol 1 g IV")
    medication = SupportiveMedication.objects.get()
    assert (medication.drug, medication.category) == ("Paracetamol 1 g IV", "antipyretic")

    tap(page, page.get_by_role("link", name="Back to Ines", exact=True))
    tap(page, page.get_by_role("link", name="Clinical event"))
    page.get_by_label("Event", exact=True).select_option(label="Atrial fibrillation")
    observed = timezone.localtime() - timedelta(minutes=40)  # it ends later, as on the ward
    page.get_by_label("Observed at", exact=True).fill(f"{observed:%Y-%m-%dT%H:%M}")
    page.get_by_label("Note", exact=True).fill("Irregular pulse 128, ECG done")
    tap(page, page.get_by_role("button", name="Save event"))
    expect(page.get_by_role("heading", name="Saved: clinical event")).to_be_visible()
    row = page.locator(".events-list tbody tr", has_text="Atrial fibrillation")
    expect(row).to_contain_text("Irregular pulse 128, ECG done")
    event = ClinicalEvent.objects.get()
    assert event.code == "atrial_fibrillation" and event.ended_at is None

    # Ending it, from the page that lists the stay's events.
    tap(page, page.get_by_role("link", name="Record another"))
    row = page.locator(".events-list tbody tr", has_text="Atrial fibrillation")
    tap(page, row.get_by_role("link", name="End…"))
    row.get_by_label("Note", exact=True).fill("Sinus rhythm restored")
    page.screenshot(path=str(artifacts_dir / f"bedside-event-end-{size}.png"), full_page=True)
    tap(page, row.get_by_role("button", name="Record the end"))
    expect(row).to_contain_text("Ended")
    expect(row).to_contain_text("Sinus rhythm restored")
    event.refresh_from_db()
    assert event.ended_at is not None and event.ended_by == stay.nurse
    assert event.end_note == "Sinus rhythm restored"
    assert ClinicalEvent.objects.count() == 1  # ending it recorded no second event
    # What was typed to end it is no draft of the entry form: nothing waits to be sent.
    expect(page.get_by_role("link", name=re.compile("Not sent"))).to_have_count(0)
    page.reload()
    row = page.locator(".events-list tbody tr", has_text="Atrial fibrillation")
    expect(row).to_contain_text("Ended")
    expect(row.get_by_role("link", name="End…")).to_have_count(0)


def balance_row(page: Page, span: str) -> list[str]:
    row = page.locator(".fluid-balance tbody tr", has_text=span).first
    return [re.sub(r"\s+", " ", text).strip() for text in row.locator("td").all_inner_texts()]


def test_the_fluid_page_shows_intake_output_and_the_running_balance(
    live_server, page: Page, stay, artifacts_dir
):
    """An intake and an output earlier this shift, an intake before the shift but within 24 h
    (counted in 24 h only), then a urine output typed on the page: both spans update."""
    size = page.viewport_name  # type: ignore[attr-defined]
    patient, nurse = stay.patient, stay.nurse
    now = timezone.now()
    shift_start, _ = shift_bounds(timezone.localtime(now))
    # Within this shift whenever the test runs (a period may end at the shift's first minute).
    in_shift = max(shift_start, now - timedelta(minutes=30))
    before_shift = shift_start - timedelta(hours=2)
    for direction, route, volume, end in (
        ("intake", "iv", 1000, in_shift),
        ("output", "drain", 300, in_shift),  # not urine: the typed urine may overlap it
        ("intake", "oral", 400, before_shift),
    ):
        fluid_record(
            patient=patient,
            by=nurse,
            direction=direction,
            route=route,
            volume_ml=volume,
            period_start=end - timedelta(hours=1),
            period_end=end,
        )
    page.goto(f"{live_server.url}/patients/{patient.pk}/bedside/fluids/")
    assert balance_row(page, "This shift") == ["1000 mL", "300 mL", "+700 mL"]
    assert balance_row(page, "Last 24 h") == ["1400 mL", "300 mL", "+1100 mL"]

    choose(page, "In or out", "Output")
    choose(page, "Route", "Urine")
    page.get_by_label("Volume", exact=True).fill("950")
    tap(page, page.get_by_role("button", name="1 h"))
    tap(page, page.get_by_role("button", name="Save fluid entry"))
    expect(page.locator(".fluid-balance")).to_be_visible()
    expect(page.locator(".fluid-balance tbody tr", has_text="This shift")).to_contain_text(
        "1250 mL"
    )
    assert balance_row(page, "This shift") == ["1000 mL", "1250 mL", "-250 mL"]
    assert balance_row(page, "Last 24 h") == ["1400 mL", "1250 mL", "+150 mL"]
    page.screenshot(path=str(artifacts_dir / f"bedside-fluid-balance-{size}.png"), full_page=True)
    assert FluidEntry.objects.count() == 4
