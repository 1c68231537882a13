"""A store holding a fake toolchain whose every program records how it was called (for the wrapper tests).

The recorder writes one line per argument (`ARG <arg>`) and the variables the tool's `env` names
(`ENV <name>=<value>`) to the file named by `$FAKE_LOG`, with `$FAKE_OUTPUT` set an empty wasm module to
its `-o` file (default `a.out`, as a link would) after sleeping `$FAKE_SLEEP` seconds if set, then
exits with `$FAKE_STATUS` (default 0).
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wasitool.platforms import host_platform
from wasitool.shipped import SHIPPED_LOCK
from wasitool.store.records import InstalledTool
from wasitool.toolchain.lock import load_lock
from wasitool.toolchain.manifest import Toolchain
from wasitool.toolchain.records import write_record

RECORDER = r"""#!/bin/sh
{{ for name in {names}; do eval "printf '%s\n' \"ENV $name=\$$name\""; done
  for arg in "$@"; do printf '%s\n' "ARG $arg"; done; }} > "$FAKE_LOG"
out=a.out prev=
for arg in "$@"; do [ "$prev" = -o ] && out=$arg; prev=$arg; done
[ -n "$FAKE_SLEEP" ] && sleep "$FAKE_SLEEP"
[ -n "$FAKE_OUTPUT" ] && printf '\000asm\001\000\000\000' > "$out"
exit "${{FAKE_STATUS:-0}}"
"""
ZIG_ENV = {"ZIG_GLOBAL_CACHE_DIR": "/cache dir/zig's", "ZIG_LOCAL_CACHE_DIR": "/cache dir/zig's"}
SJLJ = {"compile": ["-mexception-handling", "-mllvm", "-wasm-use-legacy-eh=false"], "link": ["-lsetjmp"],
        "library": [], "define_c_longjmp": False}


@dataclass
class FakeStore:
    root: Path
    toolchain: Toolchain
    log: Path

    def env(self, **extra: str) -> dict[str, str]:
        """The environment of a command on this store: the test's, without a CONFIG_SITE of its own, and `extra`."""
        inherited = {name: value for name, value in os.environ.items() if name != "CONFIG_SITE"}
        return {**inherited, "WASITOOL_HOME": str(self.root), "FAKE_LOG": str(self.log), **extra}

    def wasitool(self, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "wasitool", *args], env=self.env(**extra), capture_output=True,
                              text=True, timeout=60, check=False, cwd=self.root.parent)  # outside any project

    def calls(self) -> tuple[list[str], dict[str, str]]:
        """The arguments and environment of the last recorded call."""
        lines = self.log.read_text(encoding="utf-8").splitlines()
        args = [line[4:] for line in lines if line.startswith("ARG ")]
        env = dict(line[4:].split("=", 1) for line in lines if line.startswith("ENV "))
        return args, env


def make_fake_store(root: Path, *, sdk_extra: dict[str, Any] | None = None, lacks_nm: bool = True) -> FakeStore:
    """A store at `root` (a path with a space and a quote) whose pointer names a fake wasi-sdk and wabt."""
    sdk_root, wabt_root = root / "tools" / "wasi-sdk-fake", root / "tools" / "wabt-fake"
    for directory in (sdk_root, wabt_root):
        directory.mkdir(parents=True)
    recorder = sdk_root / "bin dir" / "re'corder"
    recorder.parent.mkdir()
    recorder.write_text(RECORDER.format(names=" ".join(ZIG_ENV)), encoding="utf-8")
    recorder.chmod(0o755)
    roles = ["ar", "ranlib", "strip"] + ([] if lacks_nm else ["nm"])
    commands = {"cc": [str(recorder), "cc", "-target", "wasm32-wasi"],
                "c++": [str(recorder), "c++", "-target", "wasm32-wasi", "-fno-exceptions"],
                "wasm-ld": [str(recorder), "wasm-ld"], **{role: [str(recorder), role] for role in roles}}
    fields: dict[str, Any] = {"env": dict(ZIG_ENV), "package": "fakezig", "sjlj": dict(SJLJ),
                              "unavailable": {"nm": "fakezig has no nm"} if lacks_nm else {}}
    sdk = InstalledTool(name="wasi-sdk", source="pip", version="9.9", root=str(sdk_root), commands=commands,
                        **{**fields, **(sdk_extra or {})})
    wabt = InstalledTool(name="wabt", source="pip", version="1.0", root=str(wabt_root),
                         commands={"wat2wasm": [str(recorder), "wat2wasm"]})
    toolchain = Toolchain(platform=host_platform(), tools={"wasi-sdk": sdk, "wabt": wabt})
    write_record(root, load_lock(SHIPPED_LOCK), toolchain)  # what the bundled lock selects, outside projects
    return FakeStore(root, toolchain, root / "calls.log")
