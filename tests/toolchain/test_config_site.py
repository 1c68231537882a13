"""The autoconf site file (`wasitool/toolchain/config_site.py`) sourced by `sh` as configure sources it."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from wasitool.toolchain import config_site

pytestmark = pytest.mark.skipif(os.name != "posix", reason="configure scripts run under a POSIX sh")

# What configure derives from `--host`: ac_cv_host, then host_cpu, host_vendor and host_os split at `-`, as
# AC_CANONICAL_HOST does. The expected triples are what a current config.sub (2022-01-03) prints for each host.
CONFIGURE = """. "$1"
if test -n "${ac_cv_host+set}"; then
  ac_save_IFS=$IFS; IFS='-'; set x $ac_cv_host; shift; host_cpu=$1; host_vendor=$2; shift; shift; host_os=$*
  IFS=$ac_save_IFS
  echo "$ac_cv_host $host_cpu $host_vendor $host_os"
else
  echo unset
fi
"""
SHELLS = [shell for shell in ("sh", "bash") if shutil.which(shell)]  # configure runs under one or the other
WASI_HOSTS = {
    "wasm32-wasi": "wasm32-unknown-wasi wasm32 unknown wasi",
    "wasm32-wasip1": "wasm32-unknown-wasip1 wasm32 unknown wasip1",
    "wasm32-unknown-wasi": "wasm32-unknown-wasi wasm32 unknown wasi",
    "wasm32-unknown-wasip1": "wasm32-unknown-wasip1 wasm32 unknown wasip1",
}


def _configure(tmp_path: Path, host_alias: str | None, shell: str = "sh", **variables: str) -> str:
    """What the site file leaves in ac_cv_host (and configure would derive), for a configure given
    `--host=host_alias` (None: no --host) and no --prefix, with its default prefix in `tmp_path`, run by
    `shell`; `variables`: more of configure's shell variables."""
    site = tmp_path / config_site.FILE_NAME
    site.write_text(config_site.TEXT, encoding="utf-8")
    shell_variables = {"prefix": "NONE", "ac_default_prefix": str(tmp_path / "default prefix"), **variables}
    if host_alias is not None:
        shell_variables["host_alias"] = host_alias
    # configure's own shell variables (not exported), then the site file sourced as configure sources it
    script = "".join(f"{name}={shlex.quote(value)}\n" for name, value in shell_variables.items()) + CONFIGURE
    proc = subprocess.run([shell, "-c", script, shell, str(site)], env={"PATH": os.environ["PATH"]},
                          capture_output=True, text=True, timeout=30, check=False)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    return proc.stdout.strip()


@pytest.mark.parametrize("shell", SHELLS)
@pytest.mark.parametrize(("host_alias", "derived"), sorted(WASI_HOSTS.items()))
def test_a_wasi_host_gets_the_triple_a_current_config_sub_gives(tmp_path: Path, host_alias: str, derived: str,
                                                                shell: str) -> None:
    assert _configure(tmp_path, host_alias, shell) == derived


@pytest.mark.parametrize("host_alias", [None, "", "x86_64-pc-linux-gnu", "aarch64-linux-gnu", "wasm32-emscripten",
                                        "wasm32-unknown-unknown", "wasm64-wasi", "wasm32-wasi-threads",
                                        "xwasm32-wasi"])
@pytest.mark.parametrize("shell", SHELLS)
def test_any_other_host_is_left_to_config_sub(tmp_path: Path, host_alias: str | None, shell: str) -> None:
    assert _configure(tmp_path, host_alias, shell) == "unset"


def test_an_ac_cv_host_already_set_is_kept(tmp_path: Path) -> None:
    assert _configure(tmp_path, "wasm32-wasi", ac_cv_host="wasm32-pc-wasi") == "wasm32-pc-wasi wasm32 pc wasi"


def test_the_site_files_configure_reads_by_default_are_still_read(tmp_path: Path) -> None:
    """With CONFIG_SITE set, configure reads only it: the file reads PREFIX/share/config.site and
    PREFIX/etc/config.site itself (--prefix, else configure's default prefix), as configure would have."""
    default, given = tmp_path / "default prefix", tmp_path / "given"
    for prefix, value in ((default, "default"), (given, "given")):
        (prefix / "share").mkdir(parents=True)
        (prefix / "etc").mkdir()
        (prefix / "share" / "config.site").write_text(f"ac_cv_host=share-{value}-linux\n", encoding="utf-8")
        (prefix / "etc" / "config.site").write_text('ac_cv_host="$ac_cv_host"-etc\n', encoding="utf-8")
    assert _configure(tmp_path, None) == "share-default-linux-etc share default linux-etc"
    assert _configure(tmp_path, "wasm32-wasi", prefix=str(given)) == "share-given-linux-etc share given linux-etc"
