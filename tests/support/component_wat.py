"""Pieces of hand-written components (text format) that the WASI 0.2 host tests share: the `wasi:io`
imports of one stream method, and the export of `wasi:cli/run` lifted from the core `run` function."""

from __future__ import annotations

STREAM_TYPES = {"output": "$os", "input": "$is"}


def stream_imports(kind: str, method: str, signature: str) -> str:
    """Imports `wasi:io/error` and `wasi:io/streams` with `[method]KIND-stream.METHOD` of `signature`
    (its params and results; `$stream-error` is the stream-error type) and aliases the stream type as `$os`/`$is`."""
    stream = STREAM_TYPES[kind]
    return f"""  (import "wasi:io/error@0.2.12" (instance $error (export "error" (type (sub resource)))))
  (alias export $error "error" (type $error-type))
  (import "wasi:io/streams@0.2.12" (instance $streams
    (alias outer 1 $error-type (type $err))
    (export "error" (type $e (eq $err)))
    (export "{kind}-stream" (type {stream} (sub resource)))
    (type $se (variant (case "last-operation-failed" (own $e)) (case "closed")))
    (export "stream-error" (type $stream-error (eq $se)))
    (export "[method]{kind}-stream.{method}"
      (func (param "self" (borrow {stream})) {signature}))))
  (alias export $streams "{kind}-stream" (type {stream}))
"""


RUN_EXPORT = """\
  (core instance $main (instantiate $main (with "host" (instance $host)) (with "libc" (instance $libc))))
  (func $run (result (result)) (canon lift (core func $main "run")))
  (instance $run-instance (export "run" (func $run)))
  (export "wasi:cli/run@0.2.12" (instance $run-instance)))
"""
