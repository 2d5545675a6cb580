"""§7 (v2) on the chart: a projected crossing is drawn as a dashed line from the newest value
to the next dose, with the threshold it crosses labelled; none without a crossing."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.support.therapy_fixtures import order_course, record_vitals
from therapy.monitor.evaluation import evaluation_run

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("values", "drawn"), [((120, 110, 100), True), ((118, 118, 118), False)])
def test_the_projection_is_a_dashed_line_to_the_next_dose(
    client, admission, nurse, physician, values, drawn
):
    patient = admission.patient
    order_course(patient, physician, first_dose_in=timedelta(hours=6))
    for minutes_ago, sbp in zip((8 * 60, 4 * 60, 5), values, strict=True):
        record_vitals(patient, nurse, minutes_ago=minutes_ago, systolic_bp=sbp)
    evaluation_run(patient_id=patient.pk, reason="vitals", now=timezone.now())
    client.force_login(physician)

    page = client.get(reverse("therapy:chart", args=[patient.pk])).content.decode()

    assert page.count('class="projection-line"') == (1 if drawn else 0)
    if drawn:
        bp_panel = page[page.index('id="panel-bp"') :]
        bp_panel = bp_panel[: bp_panel.index("</figure>")]
        assert 'class="projection-line"' in bp_panel
        assert 'class="projection-threshold"' in bp_panel
        assert "by next dose: &lt; 90</text>" in bp_panel
