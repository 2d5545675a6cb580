from typing import Any, cast

from django import forms

from patients.forms import DateTimeLocalInput
from therapy.pages.wording import criterion_name, threshold_words
from therapy.rules import RuleProfile
from therapy.rules.precheck import describe
from therapy.rules.profile import DosingSettings


class CourseOrderForm(forms.Form):
    dose_iu_per_kg = forms.IntegerField(
        label="Dose (IU/kg)",
        initial=600_000,
        min_value=1,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    dosing_weight_kg = forms.DecimalField(
        label="Dosing weight (kg)",
        max_digits=5,
        decimal_places=1,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.1"}),
    )
    interval_hours = forms.IntegerField(label="Interval (hours)", initial=8)
    max_doses_per_cycle = forms.IntegerField(label="Maximum doses per cycle", initial=14)
    cycle_1_start = forms.DateTimeField(label="Cycle 1 first dose", widget=DateTimeLocalInput())
    cycle_2_start = forms.DateTimeField(
        label="Cycle 2 first dose (optional)", required=False, widget=DateTimeLocalInput()
    )

    def __init__(self, *args: Any, dosing: DosingSettings, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["dose_iu_per_kg"].help_text = (
            f"{dosing.min_dose_iu_per_kg:,} IU/kg"
            if dosing.min_dose_iu_per_kg == dosing.max_dose_iu_per_kg
            else f"{dosing.min_dose_iu_per_kg:,} to {dosing.max_dose_iu_per_kg:,} IU/kg"
        ) + " (the site's rule profile)."
        self.fields["cycle_1_start"].help_text = (
            f"No more than {dosing.course_start_max_past_hours} hours ago and no more than "
            f"{dosing.course_start_max_ahead_days} days ahead."
        )
        self.fields["cycle_2_start"].help_text = (
            f"After cycle 1's last dose, within {dosing.cycle_2_max_days_after_cycle_1} days "
            "of its first."
        )


class AdministerForm(forms.Form):
    given_at = forms.DateTimeField(label="Given at", widget=DateTimeLocalInput())
    verifier_username = forms.CharField(
        label="Second checker: username",
        widget=forms.TextInput(attrs={"autocapitalize": "none", "autocomplete": "off"}),
    )
    verifier_password = forms.CharField(
        label="Second checker: password", widget=forms.PasswordInput(attrs={"autocomplete": "off"})
    )
    override_reason = forms.CharField(
        label="Override reason (physician, only against the pre-check)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, dosing: DosingSettings, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["given_at"].help_text = (
            f"When the dose went in: now, or up to {dosing.late_entry_max_minutes} minutes ago. "
            "The pre-dose check is made as you record it, with everything charted by then."
        )


def hold_choices(profile: RuleProfile) -> list[tuple[str, str]]:
    """Each enabled hold criterion of the site's profile, in words, then clinical judgement."""
    window = profile.precheck.fluid_window_hours
    choices = [
        (
            c.code.value,
            f"{criterion_name(c.code.value)}: "
            f"{threshold_words(describe(c, fluid_window_hours=window))} ({c.action})",
        )
        for c in profile.precheck.criteria
        if c.enabled
    ]
    return [
        *choices,
        ("clinical_judgement", f"{criterion_name('clinical_judgement')} (say why in the note)"),
    ]


class HoldForm(forms.Form):
    reasons = forms.MultipleChoiceField(choices=(), widget=forms.CheckboxSelectMultiple)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(
        self, *args: Any, profile: RuleProfile, early: bool = False, **kwargs: Any
    ) -> None:
        """``early``: a physician's documented early decision, before the dose's window — the
        form then asks why, and the reason is required (the service requires it too)."""
        super().__init__(*args, **kwargs)
        cast(forms.MultipleChoiceField, self.fields["reasons"]).choices = hold_choices(profile)
        if early:
            self.fields["early_reason"] = forms.CharField(
                label="Why hold before the window (early decision)",
                help_text="Required. Recorded on the dose with your name and the time.",
                widget=forms.Textarea(attrs={"rows": 3}),
                error_messages={"required": "Say why the dose is held before its window."},
            )


class DiscontinueForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
