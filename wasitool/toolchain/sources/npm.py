"""Members of an npm package tarball, fetched with the ordinary `npm pack` client and verified here.

The lock pins the tarball `npm pack PACKAGE@VERSION` writes (its file name and sha256, the same on every
platform) and each member wasitool unpacks from it, with that member's own sha256: the WASI preview1
adapters of jco, for instance, are two files of a package that is otherwise JavaScript.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from wasitool.digest import sha256_file
from wasitool.errors import ToolchainError
from wasitool.store.records import InstalledTool
from wasitool.toolchain.extract import extract_archive
from wasitool.toolchain.lock import PlatformPin, SourceSpec, ToolSpec
from wasitool.toolchain.sources.base import FetchContext, fetch_pinned_file, install_pinned

NPM_FIX = "install Node.js (it brings npm), or pass --mirror DIR holding {file}"


class NpmSource:
    """The `npm` source kind."""

    def install(self, tool: ToolSpec, spec: SourceSpec, ctx: FetchContext) -> InstalledTool:
        """Fetch the pinned tarball (store, mirror, then `npm pack`), verify it, unpack and verify its members."""

        def fetch_and_unpack(pin: PlatformPin, staging: Path) -> Path:
            tarball = fetch_pinned_file(pin, staging, ctx, download=lambda d: npm_pack(spec, pin, d / "npm", ctx),
                                        origin="npm")
            unpacked = staging / "unpacked"
            extract_archive(tarball, unpacked, ctx.reporter, only=tuple(spec.members))
            verify_members(spec, pin, unpacked)
            return unpacked

        return install_pinned(tool, spec, ctx, fetch_and_unpack)


def verify_members(spec: SourceSpec, pin: PlatformPin, unpacked: Path) -> None:
    """Every pinned member is unpacked with its pinned sha256 (the tarball's own was checked before)."""
    for member, sha256 in spec.members.items():
        path = unpacked / member
        if not path.is_file():
            raise ToolchainError(f"npm: {pin.file_name} has no member {member}",
                                 f"fix `members` of {spec.label} in wasitool.lock")
        digest = sha256_file(path)
        if digest != sha256:
            raise ToolchainError(f"npm: sha256 mismatch for {member} of {pin.file_name}: expected {sha256}, "
                                 f"got {digest}", f"re-pin with `wasitool lock refresh --tool {spec.tool} "
                                 f"--version {spec.version}`")


def npm_pack(spec: SourceSpec, pin: PlatformPin, dest: Path, ctx: FetchContext) -> Path:
    """Run `npm pack PACKAGE@VERSION` into `dest`; returns the tarball npm wrote (named as pinned)."""
    npm = shutil.which("npm")
    if npm is None:
        raise ToolchainError(f"npm is not on PATH (needed to fetch {pin.file_name})",
                             NPM_FIX.format(file=pin.file_name))
    requirement = f"{spec.package}@{spec.version}"
    dest.mkdir(parents=True, exist_ok=True)
    command = [npm, "pack", requirement, "--pack-destination", str(dest), "--json", "--ignore-scripts",
               "--no-fund", "--no-audit", "--loglevel=error"]
    with ctx.reporter.task(f"npm pack {requirement}", None):
        try:
            proc = subprocess.run(command, cwd=dest, capture_output=True, text=True, check=False,
                                  stdin=subprocess.DEVNULL)
        except OSError as exc:
            raise ToolchainError(f"cannot run npm ({exc.strerror or exc})", NPM_FIX.format(file=pin.file_name)) \
                from None
    if proc.returncode != 0:
        lines = [line for line in proc.stderr.splitlines() if line.strip()]
        errors = [line for line in lines if "ERR!" in line and "A complete log" not in line]
        detail = (errors or lines or ["no message"])[0].split("ERR!", 1)[-1].strip()
        raise ToolchainError(f"npm could not pack {requirement}: {detail}")
    saved = dest / pin.file_name
    if not saved.is_file():
        found = ", ".join(_packed_names(proc.stdout) or [p.name for p in dest.iterdir()]) or "nothing"
        raise ToolchainError(f"npm saved {found}, not the pinned {pin.file_name}",
                             f"re-pin with `wasitool lock refresh --tool {spec.tool} --version {spec.version}`")
    return saved


def _packed_names(output: str) -> list[str]:
    """The file names `npm pack --json` reports."""
    try:
        data = json.loads(output)
        return [str(entry["filename"]) for entry in data]
    except (ValueError, KeyError, TypeError):
        return []
