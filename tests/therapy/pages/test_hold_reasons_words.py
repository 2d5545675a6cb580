"""The hold form's reasons are read by a physician at the bedside: words, never codes."""

import re

from therapy.pages.forms import hold_choices
from therapy.pages.wording import threshold_words
from therapy.rules import DEFAULT_PROFILE

CODE = re.compile(r"\b[a-z0-9]+_[a-z0-9_]+\b")


def test_every_hold_reason_is_in_words():
    labels = [label for _code, label in hold_choices(DEFAULT_PROFILE)]

    assert labels and not [label for label in labels if CODE.search(label)]
    oxygen = next(label for label in labels if label.startswith("Oxygen above 4"))
    assert "device Simple face mask, Venturi mask, Non-rebreather mask, CPAP" in oxygen
    arrhythmia = next(label for label in labels if label.startswith("Arrhythmia"))
    assert "event Atrial fibrillation, Supraventricular tachycardia, Bradycardia" in arrhythmia


def test_threshold_words_leaves_what_is_not_a_code_list_alone():
    assert threshold_words("heart rate > 130 /min") == "heart rate > 130 /min"
    assert threshold_words("event infection_suspected") == "event Infection suspected or documented"
    assert threshold_words("event not_a_known_code") == "event not_a_known_code"
