"""`wasitool verify [SUMS]`: a clean build compared with the committed checksums; exit 1 on a difference."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from wasitool.verify import VerifyReport, verify


def main(args: argparse.Namespace) -> int:
    report = verify(Path(args.sums) if args.sums else None, jobs=args.jobs)
    if args.json:
        print(json.dumps(report.to_json(), indent=2, sort_keys=True))
    else:
        print("\n".join(render(report)))
    return 0 if report.identical else 1


def render(report: VerifyReport) -> list[str]:
    """The report for people: what matched, each differing module, and what the toolchain says."""
    name = report.sums
    if report.identical:
        lines = [f"verified: the {len(report.matched)} modules built from clean match {name}"]
        if report.toolchain_changes:
            lines.append(f"note: {name.name} was made with another toolchain "
                         f"({'; '.join(report.toolchain_changes)}), with identical bytes")
        return lines
    total = len(report.matched) + len([d for d in report.differing if d.status != "missing"])
    lines = [f"verify: {len(report.differing)} module{'s' if len(report.differing) != 1 else ''} "
             f"of {total} built from clean differ from {name}:"]
    lines += [f"  {difference.describe()}" for difference in report.differing]
    used = ", ".join(t.describe() for t in report.current.values())
    if report.same_toolchain is None:
        lines.append(f"no build-info beside {name.name}: cannot tell whether the toolchain changed "
                     f"(this build: {used})")
        lines.append("fix: if the change is intended, run `wasitool build --write-sums` and commit both files")
    elif report.same_toolchain:
        lines.append(f"same toolchain, different bytes: {used}")
        lines.append(f"fix: if the change is intended, run `wasitool build --write-sums` and commit {name.name} "
                     "and its build-info; otherwise find what makes the build differ")
    else:
        lines.append(f"built with another toolchain ({'; '.join(report.toolchain_changes)})")
        lines.append(f"fix: {report.toolchain_fix}; or, if the new toolchain is intended, "
                     "refresh the checksums with `wasitool build --write-sums`")
    return lines
