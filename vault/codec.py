"""Turn frozen record dataclasses into JSON-ready dicts and back, driven by their type hints."""

from __future__ import annotations

import dataclasses
import enum
import json
import types
import typing
from functools import cache
from typing import Any, TypeVar, cast

T = TypeVar("T")


def to_plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [to_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    return value


@cache
def _hints(cls: Any) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _from(tp: Any, value: Any) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        if value is None:
            return None
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return _from(args[0], value)
    if origin is tuple:
        (inner, *_rest) = typing.get_args(tp)
        return tuple(_from(inner, v) for v in value)
    if origin is list:
        (inner,) = typing.get_args(tp)
        return [_from(inner, v) for v in value]
    if origin is dict:
        _k, inner = typing.get_args(tp)
        return {k: _from(inner, v) for k, v in value.items()}
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return from_plain(tp, value)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return tp(value)
    return value


def from_plain(cls: type[T], data: dict[str, Any]) -> T:
    hints = _hints(cast(Any, cls))
    kwargs = {}
    for f in dataclasses.fields(cast(Any, cls)):
        if f.name in data:
            kwargs[f.name] = _from(hints[f.name], data[f.name])
    return cls(**kwargs)


def _is_default(f: dataclasses.Field[Any], value: Any) -> bool:
    if f.default is not dataclasses.MISSING:
        return bool(value == f.default)
    if f.default_factory is not dataclasses.MISSING:
        return bool(value == f.default_factory())
    return False


def to_compact(value: Any) -> Any:
    """Like ``to_plain`` but leaves out fields that hold their default value (for storage:
    ``from_plain`` fills them back in), which roughly halves the metadata the vault rewrites on
    every commit."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {}
        for f in dataclasses.fields(value):
            v = getattr(value, f.name)
            if not _is_default(f, v):
                out[f.name] = to_compact(v)
        return out
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [to_compact(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_compact(v) for k, v in value.items()}
    return value


def dumps(value: Any) -> str:
    """Compact JSON for storage; ``loads`` restores every field."""
    return json.dumps(to_compact(value), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def loads(cls: type[T], text: str) -> T:
    return from_plain(cls, json.loads(text))
