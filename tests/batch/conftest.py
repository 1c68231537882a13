"""The engine fixtures of tests/engines (every engine importable here, wasmtime on both host-call paths)."""

from tests.engines.conftest import (  # noqa: F401  (fixtures, registered by being imported here)
    compile_cache_dir,
    engine_name,
    engine_variant,
    pytest_generate_tests,
    wat_file,
)
