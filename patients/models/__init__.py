"""Patient models, one module per sub-domain; import them from here."""

from patients.models.records import Admission, Diagnosis, Patient, Sex, Spo2Scale

__all__ = ["Admission", "Diagnosis", "Patient", "Sex", "Spo2Scale"]
