"""The one error type the rules raise for bad input, shaped like the API's 400 body."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class RuleInputError(ValueError):
    """Input a rule cannot work with. ``errors`` maps each failing field to its messages,
    every failing field at once, as the API returns them (``{"field": ["message", ...]}``)."""

    def __init__(self, errors: Mapping[str, Sequence[str]]) -> None:
        self.errors: dict[str, list[str]] = {name: list(msgs) for name, msgs in errors.items()}
        text = "; ".join(f"{name}: {msg}" for name, msgs in self.errors.items() for msg in msgs)
        super().__init__(text or "invalid input")


class ProfileError(RuleInputError):
    """A rule profile that cannot be used; field names are dotted paths into its JSON."""


class ErrorCollector:
    """Collects messages by field so a validator can report every problem at once."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def merge(self, prefix: str, errors: Mapping[str, Sequence[str]]) -> None:
        for name, messages in errors.items():
            for message in messages:
                self.add(f"{prefix}.{name}" if prefix else name, message)

    def raise_if_any(self, error_type: type[RuleInputError] = RuleInputError) -> None:
        if self.errors:
            raise error_type(self.errors)
