"""`wasitool build`: build examples with SCons, or check that two clean builds are byte-identical."""

from __future__ import annotations

import argparse
import os

from wasitool.errors import BuildError


def main(args: argparse.Namespace) -> int:
    from wasitool import build

    if args.build_cache:  # SCons reads it (wasitool.scons.project.use_build_cache)
        os.environ["WASITOOL_BUILD_CACHE"] = os.path.abspath(os.path.expanduser(args.build_cache))

    if args.check_reproducible:
        if args.targets:
            raise BuildError("--check-reproducible builds every module; it takes no targets",
                             "run `wasitool build --check-reproducible` alone")
        report = build.check_reproducible(jobs=args.jobs)
        if report.identical:
            print(f"reproducible: two clean builds gave identical bytes for {len(report.hashes)} files")
            return 0
        raise BuildError(
            f"not reproducible: {', '.join(report.differing)} differ between two clean builds "
            f"(kept in {report.trees[0]} and {report.trees[1]})",
            "remove timestamps and build paths from the outputs (see wasitool/scons/wasi_c.py)",
        )
    if args.write_sums:
        return _write_sums(args)
    if not args.targets:
        from wasitool.project import require_project

        require_project()  # outside a project, say so rather than build something else
    build.build(args.targets, jobs=args.jobs)
    return 0


def _write_sums(args: argparse.Namespace) -> int:
    from wasitool.project import require_project
    from wasitool.sums import buildinfo_path
    from wasitool.verify import write_project_sums

    if args.targets or args.check_reproducible:
        raise BuildError("--write-sums builds every module; it takes no targets",
                         "run `wasitool build --write-sums` alone")
    require_project()
    sums, count, identity = write_project_sums(jobs=args.jobs)
    used = ", ".join(t.describe() for t in identity.values())
    print(f"wrote {sums} ({count} modules) and {buildinfo_path(sums).name}, made with {used}")
    return 0
