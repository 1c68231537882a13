"""Tools already on the machine: detected and version-checked, never hash-pinned.

wasi-sdk roles are probed in order: `$WASI_SDK_PATH`, `/opt/wasi-sdk`, versioned LLVM installs
(Debian's `clang-NN` + `wasm-ld-NN` with wasi-libc under `/usr`), then a plain `clang` + `wasm-ld`
with a wasi-sysroot next to it. wabt roles are found on PATH. Only the host platform can use them.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from pathlib import Path

from wasitool.errors import ToolchainError
from wasitool.platforms import exe_suffix, host_platform
from wasitool.toolchain.lock import SourceSpec, ToolSpec
from wasitool.toolchain.manifest import InstalledTool, write_tool_manifest
from wasitool.toolchain.sources.base import FetchContext

NEWEST_LLVM = 30
_VERSION = re.compile(r"(\d+)\.(\d+)(?:\.(\d+))?")


def install(tool: ToolSpec, spec: SourceSpec, ctx: FetchContext) -> InstalledTool:
    """Detect the tool on this machine and record it in the store (no files are copied)."""
    if ctx.platform != host_platform():
        raise ToolchainError(f"system: only usable for the host platform ({host_platform()}), not {ctx.platform}")
    detect = {"wasi-sdk": detect_wasi_sdk, "wabt": detect_wabt}.get(tool.name)
    if detect is None:
        raise ToolchainError(f"system: no detection is known for {tool.name}")
    found = detect(spec)
    missing = [role for role in tool.provides if role not in found.commands]
    if missing:
        raise ToolchainError(f"system: {tool.name} on this machine lacks {', '.join(missing)}")
    key = hashlib.sha256(repr(sorted(found.commands.items())).encode()).hexdigest()[:12]
    final = ctx.store.tools_dir / f"{tool.name}-system-{ctx.platform}-{key}"
    installed = InstalledTool(
        name=tool.name,
        source="system",
        version=found.version,
        root=str(final),
        commands=found.commands,
        sysroot=found.sysroot,
        pinned=False,
    )
    with ctx.store.staging(final.name) as staging:
        write_tool_manifest(installed, staging)
        ctx.store.commit(staging, final)
    return installed


class Found:
    """What detection found: commands, version and sysroot."""

    def __init__(self, commands: dict[str, list[str]], version: str, sysroot: str | None = None) -> None:
        self.commands = commands
        self.version = version
        self.sysroot = sysroot


def detect_wasi_sdk(spec: SourceSpec) -> Found:
    """Find clang + wasm-ld + a wasi sysroot; ToolchainError saying what is missing otherwise."""
    exe = exe_suffix(host_platform())
    tried: list[str] = []
    for sdk in _sdk_dirs():
        clang, ld, sysroot = sdk / "bin" / f"clang{exe}", sdk / "bin" / f"wasm-ld{exe}", sdk / "share" / "wasi-sysroot"
        tried.append(str(sdk))
        if clang.is_file() and ld.is_file() and sysroot.is_dir():
            return _clang_found(str(clang), str(ld), str(sysroot), "wasm32-wasip1", spec)
    for major in range(NEWEST_LLVM, int(_min_major(spec)) - 1, -1):
        clang, ld = shutil.which(f"clang-{major}"), shutil.which(f"wasm-ld-{major}")
        if clang and ld and _sysroot_has_libc(Path("/usr"), "wasm32-wasi"):
            return _clang_found(clang, ld, "/usr", "wasm32-wasi", spec)
    tried.append(f"clang-NN + wasm-ld-NN (NN >= {_min_major(spec)}) with wasi-libc in /usr")
    clang, ld = shutil.which("clang"), shutil.which("wasm-ld")
    if clang and ld:
        for sysroot in _sysroots_near(Path(clang)):
            if _sysroot_has_libc(sysroot, "wasm32-wasi"):
                return _clang_found(clang, ld, str(sysroot), "wasm32-wasi", spec)
    tried.append("clang + wasm-ld on PATH with a wasi-sysroot")
    raise ToolchainError(
        f"system: no WASI C toolchain found (tried {'; '.join(tried)})",
        "set WASI_SDK_PATH, or install clang, lld and wasi-libc (Debian: "
        "apt-get install clang-16 lld-16 wasi-libc libclang-rt-16-dev-wasm32)",
    )


def detect_wabt(spec: SourceSpec) -> Found:
    """Find wat2wasm on PATH and the other wabt tools beside it."""
    wat2wasm = shutil.which("wat2wasm")
    if not wat2wasm:
        raise ToolchainError("system: wat2wasm is not on PATH", "install wabt (Debian: apt-get install wabt)")
    version = _check_version([wat2wasm, "--version"], spec)
    bin_dir = Path(wat2wasm).parent
    exe = exe_suffix(host_platform())
    commands = {}
    for role in ("wat2wasm", "wasm2wat", "wasm-objdump", "wasm-validate", "wasm-interp", "wasm-strip"):
        path = bin_dir / f"{role}{exe}"
        if path.is_file():
            commands[role] = [str(path)]
    return Found(commands, version)


def _clang_found(clang: str, ld: str, sysroot: str, target: str, spec: SourceSpec) -> Found:
    version = _check_version([clang, "--version"], spec)
    cc = [clang, f"--target={target}", f"--sysroot={sysroot}"]
    return Found({"cc": cc, "wasm-ld": [ld]}, version, sysroot)


def _sdk_dirs() -> list[Path]:
    dirs = [Path(p) for p in (os.environ.get("WASI_SDK_PATH"),) if p]
    return [*dirs, Path("/opt/wasi-sdk")]


def _sysroots_near(clang: Path) -> list[Path]:
    prefix = clang.resolve().parent.parent
    return [prefix / "share" / "wasi-sysroot", prefix.parent / "share" / "wasi-sysroot", Path("/usr")]


def _sysroot_has_libc(sysroot: Path, target: str) -> bool:
    return (sysroot / "include" / target / "stdio.h").is_file() or ((
        sysroot / "include" / "stdio.h"
    ).is_file() and (sysroot / "lib" / target / "libc.a").is_file())


def _min_major(spec: SourceSpec) -> str:
    return (spec.min_version or "0").split(".")[0]


def _check_version(argv: list[str], spec: SourceSpec) -> str:
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=20, check=False).stdout
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ToolchainError(f"system: cannot run {argv[0]} ({exc})") from None
    match = _VERSION.search(out)
    if not match:
        raise ToolchainError(f"system: cannot tell the version of {argv[0]}")
    version = match.group(0)
    if spec.min_version and _as_tuple(version) < _as_tuple(spec.min_version):
        raise ToolchainError(f"system: {argv[0]} is version {version}; wasitool.lock needs >= {spec.min_version}")
    return version


def _as_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", version)[:3])
