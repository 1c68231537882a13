// Runs one WASI preview1 module under node:wasi for `wasitool check` (runtime "node").
//
// usage: node --no-warnings node_runner.mjs CONFIG_JSON
// CONFIG_JSON: {module, argv, env: {K: V}, preopens: {guest: host},
//               invoke: null | {export, args: [...], params: ["i32", ...]}, results_file, trap_exit}
// The guest uses this process's stdin/stdout/stderr. Exit status: the guest's, trap_exit (wasitool's
// trap status, 134) on a trap.
// The results of an invoked export are written to results_file as JSON (i64 values as strings).
import { readFile, writeFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';

const config = JSON.parse(process.argv[2]);

function exitCodeOf(err) {
  // node:wasi's proc_exit throws an object carrying the code under a private symbol.
  if (err === null || typeof err !== 'object') return undefined;
  for (const sym of Object.getOwnPropertySymbols(err)) {
    if (sym.description === 'kExitCode') return err[sym];
  }
  return undefined;
}

function toWasm(value, type) {
  return type === 'i64' ? BigInt(value) : Number(value);
}

function fromWasm(value) {
  return typeof value === 'bigint' ? value.toString() : value;
}

async function main() {
  const wasi = new WASI({
    version: 'preview1',
    args: config.argv,
    env: config.env,
    preopens: config.preopens,
    returnOnExit: true,
  });
  const module = await WebAssembly.compile(await readFile(config.module));
  const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
  const exports = instance.exports;
  if (!config.invoke) {
    return wasi.start(instance);
  }
  // A library module: initialize WASI as a reactor (a command's _start is simply not run). A module
  // without an exported memory cannot use WASI at all, so there is nothing to initialize.
  if (exports.memory instanceof WebAssembly.Memory) {
    const reactor = '_start' in exports ? { exports: { memory: exports.memory } } : instance;
    wasi.initialize(reactor);
  } else if (typeof exports._initialize === 'function') {
    exports._initialize();
  }
  const fn = exports[config.invoke.export];
  if (typeof fn !== 'function') {
    process.stderr.write(`node_runner: no exported function \`${config.invoke.export}\`\n`);
    return 1;
  }
  const params = config.invoke.params || [];
  const args = config.invoke.args.map((v, i) => toWasm(v, params[i]));
  const out = fn(...args);
  const results = out === undefined ? [] : Array.isArray(out) ? out : [out];
  await writeFile(config.results_file, JSON.stringify(results.map(fromWasm)));
  return 0;
}

let code;
try {
  code = await main();
} catch (err) {
  code = exitCodeOf(err);
  if (code === undefined) {
    if (err instanceof WebAssembly.RuntimeError) {
      process.stderr.write(`wasm trap: ${err.message}\n`);
      code = config.trap_exit;
    } else {
      process.stderr.write(`node_runner: ${err && err.message ? err.message : err}\n`);
      code = 1;
    }
  }
}
process.exitCode = code;
