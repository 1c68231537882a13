"""The autoconf site file (`CONFIG_SITE`) of the wrapper environment: `./configure --host=wasm32-wasi` works
even where the package's `config.sub` predates WASI (before 2019: most tarballs in the wild).

A configure script sources `$CONFIG_SITE` right after parsing its arguments, before AC_CANONICAL_HOST, which
skips `config.sub` when `ac_cv_host` is already set. The file sets it, as a current config.sub canonicalizes
the WASI triples (`wasm32-wasi` -> `wasm32-unknown-wasi`, `wasm32-wasip1` -> `wasm32-unknown-wasip1`), only
for those hosts; it first reads the site files configure reads when CONFIG_SITE is unset, so any other
configure (a native one in the same shell) runs as it would without it. Nothing in the user's tree changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

VARIABLE = "CONFIG_SITE"
FILE_NAME = "config.site"  # beside the wrappers
HEADER = "# config.site, written by wasitool"

TEXT = HEADER + """ (the CONFIG_SITE of `wasitool env` and `wasitool exec`).
# configure sources this file before it canonicalizes --host. A config.sub older than 2019 rejects the
# WASI triples ("machine `wasm32' not recognized"); setting ac_cv_host skips config.sub, with the name a
# current config.sub gives. Every other host is left to config.sub.

# First the site files configure reads when CONFIG_SITE is unset, so setting it changes nothing else.
if test "x$prefix" != xNONE; then wasitool_site_prefix=$prefix; else wasitool_site_prefix=$ac_default_prefix; fi
for wasitool_site in "$wasitool_site_prefix/share/config.site" "$wasitool_site_prefix/etc/config.site"; do
  if test -f "$wasitool_site" && test -r "$wasitool_site"; then . "$wasitool_site"; fi
done
unset wasitool_site wasitool_site_prefix

if test -z "${ac_cv_host+set}"; then
  case $host_alias in
    wasm32-wasi | wasm32-wasip[0-9]) ac_cv_host=wasm32-unknown-${host_alias#wasm32-} ;;
    wasm32-unknown-wasi | wasm32-unknown-wasip[0-9]) ac_cv_host=$host_alias ;;
  esac
fi
"""


def users_own(inherited: Mapping[str, str]) -> str:
    """The CONFIG_SITE of `inherited` (the user's environment) if it is the user's own, else "": configure
    ignores an empty one, and one naming a file wasitool wrote (an earlier `eval "$(wasitool env)"`) is ours."""
    value = inherited.get(VARIABLE, "")
    try:
        if value and Path(value).read_text(encoding="utf-8").startswith(HEADER):
            return ""
    except (OSError, UnicodeDecodeError):
        pass
    return value
