"""The shared build cache (SCons' CacheDir): a second clean checkout compiles nothing; another toolchain
never hits; the key names no path of this machine; `wasitool lock hash` is the CI cache key."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import tomlkit

from wasitool.platforms import host_platform
from wasitool.scons.wasi_c import toolchain_id
from wasitool.shipped import SHIPPED_LOCK
from wasitool.store.installs import Store
from wasitool.store.records import InstalledTool, read_tool_manifest, write_tool_manifest
from wasitool.toolchain.lock import load_lock
from wasitool.toolchain.manifest import Toolchain

from .conftest import copy_checkout, scons

# Every line SCons prints for a compiler, assembler or linker run (the tools' ...COMSTR).
COMPILE_LINE = re.compile(r"^(wasm-cc|wasm-c\+\+|wasm-link|wasm-ld \(library\)|wat2wasm|host-cc|host-link) ",
                          re.MULTILINE)


def retrieved(output: str) -> set[str]:
    return set(re.findall(r"^Retrieved `(.+)' from cache$", output, re.MULTILINE))


def modules(tree: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((tree / "out").glob("*.wasm"))}


def test_second_clean_checkout_runs_no_compiler(toolchain_home: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = copy_checkout(tmp_path / "one" / "checkout")
    built = scons(first, "-j2", f"--build-cache={cache}")
    assert COMPILE_LINE.search(built.stdout) and not retrieved(built.stdout)

    second = copy_checkout(tmp_path / "two" / "elsewhere" / "checkout")  # another path: keys must not see it
    proc = subprocess.run([sys.executable, "-m", "wasitool", "build", "-j", "2", "--build-cache", str(cache)],
                          cwd=second, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not COMPILE_LINE.search(proc.stdout), proc.stdout
    wanted = {f"out/{name}" for name in modules(first)} | {"out/SHA256SUMS"}
    assert wanted <= retrieved(proc.stdout)
    assert modules(second) == modules(first)

    third = copy_checkout(tmp_path / "three")  # the variable does the same for plain scons
    proc = scons(third, "-j2", env={**os.environ, "WASITOOL_BUILD_CACHE": str(cache)})
    assert not COMPILE_LINE.search(proc.stdout) and wanted <= retrieved(proc.stdout)


def _store_with_another_compiler(real_store: Path, store: Path, lock: Path) -> None:
    """`lock` pins a different wasi-sdk wheel (version and sha256); the store here "installs" it as a manifest
    whose commands are the real zig's, and reuses the real wabt."""
    document = tomlkit.parse(lock.read_text())
    (source,) = [s for s in document["tools"]["wasi-sdk"]["sources"] if s["kind"] == "pip"]
    source["version"] = "0.17.0.post99"
    source["platforms"][host_platform()]["sha256"] = "ab" * 32
    lock.write_text(tomlkit.dumps(document))
    real, fake = Store(real_store), Store(store)
    for tool in load_lock(lock).tools.values():
        spec = tool.ordered_sources[0]  # the reproducible source: pip, npm for the adapters
        pin = spec.platforms[host_platform()]
        installed = real.installed(real.install_dir(spec, pin, host_platform()))
        if installed is None:  # the bumped wheel: borrow the real zig's manifest under the new pin
            (borrowed,) = [d for d in real.tools_dir.iterdir() if d.name.startswith("wasi-sdk-pip-0.17.0.post0-")]
            installed = read_tool_manifest(borrowed)
            installed = InstalledTool(**{**installed.to_json(), "version": spec.version})
        directory = fake.install_dir(spec, pin, host_platform())
        directory.mkdir(parents=True)
        write_tool_manifest(installed, directory)


def test_another_toolchain_never_hits(toolchain_home: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    scons(copy_checkout(tmp_path / "one"), "-j2", f"--build-cache={cache}")
    other = copy_checkout(tmp_path / "other")
    store = tmp_path / "store"
    _store_with_another_compiler(toolchain_home, store, other / "wasitool.lock")
    proc = scons(other, "-j2", f"--build-cache={cache}", env={**os.environ, "WASITOOL_HOME": str(store)})
    compiled = set(COMPILE_LINE.findall(proc.stdout))
    assert {"wasm-cc", "wasm-link", "wat2wasm"} <= compiled, proc.stdout
    # Nothing the other compiler makes comes from the cache (SHA256SUMS may: it only hashes equal bytes).
    assert not {p for p in retrieved(proc.stdout) if p.endswith((".o", ".wasm")) and "/native/" not in p}


def _toolchain(root: Path) -> Toolchain:
    zig = InstalledTool("wasi-sdk", "pip", "0.17.0.post0", str(root / "tools" / "wasi-sdk-pip-0.17.0.post0-x-c952"),
                        {"cc": [f"{root}/tools/wasi-sdk-pip-0.17.0.post0-x-c952/ziglang/zig", "cc"]},
                        env={"ZIG_GLOBAL_CACHE_DIR": f"{root}/cache/zig"}, package="ziglang")
    return Toolchain("linux-x86_64", {"wasi-sdk": zig})


def test_toolchain_id_names_no_path_and_follows_the_commands(tmp_path: Path) -> None:
    here, there = _toolchain(tmp_path / "a"), _toolchain(tmp_path / "b" / "deeper")
    assert toolchain_id(here) == toolchain_id(there)
    assert str(tmp_path) not in toolchain_id(here)
    assert toolchain_id(here).startswith("wasi-sdk=pip:0.17.0.post0@wasi-sdk-pip-0.17.0.post0-x-c952#")
    tool = here.tools["wasi-sdk"]
    flagged = InstalledTool(**{**tool.to_json(), "commands": {"cc": [*tool.commands["cc"], "-flto"]}})
    assert toolchain_id(Toolchain("linux-x86_64", {"wasi-sdk": flagged})) != toolchain_id(here)


def test_lock_hash_is_the_content_digest(tmp_path: Path) -> None:
    lock = tmp_path / "wasitool.lock"
    lock.write_text(SHIPPED_LOCK.read_text())

    def lock_hash() -> str:
        proc = subprocess.run([sys.executable, "-m", "wasitool", "lock", "hash", "--lock", str(lock)],
                              capture_output=True, text=True, check=True)
        return proc.stdout.strip()

    first = lock_hash()
    assert first == load_lock(lock).digest and re.fullmatch(r"[0-9a-f]{64}", first)
    lock.write_text("# a comment is not a change\n" + lock.read_text())
    assert lock_hash() == first
    lock.write_text(lock.read_text().replace('version = "1.0.42.0"', 'version = "1.0.43.0"'))
    assert lock_hash() != first
    assert json.loads(json.dumps(first)) == first
