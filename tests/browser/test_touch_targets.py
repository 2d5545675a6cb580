"""Issue 14 item 6: on a tablet (820×1180, touch) every control a nurse may tap on the bedside
pages is at least 44 × 44 CSS px (WCAG 2.5.5; the project's --tap). Measured in the browser:
every visible link, button, input, select, textarea and summary; a radio or checkbox is
measured by its label when it has one (the label is what is tapped: it toggles the input)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page

from patients.services.observations import event_record, fluid_record
from tests.support.browser import VIEWPORTS, sign_in
from tests.support.factories import AdmissionFactory, UserFactory
from tests.support.therapy_fixtures import order_course, record_vitals

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MINIMUM = 44  # CSS px

# Every target smaller than MINIMUM in either dimension, named so a failure says which.
MEASURE = """(minimum) => {
  const small = [];
  const controls = document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary');
  for (const control of controls) {
    const style = getComputedStyle(control);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    let target = control;
    if ((control.type === 'radio' || control.type === 'checkbox') && control.labels.length) {
      target = control.labels[0];
    }
    const box = target.getBoundingClientRect();
    // Not drawn (hidden by an ancestor, or a visually hidden skip link until focused).
    if (!target.getClientRects().length || box.width <= 1 || box.height <= 1) continue;
    if (box.width < minimum || box.height < minimum) {
      const words = (target.innerText || target.value || target.getAttribute('aria-label')
        || target.name || target.id || '').trim().replace(/\\s+/g, ' ').slice(0, 40);
      small.push(`${target.tagName.toLowerCase()}${target.id ? '#' + target.id : ''}`
        + ` "${words}" ${Math.round(box.width)}x${Math.round(box.height)}`);
    }
  }
  return small;
}"""


def small_targets(page: Page) -> list[str]:
    return list(page.evaluate(MEASURE, MINIMUM))


def test_every_control_on_the_tablet_pages_is_at_least_44_px(
    live_server, browser: Browser, artifacts_dir
):
    nurse = UserFactory(role="nurse", username="nurse.touch")
    physician = UserFactory(role="physician", username="dr.touch")
    stay = AdmissionFactory(
        admitted_at=timezone.now() - timedelta(days=1),
        patient__given_name="Tomas",
        patient__family_name="Berg",
        patient__baseline_weight_kg=Decimal("80.0"),
        ward="7B",
        bed="2",
    )
    AdmissionFactory(patient__family_name="Second", ward="7B", bed="10")
    patient = stay.patient
    order_course(patient, physician, first_dose_in=timedelta(hours=1))
    record_vitals(patient, nurse, minutes_ago=20)
    now = timezone.now()
    fluid_record(
        patient=patient,
        by=nurse,
        direction="output",
        route="urine",
        volume_ml=200,
        period_start=now - timedelta(hours=3),
        period_end=now - timedelta(hours=2),
    )
    event_record(
        patient=patient, by=nurse, code="atrial_fibrillation", observed_at=now - timedelta(hours=1)
    )
    context = browser.new_context(**VIEWPORTS["tablet"])
    page = context.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, live_server.url, "nurse.touch", "correct-horse-battery")

    base = f"/patients/{patient.pk}/bedside"
    pages = {
        "ward": "/patients/bedside/",
        "patient": f"{base}/",
        "vitals": f"{base}/vitals/",
        "fluids": f"{base}/fluids/",
        "weight": f"{base}/weight/",
        "labs": f"{base}/labs/",
        "medications": f"{base}/medications/",
        "events": f"{base}/events/",
    }
    found: dict[str, list[str]] = {}
    for name, path in pages.items():
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        if name == "vitals":
            # The fields that appear on a choice count too: oxygen's flow, the pumps' doses.
            page.get_by_role("group", name="Oxygen").get_by_text("Nasal cannula", exact=True).tap()
            page.get_by_role("group", name="Vasopressors").get_by_text("Running", exact=True).tap()
        if name == "events":
            page.get_by_role("link", name="End…").tap()
            page.get_by_role("button", name="Record the end").wait_for()
        page.screenshot(path=str(artifacts_dir / f"touch-{name}-tablet.png"), full_page=True)
        if name == "ward":
            # Item 5: the "No complete set" chip (bed 10) shows all its words on a tablet.
            chips = page.locator(".news2-chip")
            assert chips.count() == 2
            for chip in chips.all():
                assert chip.evaluate("e => e.scrollWidth <= e.clientWidth"), chip.inner_text()
        small = small_targets(page)
        if small:
            found[name] = small
    context.close()

    report = [f"{name}: {target}" for name, targets in found.items() for target in targets]
    assert not report, "Smaller than 44 × 44 CSS px:\n" + "\n".join(report)
