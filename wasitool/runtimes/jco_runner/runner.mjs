// Runs one WASI 0.2 command component on node the way `jco run` does, for `wasitool check` (runtime "jco").
//
// usage: node --no-warnings runner.mjs CONFIG_JSON
// CONFIG_JSON: {component, argv: [...], env: [[K, V], ...], preopens: [[guest, host], ...], node_modules,
//               workdir, trap_exit}
// Like `jco run`: the component is transpiled (@bytecodealliance/jco-transpile, WASI imports mapped to
// @bytecodealliance/preview2-shim) into `workdir`, which gets the shim under its node_modules, then its
// `wasi:cli/run` export is called. Unlike a bare `jco run`, the guest sees exactly the given argv (argv[0]
// included), environment and preopens, no host working directory, and no network.
// Exit status: the guest's (`wasi:cli/exit`: 0 or 1), 1 when `run` returns an error, trap_exit (wasitool's
// trap status, 134) on a trap, with the trap as `wasm trap: MESSAGE` on stderr.
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const config = JSON.parse(process.argv[2]);
const scope = join(config.node_modules, '@bytecodealliance');

async function transpileInto(outDir) {
  const { transpile } = await import(pathToFileURL(join(scope, 'jco-transpile', 'dist', 'index.js')));
  const { files } = await transpile(config.component, { name: 'component', wasiShim: true, quiet: true });
  for (const [name, bytes] of Object.entries(files)) {
    const path = join(outDir, name);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, bytes);
  }
  await writeFile(join(outDir, 'package.json'), JSON.stringify({ type: 'module' }));
  await mkdir(join(outDir, 'node_modules', '@bytecodealliance'), { recursive: true });
  await symlink(join(scope, 'preview2-shim'), join(outDir, 'node_modules', '@bytecodealliance', 'preview2-shim'),
    'dir');
}

// The sandbox, set through the shim the transpiled code imports (the symlink resolves to one module instance).
function sandbox() {
  return `
    import { _setArgs, _setEnv, _setCwd } from '@bytecodealliance/preview2-shim/cli';
    import { _setPreopens, _addPreopen } from '@bytecodealliance/preview2-shim/filesystem';
    import { _denyDnsLookup, _denyTcp, _denyUdp } from '@bytecodealliance/preview2-shim/sockets';
    _setArgs(${JSON.stringify(config.argv)});
    _setEnv(${JSON.stringify(Object.fromEntries(config.env))});
    _setCwd(undefined);
    _setPreopens({});
    ${config.preopens.map(([guest, host]) => `_addPreopen(${JSON.stringify(guest)}, ${JSON.stringify(host)});`)
      .join('\n    ')}
    _denyDnsLookup(); _denyTcp(); _denyUdp();
    export const mod = await import('./component.js');
  `;
}

function isTrap(err) {
  return err instanceof WebAssembly.RuntimeError;
}

let code = 0;
try {
  await transpileInto(config.workdir);
  const entry = join(config.workdir, '_run.js');
  await writeFile(entry, sandbox());
  const { mod } = await import(pathToFileURL(entry));
  if (!mod.run || typeof mod.run.run !== 'function') {
    process.stderr.write('jco runner: the component exports no wasi:cli/run\n');
    code = 1;
  } else {
    await mod.run.run();
  }
} catch (err) {
  if (isTrap(err)) {
    // the transpiled bindings may already prefix V8's message with "wasm trap: "
    process.stderr.write(`wasm trap: ${err.message.replace(/^wasm trap: /, '')}\n`);
    code = config.trap_exit;
  } else if (err && err.constructor && err.constructor.name === 'ComponentError') {
    code = 1; // `run` returned err: the status wasi:cli gives it
  } else {
    process.stderr.write(`jco runner: ${err && err.stack ? err.stack : err}\n`);
    code = 1;
  }
}
// Let the shim's streams drain (as `jco run` does), then end with the status.
await new Promise((resolve) => setTimeout(resolve));
process.exit(code);
