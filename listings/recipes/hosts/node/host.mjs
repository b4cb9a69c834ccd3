// A Node.js host for a greet guest: `node host.mjs GUEST.wasm [NAME [ROUNDS]]`.
// No dependencies; Node 22 or later. The host allocates the name in the
// guest (allocate), writes it, calls greet, frees the name (deallocate);
// the guest allocates the greeting, the host copies it out and frees it.
import { readFile } from 'node:fs/promises';

const MAX_LEN = 1048576; // the most this host copies out of a guest: 1 MiB

function fail(message) {
  console.error(`error: ${message}`);
  process.exit(1);
}

async function main() {
  const [path, name = 'world', roundsText = '1'] = process.argv.slice(2);
  if (path === undefined) {
    console.error('usage: node host.mjs GUEST.wasm [NAME [ROUNDS]]');
    process.exit(2);
  }
  const rounds = Number(roundsText);
  if (!/^[0-9]+$/.test(roundsText) || rounds < 1) {
    fail(`ROUNDS must be a positive integer, not ${roundsText}`);
  }

  const module = await WebAssembly.compile(await readFile(path));
  const usesWasi = WebAssembly.Module.imports(module)
    .some((i) => i.module === 'wasi_snapshot_preview1');

  let wasi = null;
  if (usesWasi) {
    // node:wasi prints an ExperimentalWarning on stderr when loaded; stderr
    // is for this host's `error:` lines, so that one warning is dropped.
    const [print = () => {}] = process.listeners('warning');
    process.removeAllListeners('warning');
    process.on('warning', (w) => {
      if (!(w.name === 'ExperimentalWarning' && w.message.startsWith('WASI'))) print(w);
    });
    const { WASI } = await import('node:wasi');
    wasi = new WASI({ version: 'preview1' }); // no args, no env, no files
  }
  const instance = await WebAssembly.instantiate(module, wasi ? wasi.getImportObject() : {});
  const { memory } = instance.exports;
  for (const wanted of ['memory', 'allocate', 'deallocate', 'greet']) {
    if (!(wanted in instance.exports)) fail(`the guest does not export \`${wanted}\``);
  }
  // Calls an export; a trap (unreachable, out-of-bounds access) becomes an
  // error line instead of a stack trace.
  const call = (exportName, ...args) => {
    try {
      return instance.exports[exportName](...args);
    } catch (e) {
      return fail(`${exportName} trapped: ${e.message}`);
    }
  };

  // A WASI reactor (Go, C) is initialised once, before any other export.
  if (wasi) wasi.initialize(instance); // calls _initialize if there is one
  else if ('_initialize' in instance.exports) call('_initialize');

  // One round trip: the name in, the greeting out.
  const roundTrip = () => {
    const input = new TextEncoder().encode(name);
    const namePtr = call('allocate', input.length) >>> 0; // i32 results read as unsigned
    // A Uint8Array over memory.buffer goes stale when the guest grows its
    // memory: memory.grow detaches the old ArrayBuffer (its length becomes 0)
    // and makes a new one. So each read or write takes a fresh view, made
    // after the last call into the guest (allocate may have grown it).
    let size = memory.buffer.byteLength;
    if (namePtr + input.length > size) {
      fail(`allocate returned ptr=${namePtr} for len=${input.length}, outside the guest's memory of ${size} bytes`);
    }
    new Uint8Array(memory.buffer).set(input, namePtr);

    const packed = call('greet', namePtr, input.length); // an i64 arrives as a BigInt
    call('deallocate', namePtr, input.length); // the guest neither frees nor keeps its input

    // (len << 32) | ptr, both unsigned: BigInt.asUintN reads the i64's bits as
    // an unsigned number, so a negative i64 cannot give a negative length.
    const bits = BigInt.asUintN(64, packed);
    const ptr = Number(bits & 0xffffffffn);
    const len = Number(bits >> 32n);
    if (len > MAX_LEN) fail(`greet returned len=${len}, more than the ${MAX_LEN} bytes this host accepts`);
    size = memory.buffer.byteLength; // greet may have grown the memory
    if (ptr + len > size) { // Numbers below 2**33: the sum cannot overflow
      fail(`greet returned ptr=${ptr} len=${len}, outside the guest's memory of ${size} bytes`);
    }
    // slice() copies the bytes out of the guest (a fresh view, see above).
    const bytes = new Uint8Array(memory.buffer).slice(ptr, ptr + len);
    let greeting;
    try {
      greeting = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      fail('greet returned bytes that are not valid UTF-8');
    }
    call('deallocate', ptr, len); // the greeting is the guest's buffer: freed by its length
    return greeting;
  };

  // ROUNDS is for comparing hosts (the book's ci/bench uses it): it repeats
  // the round trip and times it. A reader can drop it and call roundTrip().
  let greeting;
  const start = process.hrtime.bigint(); // monotonic, in nanoseconds
  for (let i = 0; i < rounds; i++) greeting = roundTrip();
  const ns = (process.hrtime.bigint() - start) / BigInt(rounds);
  console.log(greeting);
  if (rounds > 1) console.error(`bench: ${rounds} round trips, ${ns} ns each`);
}

main().catch((e) => fail(e.message));
