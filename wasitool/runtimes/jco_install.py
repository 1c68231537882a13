"""jco's npm packages for the `jco` runtime: pinned by the shipped npm lockfile, installed into the store on
first use.

`jco_runner/package-lock.json` pins `@bytecodealliance/jco-transpile` and `@bytecodealliance/preview2-shim`
(and what they depend on) with integrity hashes. `npm ci --ignore-scripts` installs exactly that tree into a
staging dir under the store's lock, and one rename makes it `<store>/tools/jco-<digest>` (the digest of the
lockfile and the runner, so a new pin or runner is a new directory). Only what running needs is installed,
not the whole `jco` CLI (about 105 MB instead of 340 MB).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

from wasitool.errors import RuntimeNotFound
from wasitool.shipped import JCO_RUNNER
from wasitool.store.layout import Layout

RUNNER_DIR = JCO_RUNNER
PINNED_FILES = ("package.json", "package-lock.json", "runner.mjs")
INSTALL_TIMEOUT = 600.0  # seconds for `npm ci`
_FIX = "check that npm can reach its registry (or its configured mirror), then run `wasitool check` again"


def pin_digest() -> str:
    """The first 16 hex digits of the sha256 over the pinned files (names and contents)."""
    digest = hashlib.sha256()
    for name in PINNED_FILES:
        digest.update(name.encode() + b"\0" + (RUNNER_DIR / name).read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def install_dir(store: Path) -> Path:
    """Where the pinned packages live in the store at `store`."""
    return Layout(store).tools / f"jco-{pin_digest()}"


def is_installed(directory: Path) -> bool:
    """True for a finished install (a staging dir is renamed into place only when `npm ci` succeeded)."""
    return (directory / "runner.mjs").is_file() and (directory / "node_modules" / "@bytecodealliance").is_dir()


def ensure_installed(npm: Path, store: Path) -> Path:
    """The install dir, after running `npm ci` for it if it is not there yet; RuntimeNotFound when npm fails."""
    from wasitool.store.installs import Store

    final = install_dir(store)
    if is_installed(final):
        return final
    owner = Store(store)
    with owner.locked(on_wait=lambda: print("wasitool: waiting for another process installing jco's packages")):
        if is_installed(final):
            return final
        with owner.staging(final.name) as staging:
            for name in PINNED_FILES:
                shutil.copyfile(RUNNER_DIR / name, staging / name)
            _npm_ci(npm, staging, owner.layout.tool_cache("npm"))
            owner.commit(staging, final)
    return final


def _npm_ci(npm: Path, directory: Path, cache: Path) -> None:
    """`npm ci` in `directory`: exactly the lockfile's tree, integrity-checked, no install scripts; npm's
    download cache in the store (`cache`), not the user's."""
    argv = [str(npm), "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"]
    env = {**os.environ, "npm_config_cache": str(cache)}  # the user's npm config (a mirror) applies
    try:
        proc = subprocess.run(argv, cwd=directory, capture_output=True, text=True, timeout=INSTALL_TIMEOUT,
                              check=False, env=env)
    except subprocess.TimeoutExpired:
        raise RuntimeNotFound(f"npm ci of jco's packages took more than {INSTALL_TIMEOUT:g}s", _FIX) from None
    except OSError as exc:
        raise RuntimeNotFound(f"cannot start {npm}: {exc.strerror}", "install node and npm") from None
    if proc.returncode != 0:
        lines = [line for line in proc.stderr.splitlines() if line.strip()]
        why = lines[-1] if lines else f"exit status {proc.returncode}"
        raise RuntimeNotFound(f"npm ci of jco's packages failed: {why}", _FIX)
