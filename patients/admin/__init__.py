"""The admin of patient records (Django imports ``patients.admin`` to register them): patients
and admissions through the services, bedside records read-only, history never reverted."""

from patients.admin import history, observations, patients

__all__ = ["history", "observations", "patients"]
