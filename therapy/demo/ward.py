"""A realistic demo ward for ``make run`` and for trying the product. Fictional people only."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils import timezone

from il2monitor.tokens.services import api_token_create
from patients.models import Patient
from patients.services import patients as services
from therapy.demo.doses import load_demo_courses
from therapy.demo.observations import load_demo_observations
from therapy.monitor.evaluation import evaluation_run


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    role: str
    first_name: str
    last_name: str


DEMO_USERS = (
    DemoUser("nurse.adams", "demo-nurse-adams", "nurse", "Grace", "Adams"),
    DemoUser("nurse.baker", "demo-nurse-baker", "nurse", "Tom", "Baker"),
    DemoUser("dr.chen", "demo-physician-chen", "physician", "Mei", "Chen"),
    DemoUser("pharm.diaz", "demo-pharmacist-diaz", "pharmacist", "Luis", "Diaz"),
    DemoUser("api.registry", "demo-api-registry", "api_client", "Registry", "Export"),
    DemoUser("admin", "demo-admin-il2", "admin", "Ward", "Administrator"),
)

# (mrn, given, family, born, sex, diagnosis, kg, baseline SBP, baseline creatinine, ward, bed,
#  hours since admission)
DEMO_PATIENTS = (
    (
        "DEMO-1001",
        "Margaret",
        "Okafor",
        date(1961, 3, 14),
        "female",
        "metastatic_melanoma",
        "68.4",
        124,
        "0.82",
        "7B Oncology",
        "1",
        52,
    ),
    (
        "DEMO-1002",
        "David",
        "Lindqvist",
        date(1958, 11, 2),
        "male",
        "metastatic_rcc",
        "91.0",
        138,
        "1.10",
        "7B Oncology",
        "2",
        30,
    ),
    (
        "DEMO-1003",
        "Aisha",
        "Rahman",
        date(1974, 6, 25),
        "female",
        "metastatic_melanoma",
        "59.2",
        112,
        "0.70",
        "7B Oncology",
        "3",
        76,
    ),
    (
        "DEMO-1004",
        "Peter",
        "Novak",
        date(1966, 1, 9),
        "male",
        "metastatic_melanoma",
        "84.7",
        131,
        "0.95",
        "7B Oncology",
        "4",
        20,
    ),
    (
        "DEMO-1005",
        "Helen",
        "Marsh",
        date(1970, 9, 30),
        "female",
        "metastatic_rcc",
        "72.5",
        118,
        "0.88",
        "7B Oncology",
        "5",
        98,
    ),
    (
        "DEMO-1006",
        "Samuel",
        "Osei",
        date(1955, 4, 17),
        "male",
        "metastatic_rcc",
        "79.9",
        142,
        "1.21",
        "7B Oncology",
        "6",
        8,
    ),
    (
        "DEMO-1007",
        "Ingrid",
        "Halvorsen",
        date(1980, 12, 3),
        "female",
        "metastatic_melanoma",
        "64.0",
        108,
        "0.66",
        "7B Oncology",
        "7",
        44,
    ),
    (
        "DEMO-1008",
        "Rafael",
        "Moreno",
        date(1963, 8, 21),
        "male",
        "metastatic_melanoma",
        "102.3",
        135,
        "1.02",
        "7B Oncology",
        "8",
        60,
    ),
    (
        "DEMO-1009",
        "Chloe",
        "Dubois",
        date(1977, 2, 11),
        "female",
        "metastatic_rcc",
        "66.8",
        121,
        "0.79",
        "7B Oncology",
        "9",
        26,
    ),
    (
        "DEMO-1010",
        "Kenji",
        "Watanabe",
        date(1968, 5, 5),
        "male",
        "metastatic_rcc",
        "75.1",
        127,
        "1.05",
        "HDU",
        "H1",
        90,
    ),
    (
        "DEMO-1011",
        "Fatima",
        "Haddad",
        date(1972, 10, 28),
        "female",
        "metastatic_melanoma",
        "61.5",
        116,
        "0.74",
        "HDU",
        "H2",
        36,
    ),
    (
        "DEMO-1012",
        "George",
        "Brennan",
        date(1959, 7, 19),
        "male",
        "metastatic_melanoma",
        "88.2",
        129,
        "0.98",
        "HDU",
        "H3",
        12,
    ),
)


def demo_loaded() -> bool:
    return Patient.objects.filter(mrn__startswith="DEMO-").exists()


@transaction.atomic
def load_demo_ward(*, now: datetime | None = None) -> dict[str, str]:
    """Create the demo users and ward. Returns {username: token} for the API client users."""
    tokens: dict[str, str] = {}
    users: dict[str, User] = {}
    for spec in DEMO_USERS:
        user, _ = User.objects.get_or_create(username=spec.username)
        user.first_name, user.last_name = spec.first_name, spec.last_name
        user.email = f"{spec.username}@example.org"
        user.set_password(spec.password)
        if spec.role == "admin":
            user.is_staff = user.is_superuser = True
        user.save()
        if spec.role != "admin":
            user.groups.add(Group.objects.get(name=spec.role))
        if spec.role == "api_client":
            # A read-only token, as a registry export would hold; shown once (stored hashed).
            issued = api_token_create(user=user, name="Demo registry export", scope="read", by=None)
            tokens[spec.username] = issued.key
        users[spec.role] = user
    physician = users["physician"]
    now = now or timezone.now()
    for (
        mrn,
        given,
        family,
        born,
        sex,
        diagnosis,
        kg,
        sbp,
        creatinine,
        ward,
        bed,
        hours,
    ) in DEMO_PATIENTS:
        patient = services.patient_register(
            by=physician,
            mrn=mrn,
            given_name=given,
            family_name=family,
            birth_date=born,
            sex=sex,
            diagnosis=diagnosis,
            baseline_weight_kg=Decimal(kg),
            baseline_systolic_bp=sbp,
            baseline_creatinine_mg_dl=Decimal(creatinine),
        )
        services.admission_open(
            patient=patient,
            by=physician,
            ward=ward,
            bed=bed,
            admitted_at=now - timedelta(hours=hours),
        )
    nurses = (User.objects.get(username="nurse.adams"), User.objects.get(username="nurse.baker"))
    load_demo_observations(nurse=nurses[0], physician=physician, now=now)
    load_demo_courses(nurses=nurses, physician=physician, now=now)
    # Assess every patient now, so the board, the alerts and the summaries are current at once
    # (the worker does the same when it runs).
    for patient_id in Patient.objects.filter(mrn__startswith="DEMO-").values_list("pk", flat=True):
        evaluation_run(patient_id=patient_id, reason="manual", now=now)
    return tokens
