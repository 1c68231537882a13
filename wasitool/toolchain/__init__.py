"""Toolchain management: lock file, sources, store and the manifest the build reads."""
