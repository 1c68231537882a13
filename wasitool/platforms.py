"""Host platform detection and the platform names used in `wasitool.lock`."""

from __future__ import annotations

import platform as _platform
import sys

PLATFORMS: tuple[str, ...] = (
    "linux-x86_64",
    "linux-aarch64",
    "macos-x86_64",
    "macos-arm64",
    "windows-x86_64",
)

_OS_NAMES = {"linux": "linux", "darwin": "macos", "win32": "windows", "cygwin": "windows"}
_ARCH_NAMES = {
    "x86_64": "x86_64",
    "amd64": "x86_64",
    "aarch64": "aarch64",
    "arm64": "aarch64",
}


def host_platform(system: str | None = None, machine: str | None = None) -> str:
    """Return the lock-file name of this host (e.g. `linux-x86_64`, `macos-arm64`)."""
    os_name = _OS_NAMES.get(system or sys.platform, system or sys.platform)
    arch = _ARCH_NAMES.get((machine or _platform.machine()).lower(), (machine or _platform.machine()).lower())
    if os_name == "macos" and arch == "aarch64":
        arch = "arm64"
    return f"{os_name}-{arch}"


def exe_suffix(platform: str) -> str:
    """File-name suffix of executables on `platform` (`.exe` on Windows)."""
    return ".exe" if platform.startswith("windows-") else ""
