"""The demo ward's IL-2 courses, mid-cycle: every past dose decided as a ward would, against
the real pre-dose check — given with a second nurse when the check says give, held with the
criteria it found otherwise. Fictional people: a demonstration, not clinical data."""

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from patients.models import Admission
from therapy.mar import courses
from therapy.mar.timing import recording_moment
from therapy.models import Course
from therapy.rules import Recommendation
from therapy.rules.inputs import DoseStatus

# Doses one hour after a 4-hourly vitals round (demo vitals start 30 min after admission), so
# the pre-check has vitals from within 2 h of each dose [S8].
FIRST_DOSE_AFTER_ADMISSION = timedelta(hours=1, minutes=30)


def load_demo_courses(
    *, nurses: tuple[Any, Any], physician: Any, now: datetime | None = None
) -> Counter[str]:
    now = now or timezone.now()
    counts: Counter[str] = Counter()
    stays = Admission.objects.filter(
        discharged_at__isnull=True, patient__mrn__startswith="DEMO-"
    ).select_related("patient")
    giver, checker = nurses
    for admission in stays.order_by("patient__mrn"):
        if Course.objects.filter(patient=admission.patient).exists():
            continue
        # Recorded as it happened: ordered on admission, each dose decided at its time.
        course = courses.course_order(
            patient=admission.patient,
            by=physician,
            cycle_1_start=admission.admitted_at + FIRST_DOSE_AFTER_ADMISSION,
            now=admission.admitted_at,
        )
        counts["courses"] += 1
        for dose in course.doses.filter(scheduled_at__lte=now - timedelta(minutes=20)).order_by(
            "number"
        ):
            at = dose.scheduled_at + timedelta(minutes=10)
            # The check the decision is recorded against (it reads up to the recording moment,
            # which a set charted a few minutes ahead can move): the demo decides by it, so a
            # held dose's stored check never says give.
            moment = recording_moment(patient=admission.patient, now=at)
            check = courses.dose_check(dose=dose, at=moment)
            if check.recommendation is Recommendation.GIVE:
                courses.dose_administer(dose=dose, by=giver, verifier=checker, given_at=at, now=at)
                counts["given"] += 1
            else:
                reasons = list(check.hold_reasons) or ["clinical_judgement"]
                note = (
                    "Pre-dose check: " + check.recommendation.value.replace("_", " ")
                    if check.hold_reasons
                    else "No current vitals at dose time; physician informed."
                )
                courses.dose_hold(
                    dose=dose, by=giver, reasons=reasons, note=note, held_at=at, now=at
                )
                counts["held"] += 1
        giver, checker = checker, giver
    counts["scheduled"] = sum(
        c.doses.filter(status=DoseStatus.SCHEDULED).count()
        for c in Course.objects.filter(patient__mrn__startswith="DEMO-")
    )
    return counts
