"""wasmtime-py's component value conventions, in one place.

The interface modules speak plain Python: a record is a dict (WIT field names), a variant is a
`Variant(tag, payload)`, an option is None or its value, a result is the function's return value or an
`Err(payload)` it raises, an own handle is a `Resource`, flags are a set of names, an enum is its name,
`list<u8>` is bytes. wasmtime-py wants something else in places: a record as an object with the fields
as attributes, and a variant, option or result *untagged* (the bare payload) when its cases hold values
of distinct Python classes, else tagged (`Variant`). `lowerer(ty)` and `lifter(ty)` build, once per
function type, the converters between the two.

One result type cannot carry its error through wasmtime-py 50: when the ok case is an option (whose
classes include `object`), wasmtime-py matches every untagged value to `ok` (docs/components.md,
"wasmtime-py limits"); `unreachable_cases` names such cases so the host can avoid them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wasmtime import StoreContext
from wasmtime.component import (
    BorrowType,
    ListType,
    OptionType,
    OwnType,
    Record,
    RecordType,
    ResourceAny,
    ResourceHost,
    ResultType,
    TupleType,
    ValType,
    Variant,
    VariantType,
)

from wasitool.wasip2.resources import Resource, ResourceTable

Lower = Callable[[Any], Any]
Lift = Callable[[StoreContext, Any], Any]


class Err(Exception):
    """Raised by a host function to return the `err` case of its result with `payload`."""

    def __init__(self, payload: Any = None) -> None:
        super().__init__(payload)
        self.payload = payload


def _identity(value: Any) -> Any:
    return value


def _lift_identity(_store: StoreContext, value: Any) -> Any:
    return value


def cases(ty: ValType) -> list[tuple[str, ValType | None]] | None:
    """The cases of a variant-like type (variant, option, result), else None."""
    if isinstance(ty, VariantType):
        return ty.cases
    if isinstance(ty, OptionType):
        return [("none", None), ("some", ty.payload)]
    if isinstance(ty, ResultType):
        return [("ok", ty.ok), ("err", ty.err)]
    return None


def _classes(ty: ValType | None) -> set[type]:
    found: set[type] = set()
    if ty is None:
        found.add(object)
    else:
        ty.add_classes(found)
    return found


def is_tagged(case_types: list[tuple[str, ValType | None]]) -> bool:
    """Whether wasmtime-py passes this variant as `Variant(tag, payload)` (two cases share a Python class)."""
    seen: set[type] = set()
    for _, ty in case_types:
        found = _classes(ty)
        if found & seen:
            return True
        seen |= found
    return False


def unreachable_cases(case_types: list[tuple[str, ValType | None]]) -> list[str]:
    """Untagged cases wasmtime-py can never produce: an earlier case accepts any value (`object`)."""
    if is_tagged(case_types):
        return []
    lost: list[str] = []
    catch_all = False
    for name, ty in case_types:
        if catch_all and ty is not None:
            lost.append(name)
        catch_all = catch_all or (ty is not None and object in _classes(ty))
    return lost


def lowerer(ty: ValType, table: ResourceTable) -> Lower:
    """Plain value -> wasmtime-py value for `ty` (own handles are added to `table`)."""
    variant_cases = cases(ty)
    if variant_cases is not None:
        return _variant_lowerer(ty, variant_cases, table)
    if isinstance(ty, RecordType):
        fields = [(name, lowerer(field, table)) for name, field in ty.fields]

        def lower_record(value: dict[str, Any]) -> Record:
            record = Record()
            for name, lower in fields:
                setattr(record, name, lower(value[name]))
            return record

        return lower_record
    if isinstance(ty, ListType):
        element = lowerer(ty.element, table)
        if element is _identity:
            return _identity
        return lambda value: [element(v) for v in value]
    if isinstance(ty, TupleType):
        elements = [lowerer(e, table) for e in ty.elements]
        return lambda value: tuple(lower(v) for lower, v in zip(elements, value, strict=True))
    if isinstance(ty, OwnType):

        def lower_own(value: Resource) -> ResourceHost:
            return ResourceHost.own(table.add(value), value.type_id)

        return lower_own
    return _identity


def _variant_lowerer(ty: ValType, case_types: list[tuple[str, ValType | None]], table: ResourceTable) -> Lower:
    tagged = is_tagged(case_types)
    payloads = {name: lowerer(t, table) if t is not None else None for name, t in case_types}
    lost = set(unreachable_cases(case_types))
    option = isinstance(ty, OptionType)

    def lower_variant(value: Any) -> Any:
        if option:
            value = Variant("none") if value is None else Variant("some", value)
        if value.tag in lost:
            raise TypeError(f"wasmtime-py cannot pass the `{value.tag}` case of this type (untagged, after a "
                            "case matching any value)")
        lower = payloads[value.tag]
        payload = None if lower is None else lower(value.payload)
        return Variant(value.tag, payload) if tagged else payload

    return lower_variant


def lifter(ty: ValType, table: ResourceTable) -> Lift:
    """wasmtime-py value -> plain value for `ty` (a handle becomes the table's Resource)."""
    variant_cases = cases(ty)
    if variant_cases is not None:
        return _variant_lifter(ty, variant_cases, table)
    if isinstance(ty, (BorrowType, OwnType)):

        def lift_resource(store: StoreContext, value: ResourceAny) -> Resource:
            return table.get(value.to_host(store).rep)

        return lift_resource
    if isinstance(ty, RecordType):
        fields = [(name, lifter(field, table)) for name, field in ty.fields]
        return lambda store, value: {name: lift(store, getattr(value, name)) for name, lift in fields}
    if isinstance(ty, ListType):
        element = lifter(ty.element, table)
        if element is _lift_identity:
            return _lift_identity
        return lambda store, value: [element(store, v) for v in value]
    if isinstance(ty, TupleType):
        elements = [lifter(e, table) for e in ty.elements]
        return lambda store, value: tuple(lift(store, v) for lift, v in zip(elements, value, strict=True))
    return _lift_identity


def _variant_lifter(ty: ValType, case_types: list[tuple[str, ValType | None]], table: ResourceTable) -> Lift:
    tagged = is_tagged(case_types)
    payloads = [(name, lifter(t, table) if t is not None else None, tuple(_classes(t))) for name, t in case_types]
    option = isinstance(ty, OptionType)

    def lift_variant(store: StoreContext, value: Any) -> Any:
        if tagged:
            tag = value.tag
            raw = value.payload
        else:  # as wasmtime-py decides it: the first case whose classes the value has (None: a case without payload)
            tag = next(name for name, lift, classes in payloads
                       if (value is None if lift is None else isinstance(value, classes)))
            raw = value
        lift = next(lift for name, lift, _ in payloads if name == tag)
        payload = None if lift is None else lift(store, raw)
        if option:
            return payload
        return Variant(tag, payload)

    return lift_variant
