"""Every page and interface shows a patient's state from one read model (``therapy.state``):
on the demo ward, the board, the chart header, the handover, the inbox and the header badge,
the REST summaries and FHIR ``$summary`` agree on every count and state (issue: the header,
board and inbox disagreed, "8 · 5 emergency" against "2 emergency · 0 urgent")."""

import re

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from patients.models import Admission
from tests.support.db import loaded_for_the_module
from therapy.models import Alert, AlertStatus, Severity
from therapy.pages.board import ward_board
from therapy.pages.board_cache import cached_board
from therapy.pages.handover import handover_sheets
from therapy.pages.inbox import active_alert_counts, alert_inbox

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module", autouse=True)
def demo_ward(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """The demo ward, loaded once for the module (about 11 s) and rolled back after it; the
    tests only read it. Its physician."""

    def load() -> User:
        with override_settings(DEBUG=True):  # the command refuses public passwords otherwise
            call_command("demo_ward", verbosity=0)
        return User.objects.get(username="dr.chen")

    with loaded_for_the_module(django_db_blocker, load) as physician:
        yield physician


def test_pages_summaries_and_fhir_agree_on_every_patient(demo_ward, client, api):
    physician = demo_ward
    api.force_authenticate(user=physician)
    client.force_login(physician)
    summaries = {
        body["patient"]["id"]: body
        for body in api.get("/api/v1/summaries/", {"page_size": 100}).json()["results"]
    }
    board = ward_board(user=physician)
    sheets = {sheet.row.patient.pk: sheet for sheet in handover_sheets(user=physician)}
    stays = Admission.objects.filter(discharged_at__isnull=True)
    assert len(board.rows) == len(summaries) == len(sheets) == stays.count() == 12
    # Every comparison below has something to compare on some patient, not None with None.
    rows = board.rows
    assert any(r.news2_total is not None for r in rows) and any(r.crs_grade for r in rows)
    assert any(r.vls_severity is not None for r in rows) and any(r.precheck for r in rows)
    assert any(r.next_dose for r in rows) and any(r.alerts for r in rows)
    assert any(r.therapy.doses_given for r in rows) and any(r.therapy.doses_held for r in rows)

    for row in board.rows:
        summary = summaries[str(row.patient.pk)]
        single = api.get(f"/api/v1/patients/{row.patient.pk}/summary/").json()
        for key in ("therapy", "news2", "crs", "vls", "precheck", "monitor", "due", "alert_counts"):
            assert single[key] == summary[key], (row.patient.mrn, key)
        therapy = summary["therapy"]
        assert (row.therapy.doses_given, row.therapy.doses_held) == (
            therapy["doses_given"],
            therapy["doses_held"],
        )
        assert str(row.next_dose.pk if row.next_dose else None) == str(therapy["next_dose_id"])
        assert row.news2_total == (summary["news2"] or {}).get("total")
        assert row.crs_grade == (summary["crs"] or {}).get("grade")
        assert row.vls_severity == (summary["vls"] or {}).get("severity")
        assert (row.precheck or {}).get("recommendation") == (summary["precheck"] or {}).get(
            "recommendation"
        )
        assert row.dose_status == summary["due"]["dose_status"]
        assert row.vitals_status == summary["due"]["vitals_status"]
        assert row.monitor.status == summary["monitor"]["status"]
        counts = summary["alert_counts"]
        assert row.unacknowledged == counts["unacknowledged"]
        assert [a.kind for a in row.alerts] == [a["kind"] for a in summary["active_alerts"]]
        sheet = sheets[row.patient.pk]
        assert sheet.row.therapy.to_dict() == row.therapy.to_dict()
        assert [a.alert.pk for a in sheet.alerts] == [a.pk for a in row.alerts]

        document = api.get(f"/fhir/r4/Patient/{row.patient.pk}/$summary").json()
        flags = [e for e in document["entry"] if e["resource"]["resourceType"] == "Flag"]
        assert len(flags) == counts["open"], row.patient.mrn
        news2 = [
            e["resource"]
            for e in document["entry"]
            if e["resource"]["resourceType"] == "Observation"
            and e["resource"]["id"].endswith("-news2")
        ]
        if summary["news2"] is None:
            assert news2 == []
        else:
            total = news2[0]["valueQuantity"]["value"]
            assert total == summary["news2"]["total"], row.patient.mrn

        chart = client.get(reverse("therapy:chart", args=[row.patient.pk])).content.decode()
        header = chart[chart.index('class="card chart-header"') : chart.index("</section>")]
        assert header.count('class="alert-line"') == counts["open"]
        if summary["news2"]:
            assert f"{summary['news2']['total']} " in header


def test_the_badge_the_board_and_the_inbox_count_the_same_alerts(demo_ward, client, api):
    physician = demo_ward
    api.force_authenticate(user=physician)
    summaries = api.get("/api/v1/summaries/", {"page_size": 100}).json()["results"]
    board = ward_board(user=physician)
    inbox = alert_inbox(user=physician)
    badge = active_alert_counts(user=physician)
    unacknowledged = Alert.objects.filter(status=AlertStatus.ACTIVE)

    assert unacknowledged.exists()  # the demo ward has patients in trouble
    assert (
        badge["total"]
        == len(inbox.active)
        == board.unacknowledged
        == sum(s["alert_counts"]["unacknowledged"] for s in summaries)
        == unacknowledged.count()
    )
    assert (
        badge["emergency"]
        == sum(s["alert_counts"]["unacknowledged_emergency"] for s in summaries)
        == unacknowledged.filter(severity=Severity.EMERGENCY).count()
    )
    assert board.emergency == sum(1 for s in summaries if s["alert_counts"]["emergency"])
    for _ in ("built", "kept"):  # the board page's rows, drawn then read back from the cache
        kept = cached_board(user=physician)
        assert (kept.unacknowledged, kept.emergency, kept.urgent) == (
            board.unacknowledged,
            board.emergency,
            board.urgent,
        )
    client.force_login(physician)
    page = client.get(reverse("therapy:board")).content.decode()
    shown = re.search(r'id="alert-badge".*?<span class="count">(\d+)</span>', page)
    emergency = re.search(r'id="alert-badge".*?<span class="emergency">(\d+) emergency', page)
    assert shown is not None and int(shown.group(1)) == badge["total"]
    assert emergency is not None and int(emergency.group(1)) == badge["emergency"]
