"""`wasitool exec -- CMD...`: run a command with the toolchain's environment (like emmake or wasimake).

CMD sees CC, CXX, AR, RANLIB, NM, STRIP, WASI_SYSROOT and a PATH starting with the wrapper directory, as
`wasitool env` prints them; its exit status is wasitool's. On POSIX the command replaces wasitool's process.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from wasitool.errors import WasitoolError
from wasitool.toolchain.wrappers import environment, installed_wrappers


def main(args: argparse.Namespace) -> int:
    # `wasitool exec -- make -j2` puts the command in guest_args (cli splits at the first --);
    # `wasitool exec make -- x` in cmd, with what followed its -- in guest_args.
    command = [*args.cmd, "--", *args.guest_args] if args.cmd and args.guest_args else [*args.cmd, *args.guest_args]
    if not command:
        raise WasitoolError("wasitool exec needs a command to run", "write it after --: wasitool exec -- make")
    toolchain, wrappers, bin_dir = installed_wrappers(Path(args.lock) if args.lock else None)
    env = {**os.environ, **environment(toolchain, wrappers, posix_layer=args.posix)}
    env["PATH"] = os.pathsep.join([str(bin_dir), env.get("PATH", "")])
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        if os.name == "posix":
            os.execvpe(command[0], command, env)
        return subprocess.run(command, env=env, check=False).returncode
    except OSError as exc:
        raise WasitoolError(f"cannot run {command[0]}: {exc.strerror or exc}",
                            "check the command's name and that it is on PATH") from None
