"""The board's poll sends only what changed (issue 16 item 3): rows kept by state version, a
token naming the board a reader has, and a query count that does not move with the ward."""

import re
from datetime import timedelta
from unittest.mock import patch

import pytest
import time_machine
from django.core.cache import caches
from django.urls import reverse
from django.utils import timezone
from redis.exceptions import ConnectionError as RedisConnectionError

from patients.models import Admission
from tests.support.factories import AdmissionFactory
from tests.support.therapy_fixtures import CRS_GRADE_3, admitted, record_vitals
from therapy.monitor.evaluation import evaluation_run
from therapy.pages.board import ward_board
from therapy.pages.board_cache import cached_board

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'id="board-token" name="token" value="([0-9a-f]{32})"')
SENT_ROW = re.compile(r'<tr hx-swap-oob="true" id="row-([0-9a-f-]+)"')
ANY_ROW = re.compile(r'<tr [^>]*id="row-([0-9a-f-]+)"')


def token_of(html: str) -> str:
    found = TOKEN.search(html)
    assert found, "the page carries the board's token"
    return found.group(1)


def poll(client, token: str = "", **params: str) -> str:  # type: ignore[no-untyped-def]
    response = client.get(
        reverse("therapy:board-rows"), {**params, "token": token}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    return response.content.decode()


def page(client, **params: str) -> str:  # type: ignore[no-untyped-def]
    response = client.get(reverse("therapy:board"), params)
    assert response.status_code == 200
    return response.content.decode()


def ward_of(size: int, nurse, physician) -> list[Admission]:  # type: ignore[no-untyped-def]
    """Ten assessed patients (half on a course, some with open alerts), the rest admitted
    with nothing recorded yet."""
    stays = [
        admitted(
            nurse,
            physician if i % 2 == 0 else None,
            vitals=CRS_GRADE_3 if i % 3 == 0 else {},
            bed=str(i + 1),
        )
        for i in range(10)
    ]
    return stays + AdmissionFactory.create_batch(size - 10)


@pytest.mark.parametrize("size", [10, 200])
def test_poll_queries_are_the_same_at_10_and_200_patients(
    size, client, nurse, physician, django_assert_num_queries
):
    stays = ward_of(size, nurse, physician)
    client.force_login(nurse)
    token = token_of(page(client))  # builds and keeps every row

    # the session, the user, its permissions (2), the census (each open stay's patient and
    # state version), the header's groups and the badge's alert counts: no row is read or drawn
    with (
        django_assert_num_queries(7),
        # the census and the kept summary of the board say it is current: no row is looked at
        patch("therapy.pages.views.cached_board", side_effect=AssertionError("rows read")),
    ):
        html = poll(client, token)
    assert token_of(html) == token and not ANY_ROW.search(html)
    assert f"{size} patients" in html

    record_vitals(stays[2].patient, nurse, minutes_ago=1, heart_rate=112)  # on a course
    # the one changed row's stay and state: courses, doses, vitals ids, sets, vasopressors,
    # monitor states, alerts — the same 8 for 1 row as for 200
    with django_assert_num_queries(15):
        html = poll(client, token)
    assert SENT_ROW.findall(html) == [str(stays[2].patient_id)]

    # the whole page, every row kept: the 7 and the wards
    with django_assert_num_queries(8):
        assert len(ANY_ROW.findall(page(client))) == size


def test_a_poll_with_a_current_token_sends_no_rows(client, nurse, physician):
    ward_of(12, nurse, physician)
    client.force_login(nurse)
    token = token_of(page(client))

    html = poll(client, token)

    assert "<tr" not in html and 'id="board-rows"' not in html and "board-order" not in html
    # the status line (with the same token) and the badge, as at every poll
    assert html.count('hx-swap-oob="true"') == 2
    assert token_of(html) == token and "12 patients" in html
    assert '<span id="alert-badge"' in html


def test_a_change_to_one_patient_sends_exactly_that_row(client, nurse, physician):
    stays = ward_of(12, nurse, physician)
    quiet = stays[4]  # a normal set, no alert
    client.force_login(nurse)
    token = token_of(page(client, sort="bed"))

    record_vitals(quiet.patient, nurse, minutes_ago=1, **CRS_GRADE_3)
    evaluation_run(patient_id=quiet.patient.pk, reason="vitals")
    html = poll(client, token, sort="bed")

    assert SENT_ROW.findall(html) == [str(quiet.patient_id)]
    assert ANY_ROW.findall(html) == [str(quiet.patient_id)]
    assert "EMERGENCY" in html and "Grade 3" in html
    assert "board-order" not in html  # by bed, the order did not move
    assert 'id="board-rows"' not in html  # not the whole table
    new_token = token_of(html)
    assert new_token != token
    assert not ANY_ROW.search(poll(client, new_token, sort="bed"))  # and then nothing

    # By risk the same change moves the row up: the row, and the new order.
    by_risk = token_of(page(client))
    record_vitals(stays[5].patient, nurse, minutes_ago=1, **CRS_GRADE_3)
    evaluation_run(patient_id=stays[5].patient.pk, reason="vitals")
    html = poll(client, by_risk)
    assert SENT_ROW.findall(html) == [str(stays[5].patient_id)]
    order = re.search(r'id="board-order" hidden hx-swap-oob="true" data-order="([^"]+)"', html)
    assert order and str(stays[5].patient_id) in order.group(1).split()


def test_a_dose_window_opening_and_the_dose_turning_overdue_flip_the_row_with_no_write(
    client, nurse, physician
):
    # The first dose in 2 h 5 min: its 2-hour window opens in 5 minutes.
    dosed = admitted(nurse, physician, vitals={}, first_dose_in=timedelta(minutes=125))
    other = admitted(nurse, vitals={})  # no course; vitals due in hours
    client.force_login(nurse)
    start = timezone.now()
    html = page(client, sort="bed")
    token = token_of(html)
    assert "dose-scheduled" in html
    assert not ANY_ROW.search(poll(client, token, sort="bed"))

    with time_machine.travel(start + timedelta(minutes=6), tick=False):
        html = poll(client, token, sort="bed")
    assert SENT_ROW.findall(html) == [str(dosed.patient_id)]  # the other row is unchanged
    assert "dose-due" in html and "DUE <span" in html
    token = token_of(html)

    with time_machine.travel(start + timedelta(minutes=125 + 31), tick=False):
        html = poll(client, token, sort="bed")
    assert str(dosed.patient_id) in SENT_ROW.findall(html)
    assert "dose-overdue" in html and "OVERDUE <span" in html
    assert other.patient_id  # admitted throughout


def test_an_unknown_or_malformed_token_gets_the_whole_table(client, nurse, physician):
    ward_of(11, nurse, physician)
    client.force_login(nurse)

    for token in ("", "0" * 32, "not-a-token'><script>"):
        html = poll(client, token)
        assert html.lstrip().startswith('<tbody id="board-rows"')
        assert len(ANY_ROW.findall(html)) == 11


def test_a_discharge_and_an_admission_remove_and_add_rows(client, nurse, physician):
    stays = ward_of(11, nurse, physician)
    client.force_login(nurse)
    token = token_of(page(client, sort="bed"))

    leaving = stays[3]
    leaving.discharged_at = timezone.now()
    leaving.save(update_fields=["discharged_at"])
    arriving = admitted(nurse, vitals={}, bed="0")
    html = poll(client, token, sort="bed")

    assert f'<tr id="row-{leaving.patient_id}" hx-swap-oob="delete"></tr>' in html
    assert '<tbody hx-swap-oob="beforeend:#board-rows">' in html
    assert sorted(ANY_ROW.findall(html)) == sorted(
        [str(leaving.patient_id), str(arriving.patient_id)]
    )
    order = re.search(r'data-order="([^"]+)"', html)
    assert order and order.group(1).split()[0] == str(arriving.patient_id)  # bed 0 first


def test_kept_rows_give_the_order_and_counts_of_the_board_read_afresh(nurse, physician):
    ward_of(14, nurse, physician)
    fresh = ward_board(user=nurse)
    fresh_by_bed = ward_board(user=nurse, sort="bed")

    for attempt in ("built", "kept"):
        board = cached_board(user=nurse)
        assert board.built == (14 if attempt == "built" else 0)
        assert [e.patient_id for e in board.rows] == [str(r.patient.pk) for r in fresh.rows]
        assert (board.emergency, board.urgent, board.unacknowledged) == (
            fresh.emergency,
            fresh.urgent,
            fresh.unacknowledged,
        )
    by_bed = cached_board(user=nurse, sort="bed")
    assert [e.patient_id for e in by_bed.rows] == [str(r.patient.pk) for r in fresh_by_bed.rows]


def test_without_redis_every_row_is_drawn_and_a_change_sends_the_whole_table(
    client, nurse, physician
):
    stays = ward_of(11, nurse, physician)
    client.force_login(nurse)
    pages = caches["pages"]

    def down(*args: object, **kwargs: object) -> None:
        raise RedisConnectionError("Redis is down")

    with (
        patch.object(pages, "get_many", down),
        patch.object(pages, "set_many", down),
        patch.object(pages, "touch", down),
    ):
        token = token_of(page(client))
        unchanged = poll(client, token)  # the token is the digest of the board: still current
        record_vitals(stays[2].patient, nurse, minutes_ago=1, heart_rate=112)
        changed = poll(client, token)

    assert not ANY_ROW.search(unchanged) and token_of(unchanged) == token
    # what the reader has cannot be looked up: the whole table
    assert changed.lstrip().startswith('<tbody id="board-rows"')
    assert len(ANY_ROW.findall(changed)) == 11 and "11 patients" in changed


def _tick(stays: list[Admission], at: object = None) -> None:
    """The monitor's minute tick over the ward, as its task runs it."""
    for stay in stays:
        evaluation_run(patient_id=stay.patient_id, reason="tick", now=at)  # type: ignore[arg-type]


def test_the_monitor_re_finding_the_same_moves_no_row(client, nurse, physician):
    stays = ward_of(14, nurse, physician)
    client.force_login(nurse)
    _tick(stays)  # every patient assessed (the ten with a record, and four without)
    token = token_of(page(client))
    start = timezone.now()

    # Ticks a minute apart for 20 minutes (past IL2_MONITOR_STALE_MINUTES): each succeeds,
    # finds what is stored, and no row is drawn or sent.
    for minute in range(1, 21):
        with time_machine.travel(start + timedelta(minutes=minute), tick=False):
            _tick(stays, timezone.now())
            assert cached_board(user=nurse).built == 0, f"a row was drawn at minute {minute}"
            html = poll(client, token)
        assert not ANY_ROW.search(html), f"a row was sent at minute {minute}"
        assert token_of(html) == token


def test_a_monitor_that_stops_flips_the_row_and_one_that_resumes_flips_it_back(
    client, nurse, physician
):
    stays = ward_of(11, nurse, physician)
    watched, stopped = stays[0], stays[1]
    client.force_login(nurse)
    _tick(stays)
    token = token_of(page(client, sort="bed"))
    start = timezone.now()

    # Ten minutes on, the monitor has gone on evaluating every patient but one.
    with time_machine.travel(start + timedelta(minutes=11), tick=False):
        _tick([stay for stay in stays if stay != stopped], timezone.now())
        html = poll(client, token, sort="bed")
        token = token_of(html)
    assert SENT_ROW.findall(html) == [str(stopped.patient_id)]
    assert "no evaluation has succeeded for 11 min" in html

    # It evaluates that patient again: the row is the watched row it was.
    with time_machine.travel(start + timedelta(minutes=12), tick=False):
        _tick([stopped], timezone.now())
        html = poll(client, token, sort="bed")
    assert SENT_ROW.findall(html) == [str(stopped.patient_id)]
    assert "no evaluation has succeeded" not in html
    assert watched.patient_id
