"""FHIR R4 search semantics (https://hl7.org/fhir/R4/search.html) over resources already built:
the parameters a search type supports, ``Prefer: handling=strict|lenient``, token search
(``system|code``), date search with every precision and prefix, ``_lastUpdated``, and paging
that counts resources. Pure Python over JSON-ready dicts: the views read the rows (narrowed in
the database where they can), build the resources, and this module filters and pages them."""

import calendar
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

DEFAULT_COUNT = 100
MAX_COUNT = 500
MAX_PAGE = 100_000
DATE_PREFIXES = ("eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap")
# Result parameters every search takes.
PAGING = ("_count", "_page")

_DATE = re.compile(
    r"^(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2})"
    r"(?:T(?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?P<fraction>\.\d+)?)?"
    r"(?P<zone>Z|[+-]\d{2}:\d{2}))?)?)?$"
)


@dataclass(frozen=True)
class Span:
    """A time range ``[low, high)``: a search value at its precision, or a resource's time."""

    low: datetime
    high: datetime


def parse_date(text: str) -> Span:
    """A FHIR date or dateTime at its precision: ``2026``, ``2026-11``, ``2026-11-30``,
    ``2026-11-30T10:00Z``, ``2026-11-30T10:00:05+01:00``, ``...T10:00:05.250Z``. A date without
    a time is read in the site's time zone; a time needs its offset (api-contract.md)."""
    match = _DATE.match(text)
    if not match:
        raise ValueError(text)
    part = {k: v for k, v in match.groupdict().items() if v is not None}
    year = int(part["year"])
    if "hour" in part:
        zone = part["zone"].replace("Z", "+00:00")
        second = part.get("second", "00")
        fraction = part.get("fraction", "")
        base = f"{part['year']}-{part['month']}-{part['day']}T{part['hour']}:{part['minute']}"
        low = datetime.fromisoformat(f"{base}:{second}{fraction}{zone}")
        if "fraction" in part:
            step = timedelta(seconds=10 ** -(len(fraction) - 1))
        else:
            step = timedelta(seconds=1) if "second" in part else timedelta(minutes=1)
        return Span(low, low + step)
    month = int(part.get("month", 1))
    day = int(part.get("day", 1))
    start = timezone.make_aware(datetime(year, month, day))
    if "day" in part:
        end = start + timedelta(days=1)
    elif "month" in part:
        end = start + timedelta(days=calendar.monthrange(year, month)[1])
    else:
        end = timezone.make_aware(datetime(year + 1, 1, 1))
    # Day boundaries in local time (a daylight-saving day is 23 or 25 hours long).
    end = timezone.make_aware(datetime.combine(timezone.localtime(end).date(), datetime.min.time()))
    return Span(start, end)


def instant_span(value: str) -> Span:
    """A resource's time as rendered, at its precision (a second, or a microsecond)."""
    return parse_date(value)


def date_matches(prefix: str, value: Span, target: Span, now: datetime) -> bool:
    """R4 search, "date": how a target range compares with the search value's range."""
    if prefix == "eq":
        return value.low <= target.low and target.high <= value.high
    if prefix == "ne":
        return not (value.low <= target.low and target.high <= value.high)
    if prefix == "gt":
        return target.high > value.high
    if prefix == "lt":
        return target.low < value.low
    if prefix == "ge":
        return target.high > value.high or value.low <= target.low
    if prefix == "le":
        return target.low < value.low or target.high <= value.high
    if prefix == "sa":
        return target.low >= value.high
    if prefix == "eb":
        return target.high <= value.low
    # ap: within 10% of the distance between now and the value (at least its own range).
    margin = abs(now - value.low) / 10
    return target.low < value.high + margin and target.high > value.low - margin


@dataclass(frozen=True)
class DateCriterion:
    prefix: str
    span: Span

    def matches(self, target: Span | None, now: datetime) -> bool:
        return target is not None and date_matches(self.prefix, self.span, target, now)


def parse_date_criteria(name: str, values: Sequence[str]) -> list[DateCriterion]:
    criteria, messages = [], []
    for raw in values:
        for item in raw.split(","):
            prefix, text = ("eq", item)
            if item[:2] in DATE_PREFIXES:
                prefix, text = item[:2], item[2:]
            try:
                criteria.append(DateCriterion(prefix, parse_date(text)))
            except ValueError:
                messages.append(
                    f"{item!r}: a prefix (eq, ne, gt, lt, ge, le, sa, eb, ap) then a date "
                    "(2026, 2026-11, 2026-11-30) or a time with its offset "
                    "(2026-11-30T10:00:00+01:00)."
                )
    if messages:
        raise ValidationError({name: messages})
    return criteria


@dataclass(frozen=True)
class Token:
    system: str | None  # None: any system; "": no system
    code: str | None  # None: any code of the system

    def matches(self, codings: Iterable[Mapping[str, Any]]) -> bool:
        for coding in codings:
            if self.system is not None and (coding.get("system") or "") != self.system:
                continue
            if self.code is not None and coding.get("code") != self.code:
                continue
            return True
        return False


def parse_tokens(raw: str) -> list[Token]:
    """``code``, ``system|code``, ``|code`` or ``system|``; a comma separates choices (OR)."""
    tokens = []
    for item in raw.split(","):
        if "|" in item:
            system, code = item.split("|", 1)
            tokens.append(Token(system, code or None))
        else:
            tokens.append(Token(None, item))
    return tokens


def codings_of(value: Any) -> list[Mapping[str, Any]]:
    """The codings of a CodeableConcept or a list of them."""
    concepts = value if isinstance(value, list) else [value]
    return [c for concept in concepts if concept for c in concept.get("coding", [])]


def resource_time(resource: Mapping[str, Any]) -> Span | None:
    """The clinical time a ``date`` search compares: effective[x], a Flag's period, an
    event's time."""
    period = resource.get("effectivePeriod") or resource.get("period")
    if period:
        start = instant_span(period["start"]) if "start" in period else None
        end = instant_span(period["end"]) if "end" in period else None
        far = datetime.max.replace(tzinfo=UTC)
        low = start.low if start else datetime.min.replace(tzinfo=UTC)
        return Span(low, end.high if end else far)
    moment = resource.get("effectiveDateTime") or resource.get("occurrenceDateTime")
    return instant_span(moment) if moment else None


def last_updated(resource: Mapping[str, Any]) -> Span | None:
    value = resource.get("meta", {}).get("lastUpdated")
    return instant_span(value) if value else None


# --- What a search type takes, and the request's parameters checked against it --------------
@dataclass(frozen=True)
class Parameter:
    name: str
    type: str  # FHIR search parameter type: reference, token, date, number, string
    documentation: str
    # For token and date parameters: where in the resource the values are.
    values: Callable[[Mapping[str, Any]], Any] | None = None


@dataclass
class Search:
    """A request's search parameters for one resource type, checked: ``used`` are the ones
    applied (the self link names only these), ``ignored`` those a lenient search left out."""

    used: dict[str, list[str]]
    ignored: list[str]
    tokens: dict[str, list[list[Token]]]
    dates: dict[str, list[DateCriterion]]
    count: int
    page: int

    def keep(
        self, resource: Mapping[str, Any], parameters: Sequence[Parameter], now: datetime
    ) -> bool:
        for parameter in parameters:
            assert parameter.values is not None or parameter.name not in self.tokens
            for choices in self.tokens.get(parameter.name, []):
                codings = codings_of(parameter.values(resource)) if parameter.values else []
                if not any(token.matches(codings) for token in choices):
                    return False
            for criterion in self.dates.get(parameter.name, []):
                target = parameter.values(resource) if parameter.values else None
                if not criterion.matches(target, now):
                    return False
        return True


def strict_handling(prefer: str) -> bool:
    """``Prefer: handling=strict`` (RFC 7240; R4 search 3.1.1.5): unknown or unsupported
    parameters are an error; otherwise (``lenient``, the default) they are ignored."""
    return any(
        part.strip().replace(" ", "") == "handling=strict"
        for part in prefer.replace(";", ",").split(",")
    )


def parse_search(
    query: Mapping[str, list[str]], parameters: Sequence[Parameter], *, strict: bool
) -> Search:
    known = {p.name: p for p in parameters}
    used: dict[str, list[str]] = {}
    ignored: list[str] = []
    tokens: dict[str, list[list[Token]]] = {}
    dates: dict[str, list[DateCriterion]] = {}
    errors: dict[str, list[str]] = {}
    for name, values in query.items():
        parameter = known.get(name)
        if parameter is None and name not in PAGING:
            if strict:
                errors[name] = [
                    f"Unknown or unsupported search parameter {name!r} for this type "
                    "(see the CapabilityStatement at metadata)."
                ]
            ignored.append(name)
            continue
        if parameter is not None and parameter.type == "token":
            tokens[name] = [parse_tokens(value) for value in values]
        elif parameter is not None and parameter.type == "date":
            try:
                dates[name] = parse_date_criteria(name, values)
            except ValidationError as error:
                errors.update(error.message_dict)
        used[name] = list(values)
    numbers = {}
    for name, default, high in (("_count", DEFAULT_COUNT, MAX_COUNT), ("_page", 1, MAX_PAGE)):
        raw = query.get(name, [str(default)])[-1]
        if not raw.isdigit() or not 1 <= int(raw) <= high:
            errors[name] = [f"{name} must be a whole number from 1 to {high}."]
        else:
            numbers[name] = int(raw)
    if errors:
        raise ValidationError(errors)
    return Search(used, ignored, tokens, dates, numbers["_count"], numbers["_page"])


@dataclass(frozen=True)
class Page:
    resources: list[dict[str, Any]]
    total: int
    more: bool


def page_of(resources: Sequence[dict[str, Any]], search: Search) -> Page:
    start = (search.page - 1) * search.count
    return Page(
        list(resources[start : start + search.count]),
        len(resources),
        len(resources) > start + search.count,
    )
