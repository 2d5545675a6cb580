"""The nurse's work list in words (issue 14 item 3): the words beside each flag."""

from datetime import UTC, datetime, timedelta

import pytest

from therapy.pages.wording import time_words
from therapy.pages.worklist import _when, interval_words

DUE_AT = datetime(2026, 11, 30, 18, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "words"),
    [
        ("ok", "due"),  # no flag: the time says when
        ("due", "by"),  # beside DUE: "Creatinine DUE by 18:00", never "DUE due 18:00"
        ("overdue", "since"),  # beside OVERDUE
    ],
)
def test_the_words_beside_each_flag_never_repeat_it(status, words):
    assert _when(status, DUE_AT, never="none yet") == f"{words} {time_words(DUE_AT)}"


def test_nothing_due_yet_says_so():
    assert _when("overdue", None, never="no result yet") == "no result yet"


@pytest.mark.parametrize(
    ("minutes", "words"),
    [(15, "every 15 min"), (60, "every hour"), (120, "every 2 h"), (90, "every 90 min")],
)
def test_interval_words(minutes, words):
    assert interval_words(timedelta(minutes=minutes)) == words
