"""Who calls whom in a module: direct `call`s from the code section, and the chains up to the exports.

`wasitool inspect --callers` walks this graph backwards, the way one searches `wasm-objdump -d`
output for `call 6`, then for the callers of each caller, until an export is reached.
Indirect calls (`call_indirect` through the table) have no static target: a function that is only
reachable that way ends its chain with "called through the table".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from wasitool.wasmbin import Module
from wasitool.wasmcode import direct_call_targets

DIRECT_CALLS = frozenset({"call", "return_call"})


@dataclass
class CallGraph:
    callers: dict[int, list[int]] = field(default_factory=dict)  # callee -> direct callers, sorted
    callees: dict[int, list[int]] = field(default_factory=dict)  # caller -> direct callees, in code order
    undecodable: dict[int, str] = field(default_factory=dict)  # function -> why its body was not decoded


# How a chain ends when it does not reach an export.
END_START = "start function"
END_TABLE = "called through the table"
END_NONE = "no callers"
END_CYCLE = "recursion"


@dataclass
class Chain:
    """Function indices from the target up to a root, and why it stopped (`None`: at an export)."""

    path: list[int]
    end: str | None = None


def build_call_graph(module: Module) -> CallGraph:
    """Scan every body once for its direct calls (no instruction list: memory stays O(module))."""
    graph = CallGraph()
    callers: dict[int, set[int]] = {}
    for local, body in enumerate(module.bodies):
        index = module.num_imported_funcs + local
        try:
            targets = direct_call_targets(module.data, body.code_start, body.end, DIRECT_CALLS)
        except ValueError as exc:
            graph.undecodable[index] = str(exc)
            continue
        for target in targets:
            callers.setdefault(target, set()).add(index)
        graph.callees[index] = targets
    graph.callers = {callee: sorted(found) for callee, found in callers.items()}
    return graph


def caller_chains(module: Module, graph: CallGraph, target: int, limit: int = 100,
                  budget: int = 200_000) -> tuple[list[Chain], bool]:
    """Every chain from `target` up through its callers to an export (or another root).

    Depth-first, callers in index order; a function already on the chain is not entered again.
    At most `limit` chains and `budget` steps: the second value says whether more were left out.
    """
    exported = {e.index for e in module.exports if e.kind == "func"}
    in_table = set(module.table_funcs)
    chains: list[Chain] = []
    steps = 0

    def root_reason(func: int) -> str | bool | None:
        """Why `func` ends a chain (None: at an export), or False if the walk goes on."""
        if func in exported:
            return None
        if not graph.callers.get(func):
            if func == module.start:
                return END_START
            return END_TABLE if func in in_table else END_NONE
        return False

    first = root_reason(target)
    if first is not False:
        return [Chain([target], first if isinstance(first, str) else None)], False
    # The walk: one frame per function on the chain, with the next caller to try and the number of
    # chains found before it was entered (none found since means every caller was already on it).
    path: list[int] = [target]
    on_path = {target}  # `path` as a set: a 50,000-deep chain stays linear
    frames: list[list[int]] = [[0, 0]]
    while path:
        steps += 1
        if len(chains) >= limit or steps > budget:
            return chains, True
        func, frame = path[-1], frames[-1]
        options = graph.callers.get(func, [])
        if frame[0] >= len(options):
            if len(chains) == frame[1]:
                chains.append(Chain([*path], END_CYCLE))
            on_path.discard(path.pop())
            frames.pop()
            continue
        caller = options[frame[0]]
        frame[0] += 1
        if caller in on_path:
            continue
        reason = root_reason(caller)
        if reason is not False:
            chains.append(Chain([*path, caller], reason if isinstance(reason, str) else None))
            continue
        path.append(caller)
        on_path.add(caller)
        frames.append([0, len(chains)])
    return chains, False
