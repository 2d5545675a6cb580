"""The ward board and a patient's bedside hub: the newest NEWS2 per bed in a fixed number of
queries, and a set marked entered in error from the tablet."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from patients.models import VitalSigns
from tests.support.factories import AdmissionFactory
from tests.support.observation_factories import FluidEntryFactory, VitalSignsFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, nurse):  # type: ignore[no-untyped-def]
    client.force_login(nurse)
    return client


def test_the_ward_board_shows_each_bed_with_its_newest_news2(signed_in):
    stay = AdmissionFactory(patient__family_name="Okafor", ward="7B Oncology", bed="3")
    VitalSignsFactory(admission=stay, taken_at=timezone.now() - timedelta(hours=3), spo2=97)
    VitalSignsFactory(admission=stay, taken_at=timezone.now() - timedelta(minutes=20), spo2=91)
    AdmissionFactory(patient__family_name="Watanabe", ward="HDU", bed="H1")

    page = signed_in.get(reverse("patients:bedside")).content.decode()

    assert "OKAFOR" in page and "WATANABE" in page
    assert "NEWS2 3" in page and "band-low_medium" in page  # SpO2 91 scores 3
    assert "No vitals yet" in page
    hdu = signed_in.get(reverse("patients:bedside"), {"ward": "HDU"}).content.decode()
    assert "WATANABE" in hdu and "OKAFOR" not in hdu


@pytest.mark.parametrize("beds", [3, 12])
def test_the_ward_board_query_count_does_not_grow_with_beds(
    signed_in, django_assert_num_queries, beds
):
    for bed in range(beds):
        VitalSignsFactory(admission=AdmissionFactory(bed=str(bed + 1)))
    signed_in.get(reverse("patients:bedside"))
    # session, user, the two permission reads, the ward list, the user's roles (page header),
    # the header's alert badge, the board itself (beds, patients and each bed's newest set
    # in one query), the monitor's status of every bed (one query, through the hook), and
    # the work list through its hook: the read model's queries (patients, admissions,
    # courses, doses, the newest sets and their vasopressors, monitor rows, alerts) and
    # the newest fluid period and creatinine per patient, and the site's rule profile (the
    # pre-dose lead time, as the monitor's alert reads it)
    with django_assert_num_queries(20):
        response = signed_in.get(reverse("patients:bedside"))
    assert response.content.decode().count('class="bed-card"') == beds


def test_the_bedside_hub_lists_the_last_day_and_urine(signed_in, admission):
    VitalSignsFactory(admission=admission, heart_rate=131)
    VitalSignsFactory(admission=admission, taken_at=timezone.now() - timedelta(hours=30))
    FluidEntryFactory(admission=admission, volume_ml=95)

    page = signed_in.get(reverse("patients:bedside-patient", args=[admission.patient.pk]))

    text = page.content.decode()
    assert page.status_code == 200
    assert text.count('<tr class="in-error">') == 0
    assert "131" in text and "95 mL" in text
    assert text.count("Entered in error…") == 1  # the 30-hour-old set is not listed


def test_marking_a_set_entered_in_error_from_the_hub(signed_in, nurse, admission):
    vitals = VitalSignsFactory(admission=admission)
    action = reverse("patients:bedside-vitals-error", args=[admission.patient.pk, vitals.pk])

    refused = signed_in.post(action, {"reason": ""}, follow=True)
    assert "Give the reason" in refused.content.decode()
    response = signed_in.post(action, {"reason": "Probe on the wrong finger"}, follow=True)

    vitals.refresh_from_db()
    assert vitals.entered_in_error and vitals.entered_in_error_by == nurse
    assert "marked entered in error" in response.content.decode()
    assert '<tr class="in-error">' in response.content.decode()
    assert VitalSigns.objects.count() == 1


def test_another_patients_set_cannot_be_marked_through_this_patient(signed_in, admission):
    other = VitalSignsFactory()
    action = reverse("patients:bedside-vitals-error", args=[admission.patient.pk, other.pk])
    assert signed_in.post(action, {"reason": "x"}).status_code == 404
    other.refresh_from_db()
    assert not other.entered_in_error


def test_pages_need_the_charting_role(client, api_reader, admission):
    client.force_login(api_reader)
    for name, args in [
        ("patients:bedside", []),
        ("patients:bedside-patient", [admission.patient.pk]),
        ("patients:bedside-fluids", [admission.patient.pk]),
        ("patients:bedside-weight", [admission.patient.pk]),
    ]:
        assert client.get(reverse(name, args=args)).status_code == 403


def test_the_bedside_list_is_a_work_list_in_natural_bed_order(signed_in):
    """Issue 14 item 3: per patient what is due and when, overdue in red words; the last
    complete NEWS2 stays after a weight-only set; bed 10 after bed 2."""
    now = timezone.now()
    for bed in ("10", "2", "1"):
        AdmissionFactory(patient__family_name=f"Bed{bed}", ward="7B", bed=bed)
    stay = AdmissionFactory(patient__family_name="Okafor", ward="7B", bed="3")
    VitalSignsFactory(admission=stay, taken_at=now - timedelta(hours=3), spo2=91)
    VitalSignsFactory(
        admission=stay,
        taken_at=now - timedelta(minutes=5),
        respiratory_rate=None,
        spo2=None,
        oxygen_device=None,
        systolic_bp=None,
        diastolic_bp=None,
        heart_rate=None,
        temperature_c=None,
        consciousness=None,
        weight_kg=70,
    )

    page = signed_in.get(reverse("patients:bedside")).content.decode()

    order = [page.index(f"BED{bed}") for bed in ("1", "2", "10")]
    assert order == sorted(order) and page.index("BED2") < page.index("OKAFOR")
    okafor = page[page.index("OKAFOR") :]
    assert "NEWS2 3" in okafor  # the complete set of 3 h ago, not "NEWS2 –"
    assert "NEWS2 –" not in page
    for what in ("Vitals", "Daily weight", "Fluid balance", "Creatinine"):
        assert f'<span class="what">{what}</span>' in okafor
    assert 'class="flag flag-overdue">OVERDUE</strong>' in page
    assert 'OVERDUE</strong> <span class="when">since' in page and "every 2 h" in page


def test_the_fluid_balance_per_shift_and_24_h(signed_in, admission):
    """Issue 14 item 4: intake, output and the running balance, this shift and 24 h."""
    from patients.selectors.observations import fluid_balance

    now = timezone.now()
    FluidEntryFactory(
        admission=admission,
        direction="intake",
        route="iv",
        volume_ml=500,
        period_start=now - timedelta(minutes=30),
        period_end=now - timedelta(minutes=1),
    )
    FluidEntryFactory(
        admission=admission,
        volume_ml=120,
        period_start=now - timedelta(hours=20),
        period_end=now - timedelta(hours=19),
    )
    shift, day = fluid_balance(patient=admission.patient, now=now)
    assert (shift.intake_ml, shift.output_ml, shift.balance_ml) == (500, 0, 500)
    assert (day.intake_ml, day.output_ml, day.balance_ml) == (500, 120, 380)
    page = signed_in.get(reverse("patients:bedside-patient", args=[admission.patient.pk]))
    assert "+380 mL" in page.content.decode() and "+500 mL" in page.content.decode()


def test_a_weight_only_entry_shows_its_weight_in_the_last_24_hours(signed_in, admission):
    """A daily weight is a partial set: its row in the patient's last 24 h names the weight
    (it was a row of dashes), and the 24 h fluid span says from which day."""
    unmeasured = dict.fromkeys(
        ("respiratory_rate", "spo2", "oxygen_device", "systolic_bp", "diastolic_bp"),
    ) | dict.fromkeys(("heart_rate", "consciousness", "temperature_c"))
    weight = VitalSignsFactory(admission=admission, weight_kg=Decimal("74.3"), **unmeasured)
    assert weight.news2_total is None

    page = signed_in.get(reverse("patients:bedside-patient", args=[admission.patient.pk]))

    html = page.content.decode()
    assert '<th scope="col">Weight</th>' in html
    assert f"<td>{weight.weight_kg} kg</td>" in html
    day_started = timezone.localtime(timezone.now() - timedelta(hours=24))
    assert f"from {day_started:%a} " in html
