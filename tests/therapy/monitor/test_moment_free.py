"""What counts as "the same findings, found a moment later" (issue 16): the board redraws no
row and the summary document keeps its version for a re-assessment that found only that."""

from datetime import UTC, datetime, timedelta

from therapy.monitor.assessment import moment_free
from therapy.monitor.evaluation import findings_digest

AT = datetime(2026, 11, 30, 14, 5, 7, 123456, tzinfo=UTC)
LATER = AT + timedelta(minutes=1)


def trend(at: datetime, *, sbp: float = 86.0, horizon: datetime | None = None) -> dict:
    return {
        "checked_at": at.isoformat(),
        "horizon_at": (horizon or at + timedelta(hours=8)).isoformat(),
        "projections": [{"code": "sbp", "projected": sbp, "threshold": 90}],
        "note": f"only 5.5 h of the 6 h to {at.isoformat()} charted: not assessable",
        "since": "2026-11-30T06:00:00+00:00",
    }


def test_the_same_findings_a_minute_later_are_the_same():
    assert moment_free(trend(AT), AT) == moment_free(trend(LATER), LATER)
    assert findings_digest({"trend": trend(AT)}, "v2", AT) == findings_digest(
        {"trend": trend(LATER)}, "v2", LATER
    )


def test_a_value_a_data_time_or_the_rule_version_that_differs_is_a_change():
    assert moment_free(trend(AT), AT) != moment_free(trend(LATER, sbp=84.0), LATER)
    moved = {**trend(LATER), "since": "2026-11-30T08:00:00+00:00"}
    assert moment_free(trend(AT), AT) != moment_free(moved, LATER)
    assert findings_digest({"trend": trend(AT)}, "v2", AT) != findings_digest(
        {"trend": trend(LATER)}, "v3", LATER
    )


def test_a_moment_is_taken_out_only_as_the_assessment_s_own_time():
    # Found at LATER, but reading AT (a data time equal to an earlier assessment): kept.
    assert moment_free({"taken_at": AT.isoformat()}, LATER) != moment_free(
        {"taken_at": LATER.isoformat()}, LATER
    )
