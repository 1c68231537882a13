"""`wasitool build`: build examples with SCons, check that two clean builds are byte-identical, or build
one source file (`wasitool build hello.c -o hello.wasm`, cached)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from wasitool.errors import BuildError

COMPILE_OPTIONS = {"output": "-o", "optimize": "-O", "cflags": "-X/--cflags", "lib": "--lib", "export": "--export",
                   "posix": "--posix"}
COMPONENT_SUFFIX = ".p2.wasm"  # a component's default name, as the examples' (`out/NAME.p2.wasm`)


def main(args: argparse.Namespace) -> int:
    from wasitool.languages import language_of

    sources = [t for t in args.targets if language_of(t) is not None]
    if sources:
        return _build_source(args, sources)
    given = [option for name, option in COMPILE_OPTIONS.items() if getattr(args, name)]
    given += ["--wasi"] if args.wasi != "p1" else []
    if given:
        raise BuildError(f"{', '.join(given)} apply to a source file, not to examples or SCons targets",
                         "wasitool build FILE.c|FILE.cc|FILE.wat [-o OUT.wasm]")
    from wasitool import build

    if args.build_cache:  # SCons reads it (wasitool.scons.project.use_build_cache)
        os.environ["WASITOOL_BUILD_CACHE"] = os.path.abspath(os.path.expanduser(args.build_cache))
    if args.write_sums:
        return _write_sums(args)
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
    if not args.targets:
        from wasitool.project import require_project

        require_project()  # outside a project, say so rather than build something else
    build.build(args.targets, jobs=args.jobs)
    return 0


def _build_source(args: argparse.Namespace, sources: list[str]) -> int:
    from wasitool import onefile

    if len(args.targets) > 1:
        raise BuildError(f"a source file builds alone (got {' '.join(args.targets)})",
                         "build one file per command, or several with a build system (scons, make)")
    if args.check_reproducible or args.jobs or args.write_sums or args.build_cache:
        raise BuildError("-j, --check-reproducible, --write-sums and --build-cache apply to the examples",
                         "drop them for a source file")
    source = Path(sources[0])
    suffix = COMPONENT_SUFFIX if args.wasi == "p2" else ".wasm"
    output = Path(args.output) if args.output else Path(f"{source.stem}{suffix}")
    if output.resolve() == source.resolve():
        raise BuildError(f"-o {output} is the source file itself", "name the output OUT.wasm")
    flags = (*onefile.posix_flags(source), *args.cflags) if args.posix else tuple(args.cflags)
    options = onefile.Options(args.optimize, flags, args.lib, tuple(args.export), args.wasi)
    onefile.install(onefile.build(source, options), output)
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
