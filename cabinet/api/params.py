"""Parameter types shared by the API's routers: ids in paths, pages of lists, text.

Bounds keep what the database cannot hold out of the query (an id beyond a 32-bit
integer, a NUL character, a lone surrogate), so such input is a 422 naming the field,
never a server error.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from django.core.exceptions import ValidationError
from ninja import Path, Query, Schema
from ninja.params import P
from pydantic import AfterValidator, model_validator
from pydantic_core import PydanticCustomError

MAX_ID = 2**31 - 1

# An object's id in a path: /sessions/{session_id}
ObjectId = Path[int, P(ge=1, le=MAX_ID)]

# Pages of lists that can grow: ?limit=50&offset=0
Limit = Query[int, P(ge=1, le=200)]
Offset = Query[int, P(ge=0, le=MAX_ID)]


def _storable(value: str) -> str:
    if "\x00" in value:
        raise ValueError("NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("not valid Unicode text") from exc
    return value


# Text a caller sends that is stored: no NUL, valid Unicode (services apply NFC).
StorableText = Annotated[str, AfterValidator(_storable)]


class Input(Schema):
    """A request body: a JSON object. (Ninja's ``Schema`` reads attributes of any
    object, so without this an array would pass for a body whose fields are all
    optional.)"""

    @model_validator(mode="before")
    @classmethod
    def _object_only(cls, data):
        # ninja's own (outer) validator has wrapped the input in a DjangoGetter
        if not isinstance(getattr(data, "_obj", data), dict):
            raise PydanticCustomError("dict_type", "Input should be an object")
        return data


@contextmanager
def on_field(name: str, /, **by_code: str) -> Iterator[None]:
    """Report a service's refusal of one value on the field the caller sent it in:
    ``name``, or ``by_code[code]`` for a refusal with that code."""
    try:
        yield
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            raise
        fields: dict[str, list] = {}
        for error in exc.error_list:
            fields.setdefault(by_code.get(error.code, name), []).append(error)
        raise ValidationError(fields) from exc
