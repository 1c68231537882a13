"""`wasitool trace-diff A B`: the first call where two recordings or JSON traces part ways
(`wasitool.wasi.trace_compare`), with the calls before it. Exit status 1 when they differ, else 0."""

from __future__ import annotations

import argparse
import json
import sys
from fnmatch import fnmatchcase
from pathlib import Path

from wasitool.errors import WasiError
from wasitool.wasi.signatures import SIGNATURES
from wasitool.wasi.trace_compare import Step, first_divergence, load_steps


def main(args: argparse.Namespace) -> int:
    ignore = [item.strip() for item in args.ignore.split(",") if item.strip()]
    for pattern in ignore:
        if not any(fnmatchcase(name, pattern) for name in SIGNATURES):
            raise WasiError(f"--ignore={args.ignore}: `{pattern}` matches no wasi_snapshot_preview1 function",
                            "name preview1 functions or globs, e.g. --ignore=clock_*,random_get")
    a, b = (load_steps(Path(p), ignore) for p in (args.a, args.b))
    divergence = first_divergence(a, b)
    if args.json:
        report: dict[str, object] = {"a": args.a, "b": args.b, "calls": [len(a), len(b)], "divergence": None}
        if divergence is not None:
            start = max(0, divergence.position - args.context)
            report["divergence"] = {"position": divergence.position + 1,
                                    "before": [s._asdict() for s in a[start:divergence.position]],
                                    "a": _json(divergence.a), "b": _json(divergence.b)}
        sys.stdout.write(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
        return 0 if divergence is None else 1
    if divergence is None:
        print(f"no divergence: the same {len(a)} calls")
        return 0
    index = divergence.position
    first = divergence.a or divergence.b
    assert first is not None
    print(f"first divergence at call {first.number} (A: {args.a}, B: {args.b})")
    for step in a[max(0, index - args.context):index]:
        print(f"  {step.number:>5}  {step.text()}")
    for side, end, total in (("A", divergence.a, len(a)), ("B", divergence.b, len(b))):
        print(f"{side} {end.number if end else '':>5}  "
              f"{end.text() if end is not None else f'(the run ended after {total} calls)'}")
    return 1


def _json(step: Step | None) -> dict[str, object] | None:
    return step._asdict() if step is not None else None
