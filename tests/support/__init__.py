"""Helpers the test packages share: WAT module builders, the engine-free guest driver, the WASI probe
and the wasmtime CLI runner (imported as `tests.support.<module>`)."""
