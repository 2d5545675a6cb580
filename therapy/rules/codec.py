"""JSON form of the rule profile: ``encode`` for storing, ``decode`` for loading.

Decoding is strict, because a profile decides whether a dose is given: every key must be known
and present, every value of the declared type (decimals as strings or numbers, never booleans),
and the profile's own checks must pass. Every problem is reported at once, by dotted path.
"""

from __future__ import annotations

import types
import typing
from dataclasses import fields, is_dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeVar

from therapy.rules.errors import ErrorCollector, ProfileError, RuleInputError

_T = TypeVar("_T")


def encode(value: Any) -> Any:
    """A profile (or any part of one) as JSON-ready data; decimals become strings."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: encode(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple):
        return [encode(item) for item in value]
    return value


class _Invalid(Exception):
    """A value that could not be decoded; the message is already in the collector."""


def _type_name(value: object) -> str:
    return "null" if value is None else type(value).__name__


def _decode(kind: Any, value: object, path: str, errors: ErrorCollector) -> Any:
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        options = [arg for arg in typing.get_args(kind) if arg is not type(None)]
        return None if value is None else _decode(options[0], value, path, errors)
    if origin is tuple:
        if not isinstance(value, list):
            errors.add(path, f"expected a list, got {_type_name(value)}")
            raise _Invalid
        item_kind = typing.get_args(kind)[0]
        decoded, failed = [], False
        for index, item in enumerate(value):
            try:
                decoded.append(_decode(item_kind, item, f"{path}[{index}]", errors))
            except _Invalid:
                failed = True
        if failed:
            raise _Invalid
        return tuple(decoded)
    if is_dataclass(kind):
        return _decode_dataclass(kind, value, path, errors)
    if isinstance(kind, type) and issubclass(kind, StrEnum):
        if isinstance(value, str) and value in kind._value2member_map_:
            return kind(value)
        allowed = ", ".join(member.value for member in kind)
        errors.add(path, f"expected one of {allowed}; got {value!r}")
        raise _Invalid
    return _decode_scalar(kind, value, path, errors)


def _decode_scalar(kind: Any, value: object, path: str, errors: ErrorCollector) -> Any:
    if kind is bool and isinstance(value, bool):
        return value
    if kind is int and type(value) is int:
        return value
    if kind is str and isinstance(value, str):
        return value
    if kind is Decimal and isinstance(value, (int, float, str)) and not isinstance(value, bool):
        try:
            number: Decimal | None = Decimal(str(value))
        except ArithmeticError:
            number = None
        if number is not None and number.is_finite():
            return number
    expected = {bool: "true or false", int: "a whole number", str: "a string"}.get(
        kind, "a decimal number (string or number)"
    )
    errors.add(path, f"expected {expected}, got {_type_name(value)} {value!r}")
    raise _Invalid


def _decode_dataclass(kind: Any, value: object, path: str, errors: ErrorCollector) -> Any:
    where = path or "profile"
    if not isinstance(value, dict):
        errors.add(where, f"expected an object, got {_type_name(value)}")
        raise _Invalid
    hints = typing.get_type_hints(kind)
    names = [f.name for f in fields(kind)]
    prefix = f"{path}." if path else ""
    for key in value:
        if key not in names:
            errors.add(f"{prefix}{key}", "unknown key")
    for name in names:
        if name not in value:
            errors.add(f"{prefix}{name}", "missing key")
    arguments: dict[str, Any] = {}
    failed = len(set(value) ^ set(names)) > 0
    for name in names:
        if name in value:
            try:
                arguments[name] = _decode(hints[name], value[name], f"{prefix}{name}", errors)
            except _Invalid:
                failed = True
    if failed:
        raise _Invalid
    try:
        return kind(**arguments)
    except RuleInputError as exc:
        errors.merge(path, exc.errors)
    except ValueError as exc:
        errors.add(where, str(exc))
    raise _Invalid


def decode(kind: type[_T], data: object) -> _T:
    """Build dataclass ``kind`` from its JSON form, or raise :class:`ProfileError`."""
    errors = ErrorCollector()
    try:
        decoded: _T = _decode_dataclass(kind, data, "", errors)
    except _Invalid:
        raise ProfileError(errors.errors) from None
    return decoded
