"""Where the files shipped inside the wasitool package live: the one table of bundled resource paths."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
BUNDLED = PACKAGE / "bundled"  # the examples' project: table, sources, the shipped lock
SHIPPED_LOCK = BUNDLED / "wasitool.lock"  # the lock used outside any project and copied by `wasitool init`
SCONS_TOOLS = PACKAGE / "scons"  # the SCons tools wasi_c, wat, native_c (a project's SConstruct loads them)
INIT_TEMPLATE = PACKAGE / "templates" / "init"  # what `wasitool init` copies
NODE_RUNNER = PACKAGE / "runtimes" / "node_runner.mjs"  # the node:wasi runner of the `node` runtime
JCO_RUNNER = PACKAGE / "runtimes" / "jco_runner"  # the jco runner and its pinned npm lockfile
