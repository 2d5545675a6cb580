"""The API's JSON parser: DRF's, refusing what no field should ever receive.

- JSON nested deeper than ``MAX_DEPTH`` (10,000 levels made Python's decoder raise
  RecursionError: a 500). No request body of the contract is more than 3 levels deep.
- A NUL character (``\\u0000``) in any string or key: PostgreSQL cannot store or compare one,
  and no clinical text needs it.
- A lone surrogate (``\\ud800``): valid JSON, but not text; an error message echoing it
  could not even be encoded in the answer (a 500).

Each is a 400 ``{"detail": "..."}`` before any view code runs, so nothing is written.
"""

import re
from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 32
TOO_DEEP = f"The JSON body is nested more than {MAX_DEPTH} levels deep."
NUL_IN_BODY = "The JSON body contains a NUL character (\\u0000), which no field accepts."
SURROGATE_IN_BODY = (
    "The JSON body contains a lone surrogate (\\ud800–\\udfff), which is not a character."
)
SURROGATE = re.compile("[\ud800-\udfff]")


def _check_text(text: str) -> None:
    if "\x00" in text:
        raise ParseError(NUL_IN_BODY)
    if SURROGATE.search(text):
        raise ParseError(SURROGATE_IN_BODY)


def check_json(data: Any) -> None:
    """Walk the parsed body without recursion; raise ParseError on depth, a NUL or a lone
    surrogate."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            _check_text(value)
        elif isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                raise ParseError(TOO_DEEP)
            if isinstance(value, dict):
                for key, item in value.items():
                    _check_text(key)
                    stack.append((item, depth + 1))
            else:
                stack.extend((item, depth + 1) for item in value)


class StrictJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            raise ParseError(TOO_DEEP) from error
        check_json(data)
        return data
