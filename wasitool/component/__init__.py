"""WASI 0.2 components: the binary reader, the WIT printer, the preview1 adapter's mapping."""
