"""The patient chart: windows, the SVG panels with their reference lines and dose markers,
the flowsheet with corrections visible, urine per hour and per shift counted as the monitor
counts it, and a query count that does not grow with the record."""

from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from patients.services.observations import fluid_record
from patients.services.vitals import vitals_record
from tests.support.factories import AdmissionFactory
from tests.support.therapy_fixtures import NORMAL, on_cycle
from therapy.pages import views as pages
from therapy.pages.chart import (
    SHIFT_START_HOURS,
    mean_arterial_pressure,
    patient_chart,
    urine_bins,
)
from therapy.pages.chart_svg import TimeAxis, ValueAxis, series
from therapy.state.patient_state import patient_state

pytestmark = pytest.mark.django_db


def chart_of(patient, user, window="72h"):  # type: ignore[no-untyped-def]
    return patient_chart(state=patient_state(patient=patient), window=window)


def test_the_chart_page_has_a_header_nine_panels_dose_marks_and_a_flowsheet(
    client, nurse, physician
):
    stay, _ = on_cycle(nurse, physician)
    client.force_login(physician)

    response = client.get(reverse("therapy:chart", args=[stay.patient.pk]), {"window": "72h"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "LINDQVIST" in page and "next dose 3 of 14" in page and "1 given · 1 held" in page
    for title in (
        "NEWS2",
        "Temperature",
        "Blood pressure: systolic, diastolic and MAP",
        "Heart rate",
        "SpO2, with oxygen",
        "Weight against baseline",
        "Urine output per hour",
        "Urine output per 8 h shift",
        "Creatinine",
    ):
        assert f">{title} <span" in page, title
    assert page.count('<g class="dose dose-given">') == 9  # one marker per panel
    assert page.count('<g class="dose dose-held">') == 9
    assert ">G1</text>" in page and ">H2</text>" in page
    assert "ENTERED IN ERROR" in page and "wrong patient" in page
    assert "GIVEN</strong>" in page and "checked by nurse.checker" in page
    assert "HELD</strong>" in page and "Clinical judgement" in page
    assert 'role="img"' in page and "<desc" in page
    assert "cdn" not in page.lower()


def test_the_header_comes_from_the_patients_state(client, nurse, physician):
    stay, _ = on_cycle(nurse, physician, hours_of_vitals=6)
    client.force_login(nurse)
    with mock.patch.object(pages, "patient_state", wraps=patient_state) as state:
        assert client.get(reverse("therapy:chart", args=[stay.patient.pk])).status_code == 200
    state.assert_called_once()


def test_windows_24h_72h_and_the_whole_cycle(nurse, physician):
    stay, course = on_cycle(nurse, physician, hours_of_vitals=6)
    first = course.doses.get(number=1).scheduled_at

    day = chart_of(stay.patient, nurse, "24h")
    three = chart_of(stay.patient, nurse, "72h")
    cycle = chart_of(stay.patient, nurse, "cycle")
    unknown = chart_of(stay.patient, nurse, "forever")

    assert day.end - day.start == timedelta(hours=24)
    assert three.end - three.start == timedelta(hours=72)
    assert cycle.start == first - timedelta(hours=12)
    assert unknown.window == "72h"
    assert [m.label for m in cycle.marks] == ["G1", "H2"]
    assert [m.label for m in day.marks] == ["H2"]  # dose 1 was 30 h ago


def test_corrections_are_left_out_of_the_plots_but_shown_in_the_flowsheet(nurse, physician):
    stay, _ = on_cycle(nurse, physician, hours_of_vitals=6)

    chart = chart_of(stay.patient, nurse)

    temperature = next(p for p in chart.panels if p.key == "temperature")
    titles = [point.title for point in temperature.series[0].points]
    assert titles and not any("40.9" in title for title in titles)
    assert any(v.entered_in_error and v.temperature_c == Decimal("40.9") for v in chart.vitals)


def test_reference_lines_come_from_the_rule_profile_and_the_baseline(nurse, physician):
    stay, _ = on_cycle(nurse, physician, hours_of_vitals=6)

    panels = {p.key: p for p in chart_of(stay.patient, nurse).panels}

    def labels(key: str) -> list[str]:
        return [line.label for line in panels[key].lines]

    assert labels("temperature") == ["fever 38 °C"]
    assert labels("bp") == ["SBP 90: hold"]
    assert labels("hr") == ["100: hold", "130: stop"]
    assert labels("weight") == ["baseline 72 kg", "+5 %", "+10 %", "+15 %"]
    assert labels("urine_8h") == ["80: stop", "160: hold"]
    assert labels("urine_hourly") == ["0.5 mL/kg/h = 36"]
    assert labels("creatinine") == ["2.5: hold", "3: stop", "baseline 1", "1.5 × baseline"]
    weight = panels["weight"]
    ys = [line.y for line in weight.lines]
    assert ys == sorted(ys, reverse=True)  # heavier is higher on the plot
    assert [len(s.points) for s in weight.series] == [0]  # no weight in the last 6 h


def test_urine_per_hour_and_per_shift_count_a_period_in_proportion(nurse):
    stay = AdmissionFactory(admitted_at=timezone.now() - timedelta(days=2))
    start = timezone.localtime(timezone.now() - timedelta(days=1)).replace(
        hour=SHIFT_START_HOURS[0], minute=0, second=0, microsecond=0
    )
    entry = fluid_record(
        patient=stay.patient,
        by=nurse,
        direction="output",
        route="urine",
        volume_ml=400,
        period_start=start + timedelta(hours=6),
        period_end=start + timedelta(hours=10),  # straddles the 14:00 shift change
    ).record

    hourly = urine_bins(
        [entry], [start + timedelta(hours=h) for h in range(12)], timedelta(hours=1)
    )
    shifts = urine_bins([entry], [start, start + timedelta(hours=8)], timedelta(hours=8))

    assert [(b.start.hour, b.rate_ml_h) for b in hourly] == [
        (12, 100),
        (13, 100),
        (14, 100),
        (15, 100),
    ]
    assert [(b.volume_ml, b.recorded_hours, b.complete) for b in shifts] == [
        (200, 2, False),
        (200, 2, False),
    ]


def test_geometry_axes_ticks_and_gaps():
    now = timezone.now()
    time = TimeAxis(now - timedelta(hours=24), now)
    assert time.x(now - timedelta(hours=24)) == 56 and time.x(now) == 706
    assert len(time.ticks()) in (4, 5)
    scale = ValueAxis([36.4, 39.2], (35.5, 39.5))
    assert scale.low <= 35.5 and scale.high >= 39.5 and len(scale.ticks()) <= 7
    assert scale.y(scale.high) < scale.y(scale.low)  # higher values drawn higher
    readings = [
        (now - timedelta(hours=20), 37.0, "a"),
        (now - timedelta(hours=18), 37.2, "b"),
        (now - timedelta(hours=2), 38.1, "c"),  # 16 h later: the line breaks
    ]
    line = series("Temperature", "s-temp", readings, time, scale, timedelta(hours=8))
    assert line.path.count("M") == 2 and line.path.count("L") == 1
    assert mean_arterial_pressure(120, 60) == 80 and mean_arterial_pressure(120, None) is None


def test_an_empty_chart_says_nothing_was_recorded(client, nurse):
    stay = AdmissionFactory()
    client.force_login(nurse)
    page = client.get(reverse("therapy:chart", args=[stay.patient.pk]), {"window": "cycle"})
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count("Nothing recorded in this window") == 9
    assert "No IL-2 course" in html and "No vital signs in this window." in html


def test_who_may_see_a_chart(client, nurse, make_user):
    stay = AdmissionFactory()
    url = reverse("therapy:chart", args=[stay.patient.pk])
    assert client.get(url).status_code == 302
    client.force_login(make_user(None, username="no.role"))
    assert client.get(url).status_code == 403
    client.force_login(nurse)
    missing = reverse("therapy:chart", args=["00000000-0000-0000-0000-000000000000"])
    assert client.get(missing).status_code == 404


def test_chart_queries_do_not_grow_with_the_record(
    client, nurse, physician, django_assert_num_queries
):
    stay, _ = on_cycle(nurse, physician, hours_of_vitals=10)
    client.force_login(nurse)
    url = reverse("therapy:chart", args=[stay.patient.pk])
    client.get(url)

    # the session, the user and its permissions (2), the patient, the patient's state (8),
    # the window's doses, sets and their vasopressors, fluids, labs, the rule profile, the
    # blood-pressure reference, the header's groups and alert counts, the admission's events
    with django_assert_num_queries(23):
        assert client.get(url, {"window": "72h"}).status_code == 200
    now = timezone.now()
    for minutes in range(10, 600, 20):
        vitals_record(
            patient=stay.patient, by=nurse, taken_at=now - timedelta(minutes=minutes), **NORMAL
        )
    with django_assert_num_queries(23):  # 30 more sets: the same
        assert client.get(url, {"window": "72h"}).status_code == 200


def test_the_patient_page_links_to_the_chart(client, nurse, pharmacist):
    stay = AdmissionFactory()
    chart = reverse("therapy:chart", args=[stay.patient.pk])
    for user in (nurse, pharmacist):
        client.force_login(user)
        page = client.get(reverse("patients:detail", args=[stay.patient.pk])).content.decode()
        assert f'href="{chart}">Chart and trends</a>' in page


def test_labels_near_the_right_edge_end_there():
    """Issue 14 item 6: a time label or dose mark at the right edge is anchored to end there,
    never centred across it."""
    from therapy.pages.chart_svg import LEFT, RIGHT, WIDTH, DoseMark, Tick

    assert Tick(WIDTH - RIGHT, "14:00").anchor == "end"
    assert Tick(LEFT, "08:00").anchor == "start"
    assert Tick(WIDTH / 2, "11:00").anchor == "middle"
    assert DoseMark(WIDTH - RIGHT - 2, "given", "G3", "").anchor == "end"
