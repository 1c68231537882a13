"""wasitool: pinned WASI toolchains, reproducible example builds, a Python WASI runtime and cross-runtime diffs."""

__version__ = "0.1.0"
