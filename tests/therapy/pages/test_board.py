"""The clinicians' ward board: what each row says, the risk order, the ward filter, the
polled rows, and a query count that does not grow with the number of patients."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format

from tests.support.therapy_fixtures import (
    CRS_GRADE_3,
    NEWS2_MEDIUM,
    admitted,
    order_course,
)
from therapy.mar import courses
from therapy.models import Alert, MonitorState
from therapy.monitor.alerts import alert_acknowledge
from therapy.pages.board import ward_board
from therapy.pages.wording import time_words
from therapy.state.health import clock

pytestmark = pytest.mark.django_db


def board_html(client, user, **params):  # type: ignore[no-untyped-def]
    client.force_login(user)
    response = client.get(reverse("therapy:board"), params)
    assert response.status_code == 200
    return response.content.decode()


def test_a_row_shows_bed_therapy_vitals_scores_precheck_and_alerts(client, nurse, physician):
    stay = admitted(
        nurse,
        physician,
        vitals=CRS_GRADE_3,
        bed="4",
        patient__family_name="Okafor",
        patient__given_name="Ada",
    )

    board = ward_board(user=nurse)

    (row,) = board.rows
    assert (row.admission, row.therapy.next_dose.number, row.therapy.max_doses) == (stay, 1, 14)
    assert row.crs_grade == 3 and row.crs_words == "Grade 3"
    assert row.top_severity_words == "Emergency" and row.unacknowledged >= 1
    assert row.news2_total == 4 and row.news2_band_words == "Low–medium"
    assert row.vitals_status == "ok" and row.dose_status == "scheduled"
    # The dose is 3 h away: the check is provisional and says what the picture of now means,
    # with the dose's window and what it still needs — never a bare INSUFFICIENT DATA.
    summary = row.precheck_summary
    assert summary.provisional and summary.headline == "Provisional: would hold now"
    assert "SBP 84 mmHg" in summary.reasons
    window = row.therapy.window
    # Times of another day carry their date ("dose at 1 Dec 00:11" from 21:11): time_words.
    assert summary.window == (
        f"Window opens {time_words(window.opens_at)}, dose at {time_words(window.due_at)}"
    )
    assert any("urine output recorded" in need for need in summary.needs)
    page = board_html(client, nurse)
    assert "Provisional: would hold now" in page and "SBP 84 mmHg" in page
    assert "INSUFFICIENT DATA" not in page
    assert "OKAFOR, Ada" in page and "Bed 4" in page
    assert "Cycle 1 · dose 1 of 14" in page and "0 given · 0 held" in page
    assert "EMERGENCY" in page and "Cytokine release syndrome" in page
    assert "4 Low–medium" in page  # the band in words beside its colour
    assert "Grade 3" in page
    assert reverse("therapy:chart", args=[stay.patient.pk]) in page


def test_a_held_dose_counts_and_the_next_one_is_shown(nurse, physician):
    stay = admitted(nurse, physician, vitals={}, first_dose_in=timedelta(minutes=90))
    course = stay.patient.courses.get()
    courses.dose_hold(
        dose=course.doses.get(number=1), by=nurse, reasons=["clinical_judgement"], note="rigors"
    )

    (row,) = ward_board(user=nurse).rows
    assert row.therapy.doses_held == 1 and row.therapy.next_dose.number == 2


def test_in_cycle_2_the_board_counts_cycle_2(nurse, physician):
    stay = admitted(nurse, vitals={}, evaluate=False)
    course = order_course(
        stay.patient,
        physician,
        first_dose_in=-timedelta(days=20),
        cycle_2_start=timezone.now() + timedelta(hours=1),
    )
    cycle_1 = course.doses.filter(cycle=1)
    cycle_1.filter(number__lte=10).update(
        status="held", held_at=timezone.now(), held_by=nurse, hold_reasons=["clinical_judgement"]
    )
    cycle_1.filter(number__gt=10).update(status="cancelled")
    course.doses.filter(cycle=2, number=1).update(
        status="held", held_at=timezone.now(), held_by=nurse, hold_reasons=["sbp_lt_90"]
    )

    (row,) = ward_board(user=nurse).rows
    assert (row.therapy.cycle, row.therapy.doses_held, row.therapy.next_dose.number) == (2, 1, 2)


def test_risk_order_severity_then_unacknowledged_then_news2_then_bed(nurse, physician):
    quiet = admitted(nurse, vitals={}, bed="1")
    tachy = admitted(nurse, vitals={"heart_rate": 95}, bed="2")  # NEWS2 1, no alert
    medium = admitted(nurse, vitals=NEWS2_MEDIUM, bed="3")  # urgent
    crs = admitted(nurse, vitals=CRS_GRADE_3, bed="5")  # emergency
    acknowledged = admitted(nurse, vitals=NEWS2_MEDIUM, bed="6")  # urgent, acknowledged
    alert = Alert.objects.get(patient=acknowledged.patient, kind="news2_medium")
    alert_acknowledge(alert=alert, by=nurse, note="medical team informed", now=timezone.now())

    order = [row.admission for row in ward_board(user=nurse).rows]

    assert order == [crs, medium, acknowledged, tachy, quiet]
    by_bed = [row.admission for row in ward_board(user=nurse, sort="bed").rows]
    assert by_bed == [quiet, tachy, medium, crs, acknowledged]


def test_bed_order_is_natural_and_the_ward_filter_keeps_one_ward(client, nurse):
    ten = admitted(nurse, bed="10", evaluate=False)
    two = admitted(nurse, bed="2", evaluate=False)
    other = admitted(nurse, bed="1", ward="8A Haematology", evaluate=False)

    assert [r.admission for r in ward_board(user=nurse, sort="bed").rows] == [two, ten, other]
    assert [r.admission for r in ward_board(user=nurse, ward="8A Haematology").rows] == [other]
    page = board_html(client, nurse, ward="8A Haematology")
    assert other.patient.family_name.upper() in page
    assert ten.patient.family_name.upper() not in page
    assert 'aria-current="page">8A Haematology</a>' in page


def test_vitals_turn_due_then_overdue_with_words(client, nurse):
    stay = admitted(nurse, vitals={}, evaluate=True)  # NEWS2 0 out of cycle: due every 12 h
    taken = stay.patient.monitor_state.assessed_at - timedelta(minutes=10)
    interval = timedelta(minutes=stay.patient.monitor_state.findings["due_interval_minutes"])

    def status(after: timedelta) -> str:
        (row,) = ward_board(user=nurse, now=taken + after).rows
        return row.vitals_status

    assert status(interval * 0.5) == "ok"
    assert status(interval * 0.8) == "due"
    assert status(interval + timedelta(minutes=1)) == "overdue"


def test_an_overdue_dose_is_red_and_says_so(client, nurse, physician):
    stay = admitted(nurse, physician, vitals={})
    dose = stay.patient.courses.get().doses.get(number=1)

    # Overdue when the monitor raises dose_overdue (30 min after its time); due from the
    # window's opening 2 h before it; scheduled before that — one definition (therapy.state).
    for after, status in (
        (timedelta(minutes=30), "overdue"),
        (timedelta(minutes=29), "due"),
        (timedelta(minutes=5), "due"),
        (-timedelta(minutes=120), "due"),
        (-timedelta(minutes=121), "scheduled"),
    ):
        (row,) = ward_board(user=nurse, now=dose.scheduled_at + after).rows
        assert row.dose_status == status, after

    dose.scheduled_at = timezone.now() - timedelta(minutes=40)
    dose.save(update_fields=["scheduled_at"])
    page = board_html(client, nurse)
    # "OVERDUE 40 minutes": the browser writes the minutes from the dose's time (board.js),
    # so that the row is the same at every poll until its state changes.
    at = date_format(dose.scheduled_at, "c")
    assert "dose-overdue" in page
    assert f'OVERDUE <span class="relative" data-relative="for" data-at="{at}">' in page


def test_a_precheck_about_another_dose_is_not_shown(nurse, physician):
    stay = admitted(
        nurse,
        physician,
        vitals={"systolic_bp": 84, "diastolic_bp": 50},
        first_dose_in=timedelta(minutes=90),
    )
    (row,) = ward_board(user=nurse).rows
    assert row.precheck_words == "HOLD"

    course = stay.patient.courses.get()
    courses.dose_hold(dose=course.doses.get(number=1), by=nurse, reasons=["sbp_lt_90"])

    (row,) = ward_board(user=nurse).rows  # the stored check is about dose 1, now held
    assert row.precheck is None and row.precheck_words == "Awaiting check"


def test_a_stale_or_missing_assessment_is_flagged(client, nurse):
    never = admitted(nurse, vitals={}, evaluate=False, bed="1")
    old = admitted(nurse, vitals={}, bed="2")
    earlier = timezone.now() - timedelta(minutes=40)
    MonitorState.objects.filter(patient=old.patient).update(
        assessed_at=earlier, last_success_at=earlier
    )

    rows = {row.admission: row for row in ward_board(user=nurse).rows}
    assert rows[never].assessment_stale and rows[never].crs_words == "Not assessed"
    assert rows[never].monitor.status == "never"
    assert rows[old].assessment_stale and rows[old].monitor.status == "stale"
    assert rows[old].crs_words == rows[old].vls_words == "Not monitored"
    page = board_html(client, nurse)
    assert "Not yet assessed by the monitor" in page
    assert f"Not monitored since {clock(earlier, timezone.now())} — " in page
    assert "no evaluation has succeeded for 40 min" in page


def test_the_polled_rows_carry_their_own_poll_and_the_status_line(client, nurse):
    admitted(nurse, vitals=CRS_GRADE_3, bed="1", ward="7B Oncology")
    client.force_login(nurse)

    response = client.get(
        reverse("therapy:board-rows"),
        {"ward": "7B Oncology", "refresh": "0"},
        HTTP_HX_REQUEST="true",
    )

    # Without the token of a board the reader has, the poll sends the whole table (out of
    # band: the poll itself swaps nothing), the status line and the badge.
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith('<tbody id="board-rows"')
    assert 'hx-trigger="every 1s"' in html  # clamped to 1-300 s
    assert 'hx-swap="none"' in html and 'hx-include="#board-token"' in html
    assert "ward=7B+Oncology" in html and "refresh=1" in html
    assert 'id="board-status"' in html and 'id="board-token"' in html
    assert "1 emergency" in html
    # The status line says what it counts: patients, by their most severe open alert.
    assert "Patients by their most severe open alert (acknowledged or not):" in html
    assert '<span id="alert-badge"' in html  # the header badge follows the board
    assert html.count('hx-swap-oob="true"') == 3  # the table, the status line, the badge
    assert "<html" not in html


def test_the_default_refresh_is_30_seconds_and_overridable(client, nurse, settings):
    page = board_html(client, nurse)
    assert 'hx-trigger="every 30s"' in page and 'id="board-stale"' in page
    settings.IL2_BOARD_REFRESH_SECONDS = 15
    assert 'hx-trigger="every 15s"' in board_html(client, nurse)


def test_who_may_see_the_board(client, nurse, pharmacist, make_user):
    assert client.get(reverse("therapy:board")).status_code == 302  # to sign in
    client.force_login(make_user(None, username="no.role"))
    assert client.get(reverse("therapy:board")).status_code == 403
    assert client.get(reverse("therapy:board-rows")).status_code == 403
    client.force_login(pharmacist)
    assert client.get(reverse("therapy:board")).status_code == 200


def test_a_poll_after_sign_out_swaps_nothing_and_sends_the_page_to_sign_in(client):
    rows = client.get(reverse("therapy:board-rows"), HTTP_HX_REQUEST="true")
    assert rows.status_code == 204 and not rows.content
    assert rows["HX-Redirect"] == "/accounts/login/?next=/therapy/board/"
    badge = client.get(reverse("therapy:alert-badge"), HTTP_HX_REQUEST="true")
    assert badge.status_code == 204 and not badge.content and "HX-Redirect" not in badge


def test_home_goes_to_the_board(client, physician):
    client.force_login(physician)  # a nurse starts at the bedside work list instead
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == reverse("therapy:board")


def test_the_header_badge_counts_active_alerts_on_every_page(client, nurse, make_user):
    admitted(nurse, vitals=CRS_GRADE_3)  # emergency crs (+ an urgent NEWS2 low-medium)
    active = Alert.objects.filter(status="active").count()
    client.force_login(nurse)

    page = client.get(reverse("patients:list")).content.decode()

    assert f'<span class="count">{active}</span>' in page and "1 emergency" in page
    assert reverse("patients:bedside") in page and reverse("therapy:board") in page
    badge = client.get(reverse("therapy:alert-badge")).content.decode()
    assert badge.startswith('<span id="alert-badge"') and 'hx-trigger="every 60s"' in badge
    client.force_login(make_user(None, username="no.role"))
    page = client.get(reverse("therapy:alert-badge")).content.decode()
    assert '<span class="count">0</span>' in page


def make_ward(beds: range, nurse, physician) -> None:  # type: ignore[no-untyped-def]
    """A patient in each bed: every other one on a course, every third with a CRS picture
    (open alerts), all assessed by the monitor."""
    for i in beds:
        admitted(
            nurse,
            physician if i % 2 == 0 else None,
            vitals=CRS_GRADE_3 if i % 3 == 0 else {},
            bed=str(i + 1),
        )


def test_board_queries_do_not_grow_with_the_number_of_patients(
    client, nurse, physician, django_assert_num_queries
):
    make_ward(range(10), nurse, physician)
    client.force_login(nurse)
    client.get(reverse("therapy:board"))  # warm the session (and build every row)
    # the session, the user and its permissions (2), the census (each open stay's patient
    # and state version), the wards, the header's groups and alert counts: every row is kept
    with django_assert_num_queries(8):  # 10 patients
        assert client.get(reverse("therapy:board")).status_code == 200
    nurse.get_all_permissions()  # the page's request has them cached; so does the selector
    # admissions, then the patients' states (courses, doses, vitals ids, sets, vasopressors,
    # monitor states, alerts), then the wards
    with django_assert_num_queries(9):
        assert len(ward_board(user=nurse).rows) == 10

    make_ward(range(10, 60), nurse, physician)
    # 50 new rows to build: the 8, and their stays and states (8) once for all of them
    with django_assert_num_queries(16):
        assert client.get(reverse("therapy:board")).status_code == 200
    with django_assert_num_queries(8):  # 60 patients, all kept: the same as 10
        assert client.get(reverse("therapy:board")).status_code == 200
    with django_assert_num_queries(9):
        assert len(ward_board(user=nurse).rows) == 60
