"""A WASI 0.2 host in Python over wasmtime-py's component API (`wasitool run COMPONENT`).

One module per interface family (`cli`, `io`, `clocks`, `random`, `filesystem`), each a table of
functions over plain Python values; `convert` turns those values into wasmtime-py's and back (one
place for its conventions), `resources` keeps the handles the guest holds, `host` assembles the
interfaces under the versions a component imports (through `fastcall`, a faster way into the host functions
than wasmtime-py's, where it can), `error_codes` names filesystem failures, `trace` prints the calls with
their typed values.
The filesystem reuses preview1's sandbox (`wasitool.wasi.sandbox`), so both hosts refuse the same
escapes. Imported only when a component is run: nothing here is on preview1's start-up path.
"""
