"""Each vocabulary is declared once: the Django choices are built from the pure enums
(``il2monitor.choices.text_choices``), so their values cannot drift from what the rules read."""

from enum import StrEnum

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import models

from il2monitor.choices import text_choices
from patients import limits, news2, vocabulary
from patients import models as patient_models
from therapy import models as therapy_models
from therapy.rules import inputs as rules


class Colour(StrEnum):
    RED = "red"
    BLUE = "blue"


# Every Django choices class of the apps whose vocabulary the pure code also reads.
DERIVED = [
    (patient_models.OxygenDevice, news2.OxygenDevice),
    (patient_models.Consciousness, news2.Consciousness),
    (patient_models.News2Band, news2.Band),
    (patient_models.VasopressorAgent, vocabulary.VasopressorAgent),
    (patient_models.DoseUnit, vocabulary.DoseUnit),
    (patient_models.FluidDirection, vocabulary.FluidDirection),
    (patient_models.FluidRoute, vocabulary.FluidRoute),
    (patient_models.LabTestCode, vocabulary.LabTest),
    (patient_models.FobtResult, vocabulary.FobtResult),
    (patient_models.MedicationCategory, vocabulary.MedicationCategory),
    (patient_models.ClinicalEventCode, vocabulary.EventCode),
    (therapy_models.DoseStatus, rules.DoseStatus),
]


def test_the_choices_take_the_vocabularys_names_values_order_and_the_labels_given():
    choices = text_choices(
        "ColourChoices", Colour, {Colour.BLUE: "Blue", Colour.RED: "Red"}, module=__name__
    )

    assert issubclass(choices, models.TextChoices)
    assert choices.names == ["RED", "BLUE"]
    assert choices.choices == [("red", "Red"), ("blue", "Blue")]
    assert choices("blue").label == "Blue"
    assert (choices.__module__, choices.__qualname__) == (__name__, "ColourChoices")


def test_a_member_without_a_label_is_refused_by_name():
    with pytest.raises(ImproperlyConfigured, match=r"ColourChoices: .*no label for BLUE$"):
        text_choices("ColourChoices", Colour, {Colour.RED: "Red"}, module=__name__)


def test_a_label_for_no_member_is_refused_by_name():
    labels = {Colour.RED: "Red", Colour.BLUE: "Blue", "green": "Green"}

    with pytest.raises(ImproperlyConfigured, match=r"a label for no member: 'green'$"):
        text_choices("ColourChoices", Colour, labels, module=__name__)  # type: ignore[arg-type]


@pytest.mark.parametrize(("choices", "vocabulary"), DERIVED, ids=lambda c: c.__name__)
def test_each_django_choices_set_is_its_vocabulary(
    choices: type[models.TextChoices], vocabulary: type[StrEnum]
) -> None:
    assert choices.names == [member.name for member in vocabulary]
    assert choices.values == [member.value for member in vocabulary]
    assert all(label.strip() for label in choices.labels)


def test_the_lab_limits_have_one_row_for_each_test():
    assert list(limits.LAB_TESTS) == [test.value for test in vocabulary.LabTest]


def test_the_vasopressor_dose_limits_have_one_row_for_each_unit():
    assert list(limits.VASOPRESSOR_DOSE_LIMITS) == list(vocabulary.DoseUnit)
