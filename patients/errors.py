from django.core.exceptions import ValidationError


class ConflictError(ValidationError):
    """The request is valid but conflicts with the record's current state (HTTP 409).

    A ValidationError, so a form shows it like any other error; the API answers 409.
    """
