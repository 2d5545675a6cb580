"""Issue 14 item 6, on a desktop (1440×900) and a tablet (820×1180, touch): the labels drawn at
the right edge of the chart's panels — band names, reference lines' thresholds, projections —
never overlap, measured as the browser draws them. The world puts thresholds on top of each
other: a baseline creatinine of 2.0 mg/dL puts "1.5 × baseline" on the "3: stop" line, and a
creatinine rising to 5.8 and NEWS2 scores to 17 squeeze the lines and bands together."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page

from patients.services.observations import lab_record
from patients.services.vitals import vitals_record
from tests.support.browser import sign_in
from tests.support.factories import AdmissionFactory, UserFactory
from tests.support.therapy_fixtures import NORMAL

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Every right-edge label of each panel, with its box as drawn (CSS px).
BOXES = """() => Array.from(document.querySelectorAll('figure.chart-panel')).map(panel => ({
  panel: panel.id,
  labels: Array.from(
    panel.querySelectorAll('text.ref-label, text.zone-label, text.projection-label')
  ).map(text => {
    const b = text.getBoundingClientRect();
    return {text: text.textContent, left: b.left, right: b.right, top: b.top, bottom: b.bottom};
  }),
}))"""


def overlapping(labels: list[dict]) -> list[str]:
    found = []
    for i, a in enumerate(labels):
        for b in labels[i + 1 :]:
            if (
                a["left"] < b["right"]
                and b["left"] < a["right"]
                and a["top"] < b["bottom"] - 0.5
                and b["top"] < a["bottom"] - 0.5
            ):
                found.append(f'"{a["text"]}" and "{b["text"]}"')
    return found


def test_the_labels_at_the_right_edge_never_overlap(live_server, page: Page, artifacts_dir):
    size = page.viewport_name  # type: ignore[attr-defined]
    nurse = UserFactory(role="nurse", username="nurse.labels")
    now = timezone.now()
    stay = AdmissionFactory(
        admitted_at=now - timedelta(days=2),
        patient__family_name="Laurent",
        patient__baseline_creatinine_mg_dl=Decimal("2.0"),
    )
    patient = stay.patient
    for hours, creatinine in ((40, "2.0"), (28, "2.9"), (16, "4.1"), (4, "5.8")):
        lab_record(
            patient=patient,
            by=nurse,
            test="creatinine",
            value=Decimal(creatinine),
            unit="mg/dL",
            collected_at=now - timedelta(hours=hours),
        )
    worse = {"respiratory_rate": 30, "spo2": 85, "systolic_bp": 88, "heart_rate": 135}
    for hours, values in ((30, {}), (12, worse), (2, {**worse, "consciousness": "voice"})):
        vitals_record(
            patient=patient, by=nurse, taken_at=now - timedelta(hours=hours), **{**NORMAL, **values}
        )

    sign_in(page, live_server.url, "nurse.labels", "correct-horse-battery")
    page.goto(f"{live_server.url}/therapy/patients/{patient.pk}/chart/")
    page.screenshot(path=str(artifacts_dir / f"chart-labels-{size}.png"), full_page=True)
    for key in ("creatinine", "urine_8h"):
        page.locator(f"#panel-{key}").screenshot(
            path=str(artifacts_dir / f"chart-labels-{key}-{size}.png")
        )
    panels = {panel["panel"]: panel["labels"] for panel in page.evaluate(BOXES)}

    creatinine = [label["text"] for label in panels["panel-creatinine"]]
    assert {"3: stop", "1.5 × baseline", "2.5: hold", "baseline 2"} <= set(creatinine)
    assert len(panels["panel-news2"]) == 3  # the three bands' names
    found = {key: overlapping(labels) for key, labels in panels.items()}
    assert {key: pairs for key, pairs in found.items() if pairs} == {}
