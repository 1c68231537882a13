"""`wasitool exec -- CMD...`: run a command with the toolchain's environment (like emmake or wasimake).

CMD sees CC, CXX, AR, RANLIB, NM, STRIP, WASI_SYSROOT, CONFIG_SITE (unless the user set one) and a PATH
starting with the wrapper directory, as `wasitool env` prints them; its exit status is wasitool's.
Afterwards, when the command wrote native binaries under the working directory and no WebAssembly (a
makefile that assigns CC itself), one warning says so and how to name the tools on make's command line.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from wasitool.errors import WasitoolError
from wasitool.project import active_lock_path
from wasitool.toolchain.wrappers import environment, installed_wrappers


def main(args: argparse.Namespace) -> int:
    # `wasitool exec -- make -j2` puts the command in guest_args (cli splits at the first --);
    # `wasitool exec make -- x` in cmd, with what followed its -- in guest_args.
    command = [*args.cmd, "--", *args.guest_args] if args.cmd and args.guest_args else [*args.cmd, *args.guest_args]
    if not command:
        raise WasitoolError("wasitool exec needs a command to run", "write it after --: wasitool exec -- make")
    toolchain, wrappers, bin_dir = installed_wrappers(Path(args.lock) if args.lock else active_lock_path())
    env = {**os.environ, **environment(toolchain, wrappers, bin_dir, os.environ, posix_layer=args.posix)}
    env["PATH"] = os.pathsep.join([str(bin_dir), env.get("PATH", "")])
    sys.stdout.flush()
    sys.stderr.flush()
    started = time.time() - 1  # file times may have a coarser resolution than the clock
    try:
        process = subprocess.Popen(command, env=env)
    except OSError as exc:
        raise WasitoolError(f"cannot run {command[0]}: {exc.strerror or exc}",
                            "check the command's name and that it is on PATH") from None
    status = _wait(process)
    from wasitool.built_files import built_since, native_only_warning

    cwd = Path.cwd()
    warning = native_only_warning(built_since(cwd, started), cwd)
    if warning is not None:
        print(warning, file=sys.stderr)
    return 128 - status if status < 0 else status


def _wait(process: subprocess.Popen[bytes]) -> int:
    """The command's exit status; Ctrl-C reaches the command too (same process group), which decides."""
    while True:
        try:
            return process.wait()
        except KeyboardInterrupt:
            continue
