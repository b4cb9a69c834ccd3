// What one run of a playground did, recorded in the worker that runs it
// (worker.js): every call into the guest with its arguments and result,
// the buffers those calls handed over, and the bytes around them after each
// call. One run per worker, so this module's state is that run's.

export const PAGE_SIZE = 65_536;
const TRACE_LINES = 24; // calls printed in full; the rest are counted
const SNAPSHOTS = 64; // calls whose memory the view can show
const WINDOW = 128; // bytes shown around one buffer, at most

export const run = {
  lines: [], // what the run printed, in order
  calls: 0, // calls into the guest
  snapshots: [], // the memory after each of the first SNAPSHOTS calls
  artifacts: new Map(), // listing name -> bytes, fetched before the test runs
  expected: new Map(), // expected/ file name -> text, likewise
  tests: [], // what the test file registered with test()
  memories: new Set(), // every guest memory this run instantiated
  views: new Map(), // buffer of one of those memories -> how many views the test made of it
  ranges: new Map(), // ptr -> { ptr, len, label }: the buffers calls handed over
};

/** Appends one line to the output. */
export function print(line) {
  run.lines.push(line);
}

/** How the output shows a value: hexadecimal from one page up, as addresses read best. */
export function show(value) {
  if (typeof value === 'bigint') return `0x${BigInt.asUintN(64, value).toString(16).padStart(16, '0')}n`;
  if (typeof value === 'number' && Number.isInteger(value) && value >= PAGE_SIZE) return `0x${value.toString(16)}`;
  if (Array.isArray(value)) return `[${value.map(show).join(', ')}]`;
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof Promise) return 'a promise';
  // A WasmGC struct or array has no prototype, so no string of its own.
  if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === null) return 'a GC reference';
  return String(value);
}

/** The exports of an instance, each function wrapped to record its calls. */
export function instrument(exports) {
  const memory = exports.memory instanceof WebAssembly.Memory ? exports.memory : null;
  if (memory) run.memories.add(memory);
  const recording = Object.create(null);
  for (const [name, value] of Object.entries(exports)) {
    recording[name] = typeof value === 'function' ? recorded(name, value, memory) : value;
  }
  return Object.freeze(recording);
}

// Each recording wrapper, and the exported function it wraps: an API that
// takes only exported functions (`WebAssembly.promising`) gets the original.
const originals = new WeakMap();

function recorded(name, fn, memory) {
  const call = (...args) => {
    let result;
    try {
      result = fn(...args);
    } catch (error) {
      record(name, args, memory, { error });
      throw error;
    }
    record(name, args, memory, { result });
    return result;
  };
  // The JavaScript utility checks an export's arity through `length`.
  Object.defineProperty(call, 'length', { value: fn.length });
  Object.defineProperty(call, 'name', { value: fn.name });
  originals.set(call, { name, fn, memory });
  return call;
}

function record(name, args, memory, { result, error }) {
  run.calls += 1;
  if (memory) noteRanges(name, args, result, memory);
  if (run.calls <= TRACE_LINES) {
    const failed = error instanceof WebAssembly.RuntimeError ? 'trapped:' : `threw ${error?.name ?? 'Error'}:`;
    const returned = error ? ` ${failed} ${error.message}` : result === undefined ? '' : ` → ${show(result)}`;
    print(`${name}(${args.map(show).join(', ')})${returned}`);
  }
  if (run.snapshots.length < SNAPSHOTS) run.snapshots.push(snapshot(`after ${name}(${args.map(show).join(', ')})`, memory));
}

/**
 * The buffers a call handed over, by the book's conventions: `allocate(len)`
 * returns the host's input buffer (as does the canonical ABI's
 * `cabi_realloc(0, 0, align, len)`), `deallocate(ptr, len)` frees one, and
 * an i64 result (or two i32 results) is a (ptr, len) pair, the pointer in
 * the low half.
 */
function noteRanges(name, args, result, memory) {
  const size = memory.buffer.byteLength;
  const note = (ptr, len, label) => {
    if (Number.isInteger(ptr) && Number.isInteger(len) && ptr >= 0 && len > 0 && ptr + len <= size) {
      run.ranges.delete(ptr); // so that the last four handed over are the last four in the map
      run.ranges.set(ptr, { ptr, len, label });
    }
  };
  if (/dealloc|free/i.test(name)) {
    const ptr = args[0] >>> 0;
    note(ptr, args[1] ?? run.ranges.get(ptr)?.len, 'freed');
  } else if (/realloc/i.test(name) && args.length === 4 && typeof result === 'number') {
    note(result >>> 0, args[3], 'input');
  } else if (/alloc/i.test(name) && typeof result === 'number') {
    note(result >>> 0, args[0], 'input');
  } else if (typeof result === 'bigint') {
    const bits = BigInt.asUintN(64, result);
    note(Number(bits & 0xffff_ffffn), Number(bits >> 32n), 'result');
  } else if (Array.isArray(result) && result.length === 2) {
    // Two i32 results, or two i64 (a 64-bit memory's): BigInts.
    const [ptr, len] = result.map((half) => (typeof half === 'bigint' ? Number(half) : half >>> 0));
    note(ptr, len, 'result');
  }
}

/**
 * The memory now: its size in pages, the buffers known so far, the bytes
 * around the last four of them, and how many views the test made of it
 * before it grew (a grown memory detaches its old buffer).
 */
export function snapshot(title, memory = [...run.memories].at(-1)) {
  if (!memory) return { title, pages: 0, ranges: [], windows: [], staleViews: 0 };
  const bytes = new globalThis.Uint8Array(memory.buffer);
  const ranges = [...run.ranges.values()].slice(-4);
  const windows = [];
  for (const { ptr, len } of ranges) {
    const start = Math.max(0, Math.floor(ptr / 16) * 16 - 16);
    const end = Math.min(bytes.length, start + WINDOW, Math.ceil((ptr + len) / 16) * 16 + 16);
    if (windows.some((window) => start < window.start + window.bytes.length && window.start < end)) continue;
    windows.push({ start, bytes: bytes.slice(start, end) });
  }
  const staleViews = [...run.views].filter(([buffer]) => buffer.byteLength === 0).reduce((sum, [, count]) => sum + count, 0);
  return { title, pages: bytes.length / PAGE_SIZE, ranges, windows: windows.sort((a, b) => a.start - b.start), staleViews };
}

/**
 * Says that the trace left calls out. Not how many: that can change from
 * one run to the next (a Go guest collects when its runtime decides), and
 * the output of a run is compared with the one the page shows. The memory
 * view counts them.
 */
export function finishTrace() {
  if (run.calls > TRACE_LINES) print('… and more calls (the memory view counts them)');
}

/** Counts `view` if it is a view of a guest's memory. */
function noteView(view) {
  for (const memory of run.memories) {
    if (memory.buffer === view.buffer) run.views.set(view.buffer, (run.views.get(view.buffer) ?? 0) + 1);
  }
}

const realInstantiate = WebAssembly.instantiate.bind(WebAssembly);

// The test's Uint8Array and DataView note each view they make; any real
// one, such as a library made, is still an instance of them.
export const scope = {
  Uint8Array: class Uint8Array extends globalThis.Uint8Array {
    constructor(...args) {
      super(...args);
      noteView(this);
    }

    static [Symbol.hasInstance](value) {
      return value instanceof globalThis.Uint8Array;
    }
  },
  DataView: class DataView extends globalThis.DataView {
    constructor(...args) {
      super(...args);
      noteView(this);
    }

    static [Symbol.hasInstance](value) {
      return value instanceof globalThis.DataView;
    }
  },
  WebAssembly: Object.freeze({
    ...Object.fromEntries(Object.getOwnPropertyNames(WebAssembly).map((name) => [name, WebAssembly[name]])),
    // The promising function is recorded too: its calls return promises.
    promising(fn) {
      const original = originals.get(fn);
      if (!original) return WebAssembly.promising(fn);
      return recorded(original.name, WebAssembly.promising(original.fn), original.memory);
    },
    async instantiate(source, imports) {
      const made = await realInstantiate(source, imports);
      if (made instanceof WebAssembly.Instance) return { exports: instrument(made.exports) };
      return { module: made.module, instance: { exports: instrument(made.instance.exports) } };
    },
  }),
};

/** A stand-in for a Node module's export: any use says the block needs Node. */
export function nodeOnly(module, name = 'default') {
  const fail = () => {
    throw new Error(`${module} (${name}) exists only in Node: this test runs under Node (ci/test js), not in a page`);
  };
  return new Proxy(function nodeOnlyExport() {}, { apply: fail, construct: fail, get: fail });
}
