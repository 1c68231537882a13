"""`wasitool run COMPONENT --invoke NAME ARGS...`: call one function a component exports, with numbers.

NAME is a function the component exports at its top (`add`), one inside an exported instance given as
`INSTANCE#NAME` (`example:math/ops#add`), or a function name found in exactly one exported instance. As
for core modules, arguments and the result are numbers: integer types (`s8` ... `u64`) range-checked,
`f32`/`f64`, `bool` as 0 or 1; any other type is refused in one line.
"""

from __future__ import annotations

from typing import Any

import wasmtime
from wasmtime import component as wc

from wasitool.errors import WasiError
from wasitool.runspec import Invoke

_INTEGERS: dict[type, tuple[int, int]] = {
    wc.U8: (0, 1 << 8), wc.U16: (0, 1 << 16), wc.U32: (0, 1 << 32), wc.U64: (0, 1 << 64),
    wc.S8: (-(1 << 7), 1 << 7), wc.S16: (-(1 << 15), 1 << 15), wc.S32: (-(1 << 31), 1 << 31),
    wc.S64: (-(1 << 63), 1 << 63),
}
_FLOATS = (wc.F32, wc.F64)


def _type_name(ty: wc.ValType) -> str:
    return type(ty).__name__.removesuffix("Type").lower()


def _printable(ty: wc.ValType) -> bool:
    return type(ty) in _INTEGERS or isinstance(ty, (*_FLOATS, wc.Bool))


def find_export(component: wc.Component, engine: wasmtime.Engine, invoke: Invoke,
                label: str) -> tuple[list[str], wc.FuncType]:
    """The path of export names from the component's top to the function, and its type."""
    exports = component.type.exports(engine)
    name = invoke.export
    found: list[tuple[list[str], wc.FuncType]] = []
    top = exports.get(name)
    if top is not None and isinstance(top.ty, wc.FuncType):
        found.append(([name], top.ty))
    instance_name, sep, inner = name.partition("#")
    for export, extern in exports.items():
        ty = extern.ty
        if found or not isinstance(ty, wc.ComponentInstanceType) or (sep and export != instance_name):
            continue
        item = ty.exports(engine).get(inner if sep else name)
        if item is not None and isinstance(item.ty, wc.FuncType):
            found.append(([export, inner if sep else name], item.ty))
    if not found:
        functions = sorted(_function_names(exports, engine))
        raise WasiError(f"{label} exports no function `{name}`",
                        f"exported functions: {', '.join(functions) or 'none'}")
    if len(found) > 1:
        raise WasiError(f"`{name}` names a function in several instances of {label}",
                        "write INSTANCE#NAME: " + ", ".join("#".join(path) for path, _ in found))
    path, fty = found[0]
    _check_types(fty, name, len(invoke.args))
    return path, fty


def _function_names(exports: dict[str, Any], engine: wasmtime.Engine) -> list[str]:
    names = []
    for export, extern in exports.items():
        ty = extern.ty
        if isinstance(ty, wc.FuncType):
            names.append(export)
        elif isinstance(ty, wc.ComponentInstanceType):
            names += [f"{export}#{n}" for n, item in ty.exports(engine).items() if isinstance(item.ty, wc.FuncType)]
    return names


def _check_types(fty: wc.FuncType, name: str, given: int) -> None:
    params = fty.params
    odd = [f"{pname}: {_type_name(ty)}" for pname, ty in params if not _printable(ty)]
    result = fty.result
    if result is not None and not _printable(result):
        odd.append(f"result: {_type_name(result)}")
    if odd:
        raise WasiError(f"`{name}` takes or returns {', '.join(odd)}, which --invoke cannot pass as numbers",
                        "invoke a function of numbers (integers, floats, bool), or call it from a command")
    if given != len(params):
        raise WasiError(f"`{name}` takes {len(params)} argument(s) ({', '.join(p for p, _ in params)}), got {given}")


def arguments(fty: wc.FuncType, invoke: Invoke) -> list[int | float | bool]:
    """The invoke arguments as the function's parameter types want them (one-line errors)."""
    converted: list[int | float | bool] = []
    for index, ((pname, ty), value) in enumerate(zip(fty.params, invoke.args, strict=True), 1):
        where = f"argument {index} of `{invoke.export}` ({pname}: {_type_name(ty)})"
        if isinstance(ty, _FLOATS):
            converted.append(float(value))
            continue
        if isinstance(value, float):
            if not value.is_integer():
                raise WasiError(f"{where} must be an integer, got {value}")
            value = int(value)
        if isinstance(ty, wc.Bool):
            if value not in (0, 1):
                raise WasiError(f"{where} must be 0 or 1, got {value}")
            converted.append(bool(value))
            continue
        low, high = _INTEGERS[type(ty)]
        if not low <= int(value) < high:
            raise WasiError(f"{where} is out of range: {value}")
        converted.append(int(value))
    return converted


def results(value: Any) -> list[int | float]:
    """What `--invoke` prints for the function's result (None: nothing; a bool as 0 or 1)."""
    if value is None:
        return []
    return [int(value) if isinstance(value, bool) else value]
