"""The API's JSON parser: DRF's, refusing what no field should ever receive.

- JSON nested deeper than ``MAX_DEPTH`` (10,000 levels made Python's decoder raise
  RecursionError: a 500). No request body of the contract is more than 3 levels deep.
- A NUL character (``\\u0000``) in any string or key: PostgreSQL cannot store or compare one,
  and no clinical text needs it.

Both are a 400 ``{"detail": "..."}`` before any view code runs, so nothing is written.
"""

from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 32
TOO_DEEP = f"The JSON body is nested more than {MAX_DEPTH} levels deep."
NUL_IN_BODY = "The JSON body contains a NUL character (\\u0000), which no field accepts."


def check_json(data: Any) -> None:
    """Walk the parsed body without recursion; raise ParseError on depth or a NUL."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                raise ParseError(NUL_IN_BODY)
        elif isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                raise ParseError(TOO_DEEP)
            if isinstance(value, dict):
                for key, item in value.items():
                    if "\x00" in key:
                        raise ParseError(NUL_IN_BODY)
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
