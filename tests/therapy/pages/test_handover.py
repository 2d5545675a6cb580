"""The shift handover: one printed page per admitted patient, with what the next shift must
know and when each value was taken, in a fixed number of queries for the whole ward."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from patients.services.observations import fluid_record, lab_record
from tests.support.paths import REPO
from tests.support.therapy_fixtures import CRS_GRADE_3, admitted, record_vitals
from therapy.mar import courses
from therapy.pages.handover import handover_sheets

pytestmark = pytest.mark.django_db
CSS = REPO / "static" / "css" / "app.css"


def test_one_sheet_per_patient_in_bed_order_with_what_the_next_shift_needs(
    client, nurse, physician
):
    now = timezone.now()
    sick = admitted(
        nurse,
        physician,
        vitals=CRS_GRADE_3,
        first_dose_in=timedelta(minutes=90),
        bed="10",
        admitted_at=now - timedelta(days=1),
        patient__family_name="Moreau",
    )
    well = admitted(nurse, vitals={}, bed="2", patient__family_name="Ngata")
    patient = sick.patient
    record_vitals(patient, nurse, minutes_ago=60, weight_kg=Decimal("77.0"))
    fluid_record(
        patient=patient,
        by=nurse,
        direction="output",
        route="urine",
        volume_ml=120,
        period_start=now - timedelta(hours=6),
        period_end=now - timedelta(hours=2),
    )
    lab_record(
        patient=patient,
        by=nurse,
        test="creatinine",
        value=Decimal("1.8"),
        unit="mg/dL",
        collected_at=now - timedelta(hours=3),
    )
    courses.dose_hold(
        dose=patient.courses.get().doses.get(number=1),
        by=nurse,
        reasons=["sbp_lt_90"],
        note="SBP 84",
    )
    client.force_login(nurse)

    response = client.get(reverse("therapy:handover"))

    page = response.content.decode()
    assert response.status_code == 200
    assert page.count('class="handover-sheet card"') == 2
    assert page.index("NGATA") < page.index("MOREAU")  # bed 2 before bed 10
    sheet = page[page.index("MOREAU") :]
    assert "Cycle 1: 0 given, 1 held of 14." in sheet
    assert "dose 1 <strong>held</strong>" in sheet and "Systolic BP below 90 mmHg" in sheet
    assert "sbp_lt_90" not in sheet  # words, not rule codes
    assert "Grade 3" in sheet and "EMERGENCY" in sheet and "not acknowledged" in sheet
    assert "CRS grade 3 (ASTCT)." in sheet
    assert "120 mL in 8 h (only 4.0 h recorded)" in sheet
    assert "77.0 kg" in sheet and "(+6.9 % on baseline 72.0 kg)" in sheet
    assert "1.80 mg/dL" in sheet
    assert "Handover notes" in sheet
    (first, second) = handover_sheets(user=nurse)
    assert (first.row.admission, second.row.admission) == (well, sick)
    assert second.weight_change_pct == Decimal("6.9")


def test_the_print_stylesheet_gives_each_patient_a_page():
    css = CSS.read_text()
    print_rules = css[css.index("@media print") :]
    assert ".handover-sheet" in print_rules and "break-after: page" in print_rules
    assert ".topbar" in print_rules and "display: none" in print_rules


def test_ward_filter_and_permissions(client, nurse, make_user):
    admitted(nurse, vitals={}, ward="7B Oncology", bed="1")
    other = admitted(nurse, vitals={}, ward="8A Haematology", bed="1")
    assert [s.row.admission for s in handover_sheets(user=nurse, ward="8A Haematology")] == [other]
    assert client.get(reverse("therapy:handover")).status_code == 302
    client.force_login(make_user(None, username="no.role"))
    assert client.get(reverse("therapy:handover")).status_code == 403


def test_handover_queries_do_not_grow_with_the_ward(
    client, nurse, physician, django_assert_num_queries
):
    client.force_login(nurse)
    url = reverse("therapy:handover")
    for bed in range(2):
        admitted(nurse, physician, vitals=CRS_GRADE_3, bed=str(bed))
    client.get(url)

    # the board's 9 and the page's own; 22 once any patient has a creatinine
    with django_assert_num_queries(21):  # 2 patients
        assert client.get(url).status_code == 200
    for bed in range(2, 8):
        admitted(nurse, physician if bed % 2 else None, vitals=CRS_GRADE_3, bed=str(bed))
    with django_assert_num_queries(21):  # 8 patients: the same
        assert client.get(url).status_code == 200
