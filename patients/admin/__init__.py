"""The admin of patient records (Django imports ``patients.admin`` to register them): patients
and admissions through the services, bedside records read-only, history never reverted."""

from patients.admin import history, hl7, observations, patients

__all__ = ["history", "hl7", "observations", "patients"]
