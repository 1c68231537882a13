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
from typing import Any

from wasitool.errors import ToolchainError
from wasitool.platforms import exe_suffix, host_platform
from wasitool.store.records import InstalledTool, write_tool_manifest
from wasitool.toolchain.lock import SourceSpec, ToolSpec
from wasitool.toolchain.sources.base import FetchContext

NEWEST_LLVM = 30
_VERSION = re.compile(r"(\d+)\.(\d+)(?:\.(\d+))?")


class SystemSource:
    """The `system` source kind."""

    def install(self, tool: ToolSpec, spec: SourceSpec, ctx: FetchContext) -> InstalledTool:
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
        described = (sorted(found.commands.items()), sorted(found.unavailable.items()), found.sjlj)
        key = hashlib.sha256(repr(described).encode()).hexdigest()[:12]
        final = ctx.store.tools_dir / f"{tool.name}-system-{ctx.platform}-{key}"
        installed = InstalledTool(
            name=tool.name,
            source="system",
            version=found.version,
            root=str(final),
            commands=found.commands,
            sysroot=found.sysroot,
            pinned=False,
            unavailable=found.unavailable,
            sjlj=found.sjlj,
        )
        with ctx.store.staging(final.name) as staging:
            write_tool_manifest(installed, staging)
            ctx.store.commit(staging, final)
        return installed


class Found:
    """What detection found: commands, version, sysroot, what is missing (and why) and setjmp support."""

    def __init__(self, commands: dict[str, list[str]], version: str, sysroot: str | None = None,
                 unavailable: dict[str, str] | None = None, sjlj: dict[str, Any] | None = None) -> None:
        self.commands = commands
        self.version = version
        self.sysroot = sysroot
        self.unavailable = unavailable or {}
        self.sjlj = sjlj


def detect_wasi_sdk(spec: SourceSpec) -> Found:
    """Find clang + wasm-ld + a wasi sysroot; ToolchainError saying what is missing otherwise."""
    exe = exe_suffix(host_platform())
    tried: list[str] = []
    for sdk in _sdk_dirs():
        sdk_clang, sdk_ld, sdk_sysroot = (sdk / "bin" / f"clang{exe}", sdk / "bin" / f"wasm-ld{exe}",
                                          sdk / "share" / "wasi-sysroot")
        tried.append(str(sdk))
        if sdk_clang.is_file() and sdk_ld.is_file() and sdk_sysroot.is_dir():
            return _clang_found(str(sdk_clang), str(sdk_ld), str(sdk_sysroot), "wasm32-wasip1", spec)
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
    major = int(version.split(".")[0])
    flags = [f"--target={target}", f"--sysroot={sysroot}"]
    commands = {"cc": [clang, *flags], "wasm-ld": [ld]}
    unavailable: dict[str, str] = {}
    clang_path = Path(clang)
    suffix = clang_path.name.removeprefix("clang").removesuffix(exe_suffix(host_platform()))  # "-16" or ""
    for role in ("ar", "ranlib", "nm", "strip"):
        tool = _beside(clang_path, f"llvm-{role}{suffix}")
        if tool:
            commands[role] = [tool]
        else:
            unavailable[role] = f"llvm-{role}{suffix} is not installed{_debian_hint(suffix, 'llvm')}"
    cxx, why = _cxx_command(clang_path, suffix, Path(sysroot), target, flags)
    if cxx:
        commands["c++"] = cxx
    else:
        unavailable["c++"] = why
    sjlj, why = _sjlj_support(Path(sysroot), target, major)
    if sjlj is None:
        unavailable["setjmp"] = why
    return Found(commands, version, sysroot, unavailable, sjlj)


def _beside(clang: Path, name: str) -> str | None:
    """`name` in clang's directory, else on PATH."""
    candidate = clang.parent / f"{name}{exe_suffix(host_platform())}"
    return str(candidate) if candidate.is_file() else shutil.which(name)


def _debian_hint(suffix: str, package: str) -> str:
    return f" (Debian: apt-get install {package}{suffix})" if suffix else ""


def _cxx_command(clang: Path, suffix: str, sysroot: Path, target: str,
                 flags: list[str]) -> tuple[list[str] | None, str]:
    """clang++ with libc++ for wasm32-wasi (no exceptions: no libc++abi here throws), or why there is none."""
    clangxx = _beside(clang, f"clang++{suffix}")
    if not clangxx:
        return None, f"clang++{suffix} is not installed"
    libdir = sysroot / "lib" / target
    if not (libdir / "libc++.a").is_file() or not (libdir / "libc++abi.a").is_file():
        major = suffix.lstrip("-")
        hint = f" (Debian: apt-get install libc++-{major}-dev-wasm32 libc++abi-{major}-dev-wasm32)" if major else ""
        return None, f"there is no libc++ for {target} in {libdir}{hint}"
    # clang looks for <sysroot>/include/<target>/c++/v1 only when <sysroot>/include/c++/v1 exists, which
    # is not so for Debian's /usr: name the headers explicitly (the versioned dir first).
    major = suffix.lstrip("-")
    for headers in (Path(f"/usr/lib/llvm-{major}/include/{target}/c++/v1") if major else None,
                    sysroot / "include" / target / "c++" / "v1", sysroot / "include" / "c++" / "v1"):
        if headers is not None and headers.is_dir():
            extra = [] if (sysroot / "include" / "c++" / "v1").is_dir() else ["-isystem", str(headers)]
            return [clangxx, *flags, *extra, "-fno-exceptions"], ""
    return None, f"there are no libc++ headers for {target} under {sysroot}"


def _sjlj_support(sysroot: Path, target: str, major: int) -> tuple[dict[str, Any] | None, str]:
    """What the cc wrappers add for setjmp/longjmp, or why this wasi-libc cannot do it."""
    headers = [sysroot / "include" / target / "setjmp.h"]
    if sysroot != Path("/usr"):  # /usr/include/setjmp.h is the host's glibc header, not wasi-libc's
        headers.append(sysroot / "include" / "setjmp.h")
    if not any(h.is_file() for h in headers):
        return None, f"the wasi-libc in {sysroot} has no setjmp.h (wasi-libc gained setjmp/longjmp in 2023)"
    compile_flags = ["-mllvm", "-wasm-use-legacy-eh=false"] if major >= 20 else []
    link = ["-lsetjmp"] if (sysroot / "lib" / target / "libsetjmp.a").is_file() else []
    return {"compile": compile_flags, "link": link, "define_c_longjmp": False}, ""


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
