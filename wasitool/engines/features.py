"""Tiny modules that each use one post-MVP proposal; an engine supports it if it compiles the module.

The bytes were produced with `wasmtime.wat2wasm` from the WAT shown (tests check they still match),
so probing needs no WAT parser and imports nothing but the engine itself.
"""

from __future__ import annotations

_PROBES_HEX: dict[str, tuple[str, str]] = {
    "multi-value": ("(module (func (result i32 i32) i32.const 1 i32.const 2))",
                    "0061736d010000000106016000027f7f030201000a08010600410141020b"),
    "reference-types": ("(module (table 1 externref) (func (result externref) ref.null extern))",
                        "0061736d010000000105016000016f030201000404016f00010a06010400d06f0b"),
    "bulk-memory": ("(module (memory 1) (func (memory.fill (i32.const 0) (i32.const 0) (i32.const 0))))",
                    "0061736d010000000104016000000302010005030100010a0d010b00410041004100fc0b000b"),
    "simd": ("(module (func (result v128) v128.const i32x4 0 0 0 0))",
             "0061736d010000000105016000017b030201000a16011400fd0c000000000000000000000000000000000b"),
    "exceptions": ("(module (tag $e) (func (try_table (catch_all 0) (throw $e))))",
                   "0061736d01000000010401600000030201000d030100000a0c010a001f4001020008000b0b000b04"
                   "6e616d650b0401000165"),
    "tail-call": ("(module (func $f (return_call $f)))",
                  "0061736d01000000010401600000030201000a0601040012000b000b046e616d65010401000166"),
    "threads": ("(module (memory 1 1 shared) (func (drop (i32.atomic.load (i32.const 0)))))",
                "0061736d01000000010401600000030201000504010301010a0b0109004100fe1002001a0b"),
    "memory64": ("(module (memory i64 1))", "0061736d010000000503010401"),
    "multi-memory": ("(module (memory 1) (memory 1))", "0061736d0100000005050200010001"),
    "extended-const": ("(module (global i32 (i32.add (i32.const 1) (i32.const 2))))",
                       "0061736d010000000609017f00410141026a0b"),
    "gc": ("(module (type (struct (field i32))) (func (result anyref) ref.null any))",
           "0061736d010000000109025f017f006000016e030201010a06010400d06e0b"),
    "sign-ext": ("(module (func (result i32) (i32.extend8_s (i32.const 1))))",
                 "0061736d010000000105016000017f030201000a070105004101c00b"),
    "nontrapping-float-to-int": ("(module (func (result i32) (i32.trunc_sat_f32_s (f32.const 1))))",
                                 "0061736d010000000105016000017f030201000a0b010900430000803ffc000b"),
}

FEATURE_WAT: dict[str, str] = {name: wat for name, (wat, _) in _PROBES_HEX.items()}
FEATURE_PROBES: dict[str, bytes] = {name: bytes.fromhex(hx) for name, (_, hx) in _PROBES_HEX.items()}
