"""Fixtures: the engine fixtures of tests/engines (every test taking `engine_name` runs on each engine
importable here), and `probe`: a WAT module that makes one host call and shows what it got."""

from __future__ import annotations

from tests.engines.conftest import (  # noqa: F401 - fixtures and the engine parametrization, shared
    compile_cache_dir,
    engine_name,
    engine_variant,
    pytest_generate_tests,
    wat_file,
)
