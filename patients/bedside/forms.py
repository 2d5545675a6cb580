"""Tablet forms for bedside entry. The limits and messages are ``patients.limits``'s, the same
as the API's; the forms parse and check, the services write.

Temperature and weight arrive in °C and kg: the page converts °F and lb before sending
(static/js/bedside.js), as the contract keeps units out of the API.
"""

from collections.abc import Callable
from decimal import Decimal
from typing import Any, ClassVar

from django import forms

from patients import limits, vocabulary
from patients.forms import DateTimeLocalInput
from patients.models import (
    ClinicalEventCode,
    Consciousness,
    DoseUnit,
    FluidDirection,
    FluidRoute,
    LabTestCode,
    MedicationCategory,
    OxygenDevice,
    VasopressorAgent,
)
from patients.validators import validate_not_future

# Agents offered on the tablet, with the unit each pump usually runs in (changeable).
FORM_VASOPRESSORS = (
    (vocabulary.VasopressorAgent.NOREPINEPHRINE, vocabulary.DoseUnit.MCG_KG_MIN),
    (vocabulary.VasopressorAgent.EPINEPHRINE, vocabulary.DoseUnit.MCG_KG_MIN),
    (vocabulary.VasopressorAgent.PHENYLEPHRINE, vocabulary.DoseUnit.MCG_KG_MIN),
    (vocabulary.VasopressorAgent.DOPAMINE, vocabulary.DoseUnit.MCG_KG_MIN),
    (vocabulary.VasopressorAgent.VASOPRESSIN, vocabulary.DoseUnit.UNITS_MIN),
)
VASOPRESSORS_NEED_A_DOSE = "Enter the dose of each vasopressor running."
ENTRY_ID_LOST = "This entry has lost its id: reload the page and enter it again."
EDEMA_CHOICES = [(0, "0"), (1, "1"), (2, "2"), (3, "3"), (4, "4")]


def _integer(limit: limits.Limit, label: str) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=int(limit.low),
        max_value=int(limit.high),
        error_messages={"min_value": limit.template, "max_value": limit.template},
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "pattern": "[0-9]*", "autocomplete": "off"}
        ),
    )


def _decimal(limit: limits.Limit, label: str, *, required: bool = False) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        max_digits=7,
        decimal_places=1,
        min_value=Decimal(limit.low),
        max_value=Decimal(limit.high),
        error_messages={"min_value": limit.template, "max_value": limit.template},
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


def _buttons(choices: Any, label: str, *, required: bool = False) -> forms.ChoiceField:
    return forms.TypedChoiceField(
        label=label, choices=choices, required=required, widget=forms.RadioSelect, empty_value=None
    )


def _clinical_time(label: str) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label, validators=[validate_not_future], widget=DateTimeLocalInput()
    )


class BedsideForm(forms.Form):
    """A client_id made when the form opens is kept on every retry of the same entry."""

    cross_field_rule: ClassVar[Callable[..., dict[str, list[str]]] | None] = None

    client_id = forms.UUIDField(
        widget=forms.HiddenInput,
        error_messages={"required": ENTRY_ID_LOST, "invalid": ENTRY_ID_LOST},
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        rule = type(self).cross_field_rule
        if rule is not None:
            for name, messages in rule(cleaned, failed=set(self.errors)).items():
                self.add_error(None if name == "non_field_errors" else name, messages)
        return cleaned


class AlarmingValuesMixin:
    """Possible but alarming values are saved only once the nurse confirms them: the confirm
    button posts ``confirm_alarming`` with the alarming values it was shown."""

    cleaned_data: dict[str, Any]
    data: Any

    def alarms(self, *, baseline_weight_kg: Decimal | None) -> list[limits.Alarm]:
        return limits.vitals_alarms(self.cleaned_data, baseline_weight_kg=baseline_weight_kg)

    def signature(self, alarms: list[limits.Alarm]) -> str:
        return limits.alarm_signature(alarms, self.cleaned_data)

    def confirmed(self, alarms: list[limits.Alarm]) -> bool:
        return not alarms or self.signature(alarms) in self.data.getlist("confirm_alarming")


class VitalSignsForm(AlarmingValuesMixin, BedsideForm):
    cross_field_rule = staticmethod(limits.vitals_cross_field_errors)

    taken_at = _clinical_time("Taken at")
    respiratory_rate = _integer(limits.RESPIRATORY_RATE, "Respiratory rate")
    spo2 = _integer(limits.SPO2, "SpO2")
    oxygen_device = _buttons(OxygenDevice.choices, "Oxygen")
    oxygen_flow_l_min = _decimal(limits.OXYGEN_FLOW, "Oxygen flow")
    oxygen_for_comfort = forms.BooleanField(
        label="Oxygen for comfort only (not for low SpO2)", required=False
    )
    systolic_bp = _integer(limits.SYSTOLIC_BP, "Systolic BP")
    diastolic_bp = _integer(limits.DIASTOLIC_BP, "Diastolic BP")
    heart_rate = _integer(limits.HEART_RATE, "Heart rate")
    consciousness = _buttons(Consciousness.choices, "Consciousness (ACVPU)")
    temperature_c = _decimal(limits.TEMPERATURE, "Temperature")
    weight_kg = _decimal(limits.WEIGHT, "Weight")
    edema_grade = forms.IntegerField(
        label="Edema grade",
        required=False,
        min_value=0,
        max_value=4,
        error_messages={
            "min_value": limits.EDEMA_GRADE.template,
            "max_value": limits.EDEMA_GRADE.template,
        },
        widget=forms.RadioSelect(choices=EDEMA_CHOICES),
    )
    vasopressors_running = _buttons(
        [("none", "None running"), ("running", "Running")], "Vasopressors", required=True
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for agent, unit in FORM_VASOPRESSORS:
            self.fields[f"{agent}_dose"] = forms.DecimalField(
                label=f"{VasopressorAgent(agent).label} dose",
                required=False,
                max_digits=10,
                decimal_places=3,
                min_value=Decimal("0"),
                widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
            )
            self.fields[f"{agent}_unit"] = forms.ChoiceField(
                label=f"{VasopressorAgent(agent).label} unit",
                choices=DoseUnit.choices,
                initial=unit,
                required=False,
            )

    def vasopressor_rows(self) -> list[tuple[str, Any, Any]]:
        return [
            (VasopressorAgent(agent).label, self[f"{agent}_dose"], self[f"{agent}_unit"])
            for agent, _ in FORM_VASOPRESSORS
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        running: list[dict[str, Any]] = []
        if cleaned.get("vasopressors_running") == "running":
            for agent, usual_unit in FORM_VASOPRESSORS:
                dose = cleaned.get(f"{agent}_dose")
                unit = cleaned.get(f"{agent}_unit") or str(usual_unit)
                if dose is None:
                    continue
                error = limits.vasopressor_dose_error(dose, unit)
                if error:
                    self.add_error(f"{agent}_dose", error)
                running.append({"agent": str(agent), "dose": dose, "dose_unit": unit})
            if not running and not any(
                f"{agent}_dose" in self.errors for agent, _ in FORM_VASOPRESSORS
            ):
                self.add_error("vasopressors_running", VASOPRESSORS_NEED_A_DOSE)
        cleaned["vasopressors"] = running
        return cleaned

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        fields = ["client_id", "taken_at", "vasopressors", *limits.MEASUREMENT_FIELDS]
        values = {name: data.get(name) for name in fields}
        values["oxygen_for_comfort"] = bool(data.get("oxygen_for_comfort"))
        for name in ("oxygen_device", "consciousness"):
            values[name] = values[name] or None
        return values


class WeightForm(AlarmingValuesMixin, BedsideForm):
    """The daily weight (with the edema assessment): a vital-signs set of these two."""

    taken_at = _clinical_time("Weighed at")
    weight_kg = _decimal(limits.WEIGHT, "Weight", required=True)
    edema_grade = VitalSignsForm.base_fields["edema_grade"]

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            name: data.get(name) for name in ("client_id", "taken_at", "weight_kg", "edema_grade")
        }


class FluidEntryForm(BedsideForm):
    cross_field_rule = staticmethod(limits.fluid_cross_field_errors)

    direction = _buttons(FluidDirection.choices, "In or out", required=True)
    route = _buttons(FluidRoute.choices, "Route", required=True)
    volume_ml = forms.IntegerField(
        label="Volume",
        min_value=int(limits.FLUID_VOLUME.low),
        max_value=int(limits.FLUID_VOLUME.high),
        error_messages={
            "min_value": limits.FLUID_VOLUME.template,
            "max_value": limits.FLUID_VOLUME.template,
        },
        widget=forms.TextInput(attrs={"inputmode": "numeric", "pattern": "[0-9]*"}),
    )
    period_start = _clinical_time("From")
    period_end = _clinical_time("To")

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        fields = ("client_id", "direction", "route", "volume_ml", "period_start", "period_end")
        return {name: data[name] for name in fields}


# --- Labs, supportive medications, clinical events on the tablet (issue 14 item 4) ----------
class LabEntryForm(BedsideForm):
    test = _buttons(LabTestCode.choices, "Test", required=True)
    value = forms.CharField(
        label="Result",
        max_length=20,
        help_text="A number in the test's unit; for FOBT, positive or negative.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    collected_at = _clinical_time("Collected at")

    def clean(self) -> dict[str, Any]:
        """The value in the test's one unit (the form takes no unit: it says which), checked
        with the same words as the API (``limits.lab_cross_field_errors``)."""
        cleaned = super().clean()
        test = limits.LAB_TESTS.get(cleaned.get("test") or "")
        text = str(cleaned.get("value") or "").strip()
        if test is None or "value" in self.errors:
            return cleaned
        value: Any = text.lower()
        if test.unit is not None:
            try:
                value = Decimal(text.replace(",", "."))
            except ArithmeticError:
                value = text
        cleaned["value"], cleaned["unit"] = value, test.unit
        for messages in limits.lab_cross_field_errors(cleaned).values():
            self.add_error("value", messages)
        return cleaned

    def service_kwargs(self) -> dict[str, Any]:
        fields = ("client_id", "test", "value", "unit", "collected_at")
        return {name: self.cleaned_data.get(name) for name in fields}


class MedicationEntryForm(BedsideForm):
    drug = forms.CharField(label="Drug", max_length=100)
    category = _buttons(MedicationCategory.choices, "Category", required=True)
    administered_at = _clinical_time("Given at")

    def service_kwargs(self) -> dict[str, Any]:
        fields = ("client_id", "drug", "category", "administered_at")
        return {name: self.cleaned_data[name] for name in fields}


class EventEntryForm(BedsideForm):
    code = forms.ChoiceField(label="Event", choices=ClinicalEventCode.choices)
    observed_at = _clinical_time("Observed at")
    note = forms.CharField(
        label="Note", max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def service_kwargs(self) -> dict[str, Any]:
        fields = ("client_id", "code", "observed_at", "note")
        return {name: self.cleaned_data[name] for name in fields}


class EnteredInErrorForm(forms.Form):
    reason = forms.CharField(label="Reason", max_length=1000)


class EventEndForm(forms.Form):
    """(v2) The finding is over (clinical-rules.md §4): when, and a note (e.g. "sinus rhythm
    restored"). The service checks the time against the event."""

    ended_at = _clinical_time("Ended at")
    note = forms.CharField(label="Note", required=False, max_length=2000)
