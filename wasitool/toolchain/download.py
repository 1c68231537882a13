"""Fetching bytes with sha256 verification: HTTP(S) via requests (streaming, timeouts, retries), or local files.

Nothing unverified survives: the file is hashed while it is written and deleted unless the digest
matches the pin.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlparse

from wasitool.digest import sha256_file
from wasitool.errors import ToolchainError
from wasitool.toolchain.reporter import Reporter

if TYPE_CHECKING:
    import requests

CHUNK = 1 << 16
CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 60.0
STREAM_ATTEMPTS = 3  # whole-transfer attempts when a body is cut short
BACKOFF = 0.5  # seconds, doubled after each failed attempt


def new_session() -> requests.Session:
    """A requests session that retries connects and transient HTTP statuses with backoff."""
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    retry = Retry(
        total=3,
        connect=2,
        read=2,
        backoff_factor=BACKOFF / 2,
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=("GET", "HEAD"),
        raise_on_status=False,
    )
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = "wasitool-setup"
    return session


def local_path(location: str) -> Path | None:
    """The filesystem path a location names (plain path or file:// URL), or None for a remote URL."""
    parsed = urlparse(location)
    if parsed.scheme == "file":
        return Path(unquote(parsed.path))
    if parsed.scheme in ("http", "https"):
        return None
    return Path(location)


def fetch_verified(
    location: str,
    sha256: str,
    dest: Path,
    reporter: Reporter,
    session: requests.Session | None = None,
) -> None:
    """Copy or download `location` to `dest` and check its sha256; on any failure `dest` is removed."""
    _check_digest(dest, fetch_file(location, dest, reporter, session), sha256, location)


def fetch_file(location: str, dest: Path, reporter: Reporter, session: requests.Session | None = None) -> str:
    """Copy or download `location` to `dest`; returns its sha256. `dest` is removed on failure."""
    try:
        path = local_path(location)
        if path is not None:
            return _copy_local(path, dest, reporter, dest.name)
        return _download(location, dest, reporter, dest.name, session or new_session())
    except BaseException:
        dest.unlink(missing_ok=True)
        raise


def verify_file(path: Path, sha256: str, origin: str) -> None:
    """Check the sha256 of a file already on disk; it is deleted if it does not match."""
    _check_digest(path, sha256_file(path), sha256, origin)


def _check_digest(path: Path, digest: str, sha256: str, origin: str) -> None:
    if digest != sha256:
        path.unlink(missing_ok=True)
        raise ToolchainError(
            f"sha256 mismatch for {path.name} from {origin}: expected {sha256}, got {digest}",
            "the file is corrupt or the pin is wrong; re-run setup, or re-pin with `wasitool lock refresh`",
        )


def _copy_local(path: Path, dest: Path, reporter: Reporter, label: str) -> str:
    if not path.is_file():
        raise ToolchainError(f"{path} does not exist")
    digest = hashlib.sha256()
    with path.open("rb") as src, dest.open("wb") as out, reporter.task(
        f"copy {label}", path.stat().st_size
    ) as advance:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
            advance(len(chunk))
    return digest.hexdigest()


def _download(url: str, dest: Path, reporter: Reporter, label: str, session: requests.Session) -> str:
    import requests

    for attempt in range(1, STREAM_ATTEMPTS + 1):
        try:
            return _stream_once(url, dest, reporter, label, session)
        except _Truncated as exc:
            problem = str(exc)
        except requests.exceptions.ConnectionError as exc:
            raise ToolchainError(f"cannot connect to {_host(url)} ({_reason(exc)})") from None
        except requests.exceptions.RequestException as exc:
            raise ToolchainError(f"download of {url} failed ({_reason(exc)})") from None
        if attempt < STREAM_ATTEMPTS:
            reporter.note(f"{problem}; retrying ({attempt}/{STREAM_ATTEMPTS - 1})")
            time.sleep(BACKOFF * 2 ** (attempt - 1))
    raise ToolchainError(f"{problem}, after {STREAM_ATTEMPTS} attempts", "check the network and re-run setup")


class _Truncated(Exception):
    """The body ended before Content-Length bytes arrived (connection closed, reset or stalled)."""


def _stream_once(url: str, dest: Path, reporter: Reporter, label: str, session: requests.Session) -> str:
    import requests

    with session.get(url, stream=True, timeout=(CONNECT_TIMEOUT, READ_TIMEOUT)) as response:
        if response.status_code != 200:
            raise ToolchainError(f"HTTP {response.status_code} {response.reason} for {url}")
        expected = int(response.headers.get("Content-Length", 0)) or None
        digest = hashlib.sha256()
        received = 0
        reason = ""
        with dest.open("wb") as out, reporter.task(f"download {label}", expected) as advance:
            try:
                for chunk in response.iter_content(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
                    received += len(chunk)
                    advance(len(chunk))
            except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError,
                    requests.exceptions.Timeout) as exc:
                reason = f": {_reason(exc)}"
    if reason or (expected is not None and received != expected):
        total = f" of {expected}" if expected else ""
        raise _Truncated(f"download of {label} was cut short ({received}{total} bytes{reason})")
    return digest.hexdigest()


def _host(url: str) -> str:
    return urlparse(url).netloc or url


def _reason(exc: Exception) -> str:
    """The innermost, shortest explanation of a requests/urllib3 failure."""
    text = str(exc)
    for marker in ("Connection refused", "Name or service not known", "timed out", "IncompleteRead",
                   "Connection broken", "Connection reset", "Temporary failure in name resolution",
                   "No route to host", "Network is unreachable"):
        if marker in text:
            return marker.lower() if marker[0].isupper() and marker != "IncompleteRead" else marker
    return text.splitlines()[0][:200] if text else type(exc).__name__
