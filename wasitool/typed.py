"""typing's names for annotations, without importing `typing` on `wasitool run`'s start-up path.

`typing` costs ~2 ms to import and a `typing.NamedTuple` class ~0.2 ms per field (each annotation is
compiled into a ForwardRef), against a budget of ~10 ms for all of wasitool on top of the engine's own
import. So the modules on that path take from here:

- `TYPE_CHECKING`: False at run time; type checkers take `if TYPE_CHECKING:` blocks by this name;
- `NamedTuple`: `typing.NamedTuple` for type checkers; at run time a base whose subclasses become
  `collections.namedtuple` classes (fields from the annotations, defaults from the assignments, methods,
  properties and docstring kept), as `typing.NamedTuple` makes them, minus its checks of the annotations;
- `cast`: `typing.cast` (at run time, as there, the value itself);
- `Generic`, `TypeVar`: for a generic class's declaration (`class Registry(Generic[T])`); at run time a plain
  base, subscripted to itself (a parameterized class is only ever written in annotations).
"""

from __future__ import annotations

TYPE_CHECKING = False

if TYPE_CHECKING:
    from typing import Generic as Generic
    from typing import NamedTuple as NamedTuple
    from typing import TypeVar as TypeVar
    from typing import cast as cast
else:
    import collections

    def cast(_type, value):
        return value

    def TypeVar(name, *_constraints, **_options):
        return name

    class Generic:
        __slots__ = ()

        def __class_getitem__(cls, params):
            return cls

    # what a class body holds besides its fields and methods, and what namedtuple sets itself
    _OWN = frozenset({"__module__", "__qualname__", "__annotations__", "__doc__", "__slots__", "__dict__",
                      "__weakref__", "__new__", "__init__", "__getnewargs__", "_fields", "_field_defaults",
                      "_make", "_replace", "_asdict", "_source"})

    class _NamedTupleMeta(type):
        def __new__(mcs, name, bases, namespace):
            if namespace.get("__module__") == __name__:  # the `NamedTuple` base itself
                return super().__new__(mcs, name, bases, namespace)
            fields = tuple(namespace.get("__annotations__", {}))
            defaults = [namespace[field] for field in fields if field in namespace]
            if any(field not in namespace for field in fields[len(fields) - len(defaults):]):
                raise TypeError(f"{name}: a field without a default follows one with a default")
            cls = collections.namedtuple(name, fields, defaults=defaults, module=namespace["__module__"])
            cls.__annotations__ = dict(namespace.get("__annotations__", {}))
            cls.__qualname__ = namespace.get("__qualname__", name)
            if "__doc__" in namespace:
                cls.__doc__ = namespace["__doc__"]
            for key, value in namespace.items():
                if key not in _OWN and key not in fields:
                    setattr(cls, key, value)
            return cls

    class NamedTuple(metaclass=_NamedTupleMeta):
        """Base of typed named tuples (see the module's docstring)."""
