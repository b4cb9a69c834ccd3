// A browser host for a greet guest. Serve this folder over HTTP (serve.sh)
// and open index.html: it loads greet.wasm (or ?wasm=URL) and greets
// ?name= (default "world"), ?rounds= times (default 1). The host allocates
// the name in the guest (allocate), writes it, calls greet, frees the name
// (deallocate); the guest allocates the greeting, the host copies it out and
// frees it.

const MAX_LEN = 1048576; // the most this host copies out of a guest: 1 MiB

/** A failure the page shows as one `error: ` line. */
class HostError extends Error {}
function fail(message) {
  throw new HostError(`error: ${message}`);
}

function show(id, text) {
  document.getElementById(id).textContent = text;
}

/** Unpacks an i64 (a BigInt) holding (len << 32) | ptr, both unsigned. */
function unpack(packed) {
  const bits = BigInt.asUintN(64, packed); // a negative i64 read as unsigned
  return [Number(bits & 0xffffffffn), Number(bits >> 32n)];
}

async function load(url) {
  const response = await fetch(url);
  if (!response.ok) fail(`cannot fetch ${url}: ${response.status} ${response.statusText}`);
  // compileStreaming (like instantiateStreaming) compiles while the bytes
  // arrive, and only from a response served as application/wasm. It leaves
  // instantiating to us, so that we can look at the imports first.
  return WebAssembly.compileStreaming(response);
}

async function main() {
  const params = new URLSearchParams(location.search);
  const url = params.get('wasm') ?? 'greet.wasm';
  const name = params.get('name') ?? 'world';
  const roundsText = params.get('rounds') ?? '1';
  const rounds = Number(roundsText);
  if (!/^[0-9]+$/.test(roundsText) || rounds < 1) {
    fail(`ROUNDS must be a positive integer, not ${roundsText}`);
  }

  const module = await load(url);
  const imports = WebAssembly.Module.imports(module);
  if (imports.length > 0) {
    const first = `${imports[0].module}.${imports[0].name}`;
    const more = imports.length > 1 ? ` (and ${imports.length - 1} more)` : '';
    if (imports[0].module === 'wasi_snapshot_preview1') {
      return ['cannot', `cannot: this guest imports ${first}${more}; a browser has no WASI`];
    }
    fail(`the guest imports ${first}${more}, and this host provides no imports`);
  }
  const instance = await WebAssembly.instantiate(module, {});
  const exports = instance.exports;
  for (const wanted of ['memory', 'allocate', 'deallocate', 'greet']) {
    if (!(wanted in exports)) fail(`the guest does not export \`${wanted}\``);
  }
  const memory = exports.memory;
  // Calls an export; a trap becomes an error line.
  const call = (exportName, ...args) => {
    try {
      return exports[exportName](...args);
    } catch (e) {
      return fail(`${exportName} trapped: ${e.message}`);
    }
  };
  // Asks the guest for `len` bytes; checks they lie inside its memory.
  const allocate = (len) => {
    const ptr = call('allocate', len) >>> 0; // an i32 read as unsigned
    const size = memory.buffer.byteLength;
    if (ptr + len > size) {
      fail(`allocate returned ptr=${ptr} for len=${len}, outside the guest's memory of ${size} bytes`);
    }
    return ptr;
  };
  if ('_initialize' in exports) call('_initialize'); // a reactor: once, first

  // A view of memory.buffer goes stale when the guest grows its memory:
  // memory.grow detaches the old ArrayBuffer (its length becomes 0). So each
  // view below is made after the last call into the guest, and used at once.

  // One round trip: the name in, the greeting out.
  const roundTrip = () => {
    const input = new TextEncoder().encode(name);
    const namePtr = allocate(input.length);
    new Uint8Array(memory.buffer).set(input, namePtr);
    const [ptr, len] = unpack(call('greet', namePtr, input.length));
    call('deallocate', namePtr, input.length); // the guest neither frees nor keeps its input
    if (len > MAX_LEN) fail(`greet returned len=${len}, more than the ${MAX_LEN} bytes this host accepts`);
    const size = memory.buffer.byteLength;
    if (ptr + len > size) { // Numbers below 2**33: the sum cannot overflow
      fail(`greet returned ptr=${ptr} len=${len}, outside the guest's memory of ${size} bytes`);
    }
    const bytes = new Uint8Array(memory.buffer).slice(ptr, ptr + len); // a copy
    let greeting;
    try {
      greeting = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      fail('greet returned bytes that are not valid UTF-8');
    }
    call('deallocate', ptr, len); // the guest's buffer, freed by its length
    return greeting;
  };

  // ?rounds= is for comparing hosts (the book's ci/bench uses it): it repeats
  // the round trip and times it. A reader can drop it and call roundTrip().
  let greeting;
  const start = performance.now(); // monotonic, in milliseconds
  for (let i = 0; i < rounds; i++) greeting = roundTrip();
  const ns = Math.round(((performance.now() - start) * 1e6) / rounds);
  const timing = rounds > 1 ? `bench: ${rounds} round trips, ${ns} ns each` : '';

  if (!('scale' in exports)) return ['passed', greeting, '', timing];

  // scale(ptr, count, factor): floats in, a new array of floats out. A
  // Float32Array's byte offset must be a multiple of 4 (its element size),
  // or its constructor throws a RangeError: so both pointers are checked.
  // (Typed arrays use the machine's byte order; Wasm's is little-endian, as
  // is every machine browsers run on today. A DataView could say so.)
  const values = [1, 2.5, -4];
  const factor = 2;
  const count = values.length;
  const inPtr = allocate(count * 4);
  if (inPtr % 4 !== 0) fail(`allocate returned ptr=${inPtr} for len=${count * 4}, not a multiple of 4 for a Float32Array`);
  new Float32Array(memory.buffer, inPtr, count).set(values);
  const [outPtr, outCount] = unpack(call('scale', inPtr, count, factor));
  call('deallocate', inPtr, count * 4);
  // count values in, count out: this also caps what the host copies.
  if (outCount !== count) fail(`scale returned len=${outCount} for ${count} values`);
  const size = memory.buffer.byteLength;
  if (outPtr + outCount * 4 > size) {
    fail(`scale returned ptr=${outPtr} len=${outCount}, outside the guest's memory of ${size} bytes`);
  }
  if (outPtr % 4 !== 0) fail(`scale returned ptr=${outPtr}, not a multiple of 4 for a Float32Array`);
  const scaled = Array.from(new Float32Array(memory.buffer, outPtr, outCount)); // a copy
  call('deallocate', outPtr, outCount * 4); // length in elements: 4 bytes each
  const list = (numbers) => `[${numbers.join(', ')}]`;
  return ['passed', greeting, `scale(${list(values)}, ${factor}) = ${list(scaled)}`, timing];
}

main()
  .catch((e) => ['failed', e instanceof HostError ? e.message : `error: ${e.message}`, ''])
  .then(([status, text, floats, timing = '']) => {
    show('greeting', text);
    show('floats', floats);
    show('timing', timing);
    document.body.dataset.status = status; // last: a test waits for it
  });
