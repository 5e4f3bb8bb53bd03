"""Frozen dataclasses kept in a JSON column (outbox payloads, correction changes): one key per field, enums by
value, dates as ISO strings, lists for tuples. Reading takes the JSON of today or of any earlier row: keys a
dataclass does not know are left out, missing ones take the field's default."""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import field
from datetime import date, datetime
from enum import Enum
from functools import cache
from typing import Any, TypeVar, Union

JSON_KEY = "json_key"  # field metadata: the stored key when it differs from the field's name
OMIT_NONE = "omit_none"  # field metadata: the key is written only when it has a value


def stored_as(name: str, **kwargs: Any) -> Any:
    """A field kept under another key: one that is no Python name («class»)."""
    return field(metadata={JSON_KEY: name}, **kwargs)


def optional() -> Any:
    """A field that defaults to None and is left out of the JSON while it is None."""
    return field(default=None, metadata={OMIT_NONE: True})


T = TypeVar("T")


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return to_json(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


def to_json(obj: Any) -> dict[str, Any]:
    """The dataclass as the JSON column keeps it."""
    return {
        f.metadata.get(JSON_KEY, f.name): _plain(getattr(obj, f.name))
        for f in dataclasses.fields(obj)
        if not (f.metadata.get(OMIT_NONE) and getattr(obj, f.name) is None)
    }


def from_json(cls: type[T], data: dict[str, Any]) -> T:
    """`cls` from its stored JSON; keys it does not know are left out, missing ones take the field's default."""
    hints = _hints(cls)  # type: ignore[arg-type]  # a class is hashable; typeshed's cache wants Hashable
    values = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        key = f.metadata.get(JSON_KEY, f.name)
        if key in data:
            values[f.name] = _typed(hints[f.name], data[key])
    return cls(**values)


def _typed(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        kinds = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        return _typed(kinds[0], value) if len(kinds) == 1 else value
    if origin is tuple:
        return tuple(_typed(typing.get_args(hint)[0], item) for item in value)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return from_json(hint, value)
    if isinstance(hint, type) and issubclass(hint, Enum):
        return hint(value)
    return value
