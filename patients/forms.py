from typing import Any

from django import forms
from django.conf import settings
from django.utils.html import format_html
from django.utils.safestring import SafeString

from patients.models import Admission, Patient
from patients.validators import normalize_mrn


class PatientForm(forms.ModelForm[Patient]):
    class Meta:
        model = Patient
        fields = [
            "mrn",
            "given_name",
            "family_name",
            "birth_date",
            "sex",
            "diagnosis",
            "baseline_weight_kg",
            "baseline_systolic_bp",
            "baseline_creatinine_mg_dl",
            "spo2_scale",
        ]
        widgets = {
            "birth_date": forms.DateInput(attrs={"type": "date"}),
            "baseline_weight_kg": forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.1"}),
            "baseline_systolic_bp": forms.NumberInput(attrs={"inputmode": "numeric"}),
            "baseline_creatinine_mg_dl": forms.NumberInput(
                attrs={"inputmode": "decimal", "step": "0.01"}
            ),
        }

    def clean_mrn(self) -> str:
        return normalize_mrn(self.cleaned_data["mrn"])


def time_zone_note() -> str:
    return f"Times are {settings.TIME_ZONE}."


class DateTimeLocalInput(forms.DateTimeInput):
    """A date and time typed in the site's time zone (the API, unlike a page, needs the
    offset): the field says which zone, next to it, wherever it is rendered."""

    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        attrs = dict(attrs or {})
        note_id = f"{attrs.get('id') or 'id_' + name}-tz"
        attrs["aria-describedby"] = " ".join(filter(None, [attrs.get("aria-describedby"), note_id]))
        field = super().render(name, value, attrs, renderer)
        return format_html(
            '{}<small class="time-zone-note" id="{}">{}</small>', field, note_id, time_zone_note()
        )


class AdmissionForm(forms.ModelForm[Admission]):
    class Meta:
        model = Admission
        fields = ["ward", "bed", "admitted_at"]
        widgets = {"admitted_at": DateTimeLocalInput()}


class DischargeForm(forms.Form):
    discharged_at = forms.DateTimeField(widget=DateTimeLocalInput())


class MoveBedForm(forms.Form):
    ward = forms.CharField(max_length=50)
    bed = forms.CharField(max_length=20)
