"""Issue 14 item 5: the inputs a pre-check could not assess read as the ward says them — "no
urine output recorded yet" rather than "only 0.0 h", hours without a needless ".0", minutes
under an hour — from the one wording module, and the list follows its title with a space."""

import pytest
from django.template.loader import render_to_string

from therapy.pages.wording import PrecheckSummary, code_words, precheck_summary

RULE_NOTE = "only {} h of urine output recorded; 8 h needed"


@pytest.mark.parametrize(
    ("recorded", "words"),
    [
        ("0.0", "no urine output recorded yet; 8 h needed"),
        ("0.5", "only 30 min of urine output recorded; 8 h needed"),
        ("0.9", "only 54 min of urine output recorded; 8 h needed"),
        ("1.0", "only 1 h of urine output recorded; 8 h needed"),
        ("3.5", "only 3.5 h of urine output recorded; 8 h needed"),
        ("7.0", "only 7 h of urine output recorded; 8 h needed"),
        ("10.0", "only 10 h of urine output recorded; 8 h needed"),
    ],
)
def test_recorded_urine_reads_naturally(recorded, words):
    assert code_words(RULE_NOTE.format(recorded)) == words


def test_the_check_lists_the_need_in_those_words():
    check = {
        "recommendation": "insufficient_data",
        "provisional": False,
        "criteria": [],
        "not_assessed": [
            {"code": "urine_lt_80_per_8h", "note": RULE_NOTE.format("0.0")},
            {"code": "urine_80_160_per_8h", "note": RULE_NOTE.format("0.0")},
        ],
    }

    assert precheck_summary(check).needs == ("no urine output recorded yet; 8 h needed",)


def test_the_title_and_the_list_are_apart_when_they_run_inline():
    summary = PrecheckSummary("HOLD", "hold", needs=("no weight recorded in the last 24 h",))

    html = render_to_string("therapy/_precheck_summary.html", {"summary": summary})

    assert "Not assessable yet:</p> <ul" in html
