// The host side of sharing memory with wasm guests, for JavaScript hosts:
// the counterpart of the Rust crate `wasm-memory-host`, with the same
// shape (a Convention, a Guest, export handles, buffers the host holds) and
// the same error kinds.
//
// The rules this module follows:
// - take a fresh view of memory for every access: `memory.grow` (even by 0
//   pages) detaches the old ArrayBuffer, and views of it read as empty;
// - an exported function returning `i64` returns a BigInt: unpack it with
//   BigInt arithmetic, then convert each half with Number(); an `i32`
//   arrives as a signed Number: read pointers with `>>> 0`;
// - check every (ptr, len) against the memory's current size, and cap the
//   length, before copying anything;
// - give back every buffer the host holds, also when the guest traps, and
//   let `using` give it back at the end of a block; a buffer whose handle
//   is collected unreleased is given back too, and reported.

/** Pointer in the low 32 bits, length in the high 32 bits: `(len << 32) | ptr`. */
export const POINTER_LOW = 'pointer-low';
/** Pointer in the high 32 bits, length in the low 32 bits: `(ptr << 32) | len`, as in wazero's examples. */
export const POINTER_HIGH = 'pointer-high';

/** The most bytes read out of one result unless told otherwise: 16 MiB. */
export const DEFAULT_MAX_LEN = 16 * 1024 * 1024;

/** The largest pointer or length of a 32-bit guest. */
const MAX_U32 = 0xffff_ffff;

/** The kinds of WasmMemoryError: the variant names of the Rust crate's `Error`. */
export const ErrorKind = Object.freeze({
  /** The guest does not export what the convention or the host needs. */
  MissingExport: 'MissingExport',
  /** An export takes other parameters, or returns another type, than expected. */
  WrongSignature: 'WrongSignature',
  /** A convention that contradicts itself. */
  InvalidConvention: 'InvalidConvention',
  /** Bytes too many for a 32-bit guest. */
  InputTooLarge: 'InputTooLarge',
  /** Bytes too many for the held buffer they are written into. */
  DoesNotFit: 'DoesNotFit',
  /** The guest's allocator returned 0 for a non-empty request. */
  AllocationFailed: 'AllocationFailed',
  /** The guest's allocator returned a buffer outside its memory. */
  BadAllocation: 'BadAllocation',
  /** A (ptr, len) an export returned is refused; `reason` says why. */
  BadResult: 'BadResult',
  /** A (ptr, len) the guest passed to an import is refused; `reason` says why. */
  BadArgument: 'BadArgument',
  /** A call into the guest threw (a trap, or an import that threw): `cause`. */
  Call: 'Call',
  /** A buffer given to a guest that did not hand it out. */
  ForeignBuffer: 'ForeignBuffer',
  /**
   * A buffer used after it was released (JavaScript's own: in Rust,
   * releasing a buffer takes it by value).
   */
  AlreadyReleased: 'AlreadyReleased',
  /** A buffer adopted over one the host already holds. */
  OverlapsHeldBuffer: 'OverlapsHeldBuffer',
  /** Buffers the host holds and has not released: `leaks`. */
  Leaks: 'Leaks',
});

/** Why a (ptr, len) is refused: the `reason` of BadResult, BadArgument and BadAllocation. */
export const Reason = Object.freeze({
  /** Longer than the convention's `maxLen`. */
  TooLong: 'TooLong',
  /** `ptr + len` is past 2^32: no range of a 32-bit memory. */
  Overflow: 'Overflow',
  /** It ends past the end of the memory. */
  OutOfBounds: 'OutOfBounds',
  /** A string that is not UTF-8. */
  NotUtf8: 'NotUtf8',
});

/**
 * Everything this module refuses, with `kind` (one of ErrorKind) and what
 * the host knew: `export` (or `import`), `ptr`, `len`, `memorySize`,
 * `reason`, `cause`, as they apply.
 */
export class WasmMemoryError extends Error {
  constructor(kind, message, { cause, ...fields } = {}) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'WasmMemoryError';
    this.kind = kind;
    Object.assign(this, fields);
  }
}

const hex = (n) => `0x${n.toString(16)}`;

// ANCHOR: unpack
/**
 * Splits an `i64` result, which JavaScript receives as a BigInt, into two
 * Numbers. Mixing BigInt and Number in one expression throws a TypeError,
 * so the halves are masked and shifted as BigInts, then converted.
 */
export function unpackPtrLen(packed, order = POINTER_LOW) {
  const bits = BigInt.asUintN(64, packed); // an i64 arrives signed
  const low = Number(bits & 0xffffffffn);
  const high = Number(bits >> 32n);
  return order === POINTER_LOW ? { ptr: low, len: high } : { ptr: high, len: low };
}
// ANCHOR_END: unpack

/** Packs a pointer and a length into the BigInt an `i64` parameter or result takes. */
export function packPtrLen(ptr, len, order = POINTER_LOW) {
  const [low, high] = order === POINTER_LOW ? [ptr, len] : [len, ptr];
  return (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0);
}

// Who handed the host a (ptr, len), for the error that refuses it: a guest
// known only by its memory, an export, an import's caller, an allocator.
const fromGuest = { kind: ErrorKind.BadResult, subject: 'guest returned' };
const returnedBy = (name) => ({ kind: ErrorKind.BadResult, subject: `\`${name}\` returned`, fields: { export: name } });
const passedTo = (name) => ({ kind: ErrorKind.BadArgument, subject: `the guest passed \`${name}\``, fields: { import: name } });
const allocatedBy = (name) => ({ kind: ErrorKind.BadAllocation, subject: `\`${name}\` allocated`, fields: { export: name } });

function refuse(from, reason, ptr, len, memorySize, why) {
  return new WasmMemoryError(from.kind, `${from.subject} ${len} bytes at ${hex(ptr)}${why}`, {
    ...from.fields, reason, ptr, len, memorySize,
  });
}

// ANCHOR: copy
/**
 * Throws unless `len` bytes at `ptr` lie inside `memory` and `len` is at
 * most `maxLen`. The cap comes first, so that no length is used before it
 * is compared with it. `ptr` and `len` are Numbers for a 32-bit memory, or
 * BigInts, as a 64-bit memory (memory64) hands them over; the arithmetic
 * is exact for both.
 */
function checkRange(memory, ptr, len, maxLen, from) {
  const memorySize = memory.buffer.byteLength;
  const wide = typeof ptr === 'bigint';
  if (wide !== (typeof len === 'bigint')) {
    throw new TypeError(`a pointer and a length are both Numbers (a 32-bit memory) or both BigInts (a 64-bit memory), not a ${typeof ptr} and a ${typeof len}`);
  }
  if (wide) {
    // An i64 arrives signed: an address of 2^63 or more is a negative BigInt.
    [ptr, len] = [BigInt.asUintN(64, ptr), BigInt.asUintN(64, len)];
  }
  const [cap, size, bits] = wide ? [BigInt(maxLen), BigInt(memorySize), 64] : [maxLen, memorySize, 32];
  if (len > cap) {
    throw refuse(from, Reason.TooLong, ptr, len, memorySize, `, more than the ${maxLen} bytes the host accepts`);
  }
  const end = ptr + len; // Numbers: exact up to 2^53; BigInts: always
  if (end > (wide ? 2n ** 64n : 2 ** 32)) {
    throw refuse(from, Reason.Overflow, ptr, len, memorySize, `: the end overflows a ${bits}-bit address`);
  }
  if (end > size) {
    throw refuse(from, Reason.OutOfBounds, ptr, len, memorySize,
      `, ending at ${hex(end)}, past the end of its ${memorySize}-byte memory`);
  }
}

/**
 * Copies `len` bytes at `ptr` out of `memory`, after checking them. The
 * view is made here, from `memory.buffer` as it is now, and dropped:
 * nothing keeps a view that a later `memory.grow` would detach.
 */
function copyChecked(memory, ptr, len, maxLen, from) {
  checkRange(memory, ptr, len, maxLen, from);
  // Checked: both are at most the memory's size (so not negative), which a
  // Number holds exactly.
  return new Uint8Array(memory.buffer, Number(ptr), Number(len)).slice(); // a copy
}

/** Copies a (ptr, len) out of a guest known only by its memory. */
export function copyOut(memory, ptr, len, maxLen = DEFAULT_MAX_LEN) {
  return copyChecked(memory, ptr, len, maxLen, fromGuest);
}
// ANCHOR_END: copy

/** Like copyOut, decoded as UTF-8; bytes that are not UTF-8 are refused. */
export function readString(memory, ptr, len, maxLen = DEFAULT_MAX_LEN) {
  return readChecked(memory, ptr, len, maxLen, fromGuest);
}

function readChecked(memory, ptr, len, maxLen, from) {
  const bytes = copyChecked(memory, ptr, len, maxLen, from);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw refuse(from, Reason.NotUtf8, ptr, len, memory.buffer.byteLength, ' that are not UTF-8');
  }
}

/** A string as its UTF-8 bytes; bytes as they are. */
function toBytes(input) {
  if (typeof input === 'string') return new TextEncoder().encode(input);
  if (input instanceof Uint8Array) return input;
  throw new TypeError(`expected a string or a Uint8Array, not ${Object.prototype.toString.call(input)}`);
}

/**
 * Everything the host must know about a guest's conventions, checked when
 * it is made. `allocator` is `{ allocate, deallocate }`, export names of
 * `allocate(size) -> ptr` and `deallocate(ptr, size)`, or `{ malloc, free }`,
 * of `malloc(size) -> ptr` and `free(ptr)`; `order` is how exports pack
 * their (ptr, len) results; `maxLen` the most bytes the host copies out of
 * one; `memory` the exported memory's name. Omitted, each is that of
 * `Convention.allocateDeallocatePacked()`.
 */
export class Convention {
  constructor({
    allocator = { allocate: 'allocate', deallocate: 'deallocate' },
    order = POINTER_LOW,
    maxLen = DEFAULT_MAX_LEN,
    memory = 'memory',
    ...unknown
  } = {}) {
    const invalid = (why) => new WasmMemoryError(ErrorKind.InvalidConvention, `this convention contradicts itself: ${why}`);
    const isName = (name) => typeof name === 'string' && name !== '';
    if (Object.keys(unknown).length > 0) {
      throw invalid(`unknown field(s) ${Object.keys(unknown).join(', ')}; a convention has allocator, order, maxLen and memory`);
    }
    const names = Object.keys(allocator ?? {}).sort().join(', ');
    if (names !== 'allocate, deallocate' && names !== 'free, malloc') {
      throw invalid(`the allocator must be { allocate, deallocate } or { malloc, free }, not { ${names} }`);
    }
    const [alloc, free] = 'allocate' in allocator
      ? [allocator.allocate, allocator.deallocate]
      : [allocator.malloc, allocator.free];
    if (!isName(alloc) || !isName(free)) {
      throw invalid(`the allocator's export names must be non-empty strings, not ${JSON.stringify(allocator)}`);
    }
    if (alloc === free) {
      throw invalid(`\`${alloc}\` cannot be both the allocator and the function that frees: they take different arguments`);
    }
    if (order !== POINTER_LOW && order !== POINTER_HIGH) {
      throw invalid(`the packing order must be POINTER_LOW ('${POINTER_LOW}') or POINTER_HIGH ('${POINTER_HIGH}'), not ${String(order)}`);
    }
    if (!Number.isInteger(maxLen) || maxLen < 0 || maxLen > MAX_U32) {
      throw invalid(`maxLen must be an integer from 0 to ${MAX_U32}, not ${String(maxLen)}`);
    }
    if (!isName(memory)) {
      throw invalid(`the memory's export name must be a non-empty string, not ${JSON.stringify(memory)}`);
    }
    if (memory === alloc || memory === free) {
      throw invalid(`\`${memory}\` cannot name both the memory and a function`);
    }
    this.allocator = Object.freeze({ ...allocator });
    this.order = order;
    this.maxLen = maxLen;
    this.memory = memory;
    Object.freeze(this);
  }

  /**
   * `allocate(size) -> ptr` and `deallocate(ptr, size)`, results packed
   * pointer-low, a memory named `memory`, and the default `maxLen`.
   */
  static allocateDeallocatePacked() {
    return new Convention();
  }
}

// The wasm types of the functions a Guest calls, and how many parameters
// each takes.
const ALLOCATE = { params: 1, type: '(i32) -> i32' };
const DEALLOCATE = { params: 2, type: '(i32, i32) -> ()' };
const FREE = { params: 1, type: '(i32) -> ()' };
const EXPORT = { params: 2, type: '(i32, i32) -> i64' };

/**
 * The exported function `name`, of the `signature` that `who` (this
 * convention, or the host) expects. Without the type-reflection proposal
 * JavaScript cannot see a wasm function's types, so this checks what it
 * can: that the export is a function, and its arity (an exported wasm
 * function's `length` is its number of parameters). The engine converts
 * arguments and results at each call; GuestExport checks that the result
 * is a BigInt.
 */
function exportedFunction(exports, name, signature, who) {
  const fn = exports[name];
  if (typeof fn !== 'function') {
    const found = fn === undefined ? '' : ` (its \`${name}\` is a ${fn?.constructor?.name ?? typeof fn})`;
    throw new WasmMemoryError(ErrorKind.MissingExport,
      `the guest does not export a function \`${name}\`${found}, which ${who} needs`, { export: name });
  }
  if (fn.length !== signature.params) {
    throw wrongSignature(name, signature, who, `it takes ${fn.length} parameter(s)`);
  }
  return fn;
}

function wrongSignature(name, signature, who, actual) {
  return new WasmMemoryError(ErrorKind.WrongSignature,
    `\`${name}\` does not have the type ${who} expects (${signature.type}): ${actual}`, { export: name });
}

/** Calls `fn`, the export `name`; whatever it throws becomes a Call error. */
function callGuest(name, fn, ...args) {
  try {
    return fn(...args);
  } catch (error) {
    throw new WasmMemoryError(ErrorKind.Call, `calling \`${name}\` failed: ${error?.message ?? error}`, {
      export: name, cause: error,
    });
  }
}

// `Symbol.dispose` where the platform has it; elsewhere the name that
// polyfills of `using` register, so that they find the same method.
const DISPOSE = Symbol.dispose ?? Symbol.for('Symbol.dispose');

// Each buffer's record, kept outside the frozen buffer: its guest, its
// fields, and the buffer itself or, with `onForgotten`, a WeakRef to it.
// A guest holds a buffer while its record is in the guest's set.
const records = new WeakMap();

// Releases a record if its guest still holds it (set by Guest, whose
// private fields it needs): what a buffer's [Symbol.dispose] does.
let releaseIfHeld;

/**
 * A buffer in guest memory that the host holds, from `guest.copyIn` or
 * `guest.adopt`; `export` is the allocator that made it or the export that
 * returned it. Give it back with `guest.release(buffer)`, or declare it
 * with `using`, which gives it back at the end of the block.
 */
export class GuestBuffer {
  constructor(ptr, len, exportName) {
    this.ptr = ptr;
    this.len = len;
    this.export = exportName;
    Object.freeze(this);
  }

  /** Releases the buffer unless it was released already: what `using` calls at the end of its block. */
  [DISPOSE]() {
    const record = records.get(this);
    if (record !== undefined) releaseIfHeld(record);
  }
}

const describe = (buffer) => `${buffer.len} bytes at ${hex(buffer.ptr)}` +
  (buffer.export === undefined ? '' : ` from \`${buffer.export}\``);

/**
 * An instance and the conventions it follows for sharing memory. The
 * memory and the allocator are resolved and checked once, here; the
 * memory's bytes are looked at afresh on every access, so that no view
 * goes stale. It remembers every buffer the host holds until it is
 * released, by `release` or by `using`; `checkLeaks` names those never
 * released. Given `onForgotten`, it also gives back, as a last resort, a
 * buffer whose handle the garbage collector took, and reports it there.
 */
export class Guest {
  #exports;
  #memory;
  #convention;
  #allocatorName;
  #allocate;
  #deallocatorName;
  #deallocate;
  // The records of the buffers the host holds. With `onForgotten`, a
  // record reaches its buffer only through a WeakRef, so that a handle the
  // program drops can be collected and the registry then gives its bytes
  // back.
  #held = new Set();
  #released = new WeakSet();
  #onForgotten;
  #forgotten;

  static {
    releaseIfHeld = (record) => {
      if (record.guest.#held.has(record)) record.guest.#releaseRecord(record);
    };
  }

  /**
   * `instance`: a WebAssembly.Instance or its exports; `convention`: a
   * Convention or its fields; `onForgotten(message, buffer)`, if given: told
   * of each buffer given back because its handle was garbage-collected
   * while the host held it.
   */
  constructor(instance, convention = Convention.allocateDeallocatePacked(), { onForgotten } = {}) {
    if (onForgotten !== undefined) {
      if (typeof onForgotten !== 'function') {
        throw new TypeError(`onForgotten must be a function, not ${Object.prototype.toString.call(onForgotten)}`);
      }
      this.#onForgotten = onForgotten;
      this.#forgotten = new FinalizationRegistry((record) => this.#releaseForgotten(record));
    }
    this.#convention = convention instanceof Convention ? convention : new Convention(convention);
    this.#exports = instance instanceof WebAssembly.Instance ? instance.exports : instance;
    const memoryName = this.#convention.memory;
    this.#memory = this.#exports[memoryName];
    if (!(this.#memory instanceof WebAssembly.Memory)) {
      throw new WasmMemoryError(ErrorKind.MissingExport,
        `the guest does not export a memory \`${memoryName}\`, which this convention needs`, { export: memoryName });
    }
    const { allocate, deallocate, malloc, free } = this.#convention.allocator;
    this.#allocatorName = allocate ?? malloc;
    this.#allocate = exportedFunction(this.#exports, this.#allocatorName, ALLOCATE, 'this convention');
    this.#deallocatorName = deallocate ?? free;
    const release = exportedFunction(this.#exports, this.#deallocatorName, free === undefined ? DEALLOCATE : FREE, 'this convention');
    // One signature for both: `deallocate` is told the size, `free` is not.
    this.#deallocate = free === undefined ? (ptr, len) => release(ptr, len) : (ptr) => release(ptr);
  }

  /** The guest's memory. */
  get memory() {
    return this.#memory;
  }

  /** The conventions this guest follows. */
  get convention() {
    return this.#convention;
  }

  /**
   * A handle on the export `name`, which takes `(ptr, len)` and returns a
   * packed `(ptr, len)`: resolved and checked once, called many times.
   */
  export(name) {
    return new GuestExport(this, name, exportedFunction(this.#exports, name, EXPORT, 'the host'));
  }

  /**
   * A handle on the export `name`, which takes `params` numbers (`i32`s)
   * and returns a packed `(ptr, len)`: resolved and checked once.
   */
  outputExport(name, params = 0) {
    const signature = { params, type: `(${Array(params).fill('i32').join(', ')}) -> i64` };
    return new OutputExport(this, name, exportedFunction(this.#exports, name, signature, 'the host'), signature);
  }

  /** Allocates a buffer in the guest and copies `input` (bytes, or a string as UTF-8) into it. */
  copyIn(input) {
    const bytes = toBytes(input);
    return this.#hold(this.#allocateAndCopy(bytes), bytes.length, this.#allocatorName);
  }

  /**
   * Takes on a buffer that the export `exportName` handed over, after
   * checking that it lies inside the guest's memory and overlaps no buffer
   * the host holds. The length cap applies when reading, so that a real
   * but long buffer can still be given back.
   */
  adopt(exportName, ptr, len) {
    if (![ptr, len].every((n) => Number.isInteger(n) && n >= 0 && n <= MAX_U32)) {
      throw new TypeError(`a pointer and a length are integers from 0 to ${MAX_U32}, not ${ptr} and ${len}`);
    }
    checkRange(this.#memory, ptr, len, MAX_U32, returnedBy(exportName));
    this.#refuseOverlap(exportName, 'handed over', ptr, len);
    return this.#hold(ptr, len, exportName);
  }

  /** Copies `input` (bytes, or a string as UTF-8) to the start of a buffer the host holds. */
  write(buffer, input) {
    this.#check(buffer);
    const bytes = toBytes(input);
    if (bytes.length > buffer.len) {
      throw new WasmMemoryError(ErrorKind.DoesNotFit, `${bytes.length} bytes do not fit in the buffer of ${describe(buffer)}`,
        { export: buffer.export, ptr: buffer.ptr, len: bytes.length, capacity: buffer.len });
    }
    new Uint8Array(this.#memory.buffer, buffer.ptr, bytes.length).set(bytes);
  }

  /** A copy of the buffer's bytes, at most the convention's `maxLen`. */
  read(buffer) {
    this.#check(buffer);
    return copyChecked(this.#memory, buffer.ptr, buffer.len, this.#convention.maxLen, returnedBy(buffer.export));
  }

  /** The buffer's bytes as a string: at most `maxLen` of them, and UTF-8. */
  readString(buffer) {
    this.#check(buffer);
    return readChecked(this.#memory, buffer.ptr, buffer.len, this.#convention.maxLen, returnedBy(buffer.export));
  }

  /** Gives a buffer back to the guest, with its deallocator; only once. */
  release(buffer) {
    this.#check(buffer);
    this.#releaseRecord(records.get(buffer));
  }

  /**
   * Releases every buffer the host still holds: what `using guest = ...`
   * does at the end of its block. The first error a deallocator throws is
   * thrown once all were tried.
   */
  [DISPOSE]() {
    let first;
    for (const record of [...this.#held]) {
      try {
        this.#releaseRecord(record);
      } catch (error) {
        first ??= error;
      }
    }
    if (first !== undefined) throw first;
  }

  /**
   * Every buffer the host holds and has not released. A buffer whose
   * handle was collected but not yet given back is listed by a copy of its
   * fields, which cannot be released: the registry releases it.
   */
  outstanding() {
    return [...this.#held].map(handleOf);
  }

  /** Throws a Leaks error, naming each buffer, if the host holds any. */
  checkLeaks() {
    const leaks = this.outstanding();
    if (leaks.length > 0) {
      throw new WasmMemoryError(ErrorKind.Leaks,
        `${leaks.length} buffer(s) from the guest were not released:\n${leaks.map((leak) => `  ${describe(leak)}`).join('\n')}`,
        { leaks });
    }
  }

  /**
   * For an import: a copy of the `(ptr, len)` the guest passed to
   * `importName`, checked like a result. The import's `i32` parameters
   * arrive as signed Numbers (a pointer at 2 GiB or above is negative), so
   * both are read as unsigned first.
   */
  readArgument(importName, ptr, len) {
    return copyChecked(this.#memory, ptr >>> 0, len >>> 0, this.#convention.maxLen, passedTo(importName));
  }

  /** Like readArgument, decoded as UTF-8; bytes that are not UTF-8 are refused. */
  readArgumentString(importName, ptr, len) {
    return readChecked(this.#memory, ptr >>> 0, len >>> 0, this.#convention.maxLen, passedTo(importName));
  }

  /**
   * For an import that answers with bytes: allocates a buffer through the
   * guest's allocator, copies `input` into it, and returns `{ ptr, len }`.
   * The buffer is the guest's from then on: the guest frees it (with the
   * `len` it was given), and the host must not release it, which is why it
   * is not among the buffers the host holds.
   */
  handOver(input) {
    const bytes = toBytes(input);
    return Object.freeze({ ptr: this.#allocateAndCopy(bytes), len: bytes.length });
  }

  /** Allocates `bytes.length` bytes in the guest, checks the buffer, and copies `bytes` into it. */
  #allocateAndCopy(bytes) {
    const len = bytes.length;
    if (len > MAX_U32) {
      throw new WasmMemoryError(ErrorKind.InputTooLarge,
        `an input of ${len} bytes cannot be passed to a 32-bit guest (\`${this.#allocatorName}\`)`,
        { export: this.#allocatorName, len });
    }
    // An i32 result arrives signed: a pointer at 2 GiB or above is negative.
    const ptr = callGuest(this.#allocatorName, this.#allocate, len) >>> 0;
    if (ptr === 0 && len > 0) {
      throw new WasmMemoryError(ErrorKind.AllocationFailed,
        `\`${this.#allocatorName}\` could not allocate ${len} bytes (it returned 0)`,
        { export: this.#allocatorName, len });
    }
    // Not memory the guest has, so nothing to give back: a free of a range
    // outside memory is what a host must never make (the property test
    // against the liar found this module doing it, for an empty input).
    checkRange(this.#memory, ptr, len, MAX_U32, allocatedBy(this.#allocatorName));
    // An allocator that hands out bytes the host holds is refused before
    // they are written over (and before two buffers free the same bytes).
    this.#refuseOverlap(this.#allocatorName, 'handed out', ptr, len);
    // A fresh view: the allocator may have grown the memory.
    new Uint8Array(this.#memory.buffer, ptr, len).set(bytes);
    return ptr;
  }

  /** A new buffer the host holds: its record stays until it is released. */
  #hold(ptr, len, exportName) {
    const buffer = new GuestBuffer(ptr, len, exportName);
    const record = { guest: this, ptr, len, export: exportName };
    if (this.#forgotten === undefined) {
      record.buffer = buffer;
    } else {
      // A WeakRef keeps its target until the current job ends: a
      // synchronous loop frees nothing before it returns.
      record.weak = new WeakRef(buffer);
      this.#forgotten.register(buffer, record, record);
    }
    this.#held.add(record);
    records.set(buffer, record);
    return buffer;
  }

  /** Releases a held record, whether or not its handle is still alive. */
  #releaseRecord(record) {
    this.#held.delete(record);
    this.#forgotten?.unregister(record);
    const buffer = record.buffer ?? record.weak.deref();
    if (buffer !== undefined) this.#released.add(buffer);
    callGuest(this.#deallocatorName, this.#deallocate, record.ptr, record.len);
  }

  /** The last resort: a handle was collected while the host still held its bytes. */
  #releaseForgotten(record) {
    if (!this.#held.has(record)) return;
    const copy = new GuestBuffer(record.ptr, record.len, record.export);
    let outcome = 'it was given back then';
    try {
      this.#releaseRecord(record);
    } catch (error) {
      outcome = `giving it back failed: ${error.message}`;
    }
    this.#onForgotten(`the buffer of ${describe(copy)} was never released: its handle was garbage-collected, and ${outcome}`, copy);
  }

  /** Throws OverlapsHeldBuffer if `len` bytes at `ptr` share a byte with a buffer the host holds. */
  #refuseOverlap(exportName, verb, ptr, len) {
    for (const record of this.#held) {
      if (ptr < record.ptr + record.len && record.ptr < ptr + len) {
        const held = handleOf(record);
        throw new WasmMemoryError(ErrorKind.OverlapsHeldBuffer,
          `\`${exportName}\` ${verb} ${len} bytes at ${hex(ptr)}, which overlap a buffer the host already holds (${describe(held)})`,
          { export: exportName, ptr, len, memorySize: this.#memory.buffer.byteLength, held });
      }
    }
  }

  /** Throws unless the host holds `buffer`, from this guest. */
  #check(buffer) {
    if (this.#held.has(records.get(buffer))) return;
    if (this.#released.has(buffer)) {
      throw new WasmMemoryError(ErrorKind.AlreadyReleased, `the buffer of ${describe(buffer)} was already released`,
        { export: buffer.export, ptr: buffer.ptr, len: buffer.len });
    }
    throw new WasmMemoryError(ErrorKind.ForeignBuffer,
      `the buffer of ${describe(buffer)} belongs to another guest, or to none: this one did not hand it out and cannot free it`,
      { export: buffer.export, ptr: buffer.ptr, len: buffer.len });
  }
}

/**
 * The buffer of a held record, or, if the garbage collector took it and
 * the registry has not yet given it back, a copy of its fields (which
 * cannot be released: the registry will).
 */
function handleOf(record) {
  return record.buffer ?? record.weak.deref() ?? new GuestBuffer(record.ptr, record.len, record.export);
}

/**
 * Runs `body`, then releases `buffer` whatever happened. If both throw,
 * the body's error is the one reported: it is what went wrong first.
 */
function thenRelease(guest, buffer, body) {
  let result;
  try {
    result = body();
  } catch (error) {
    try {
      guest.release(buffer);
    } catch { /* reported: the body's error */ }
    throw error;
  }
  guest.release(buffer);
  return result;
}

/**
 * Calls `fn` with `args` and takes the buffer its packed result names:
 * checked to lie inside memory, then against the cap, then adopted (which
 * refuses a range the host holds). A result past the cap is refused and not
 * freed: its "length" may be a heap address (a packing order mixed up), and
 * freeing it could corrupt the guest's heap.
 */
function takeResult(guest, name, fn, signature, args) {
  const packed = callGuest(name, fn, ...args);
  if (typeof packed !== 'bigint') { // an i64 arrives as a BigInt, an i32 as a number
    throw wrongSignature(name, signature, 'the host', `it returned a ${typeof packed}, not the BigInt of an i64`);
  }
  const { ptr, len } = unpackPtrLen(packed, guest.convention.order);
  checkRange(guest.memory, ptr, len, MAX_U32, returnedBy(name));
  checkRange(guest.memory, ptr, len, guest.convention.maxLen, returnedBy(name));
  return guest.adopt(name, ptr, len);
}

/** An export taking numbers and returning a packed `(ptr, len)`; made by `guest.outputExport(name, params)`. */
class OutputExport {
  #guest;
  #name;
  #fn;
  #signature;

  constructor(guest, name, fn, signature) {
    this.#guest = guest;
    this.#name = name;
    this.#fn = fn;
    this.#signature = signature;
  }

  /** The export's name. */
  get name() {
    return this.#name;
  }

  /** Calls it and returns a copy of the bytes it returns, which are released. */
  call(...args) {
    const result = this.callBuffer(...args);
    return thenRelease(this.#guest, result, () => this.#guest.read(result));
  }

  /** Like call; the bytes must be UTF-8. */
  callString(...args) {
    const result = this.callBuffer(...args);
    return thenRelease(this.#guest, result, () => this.#guest.readString(result));
  }

  /** Calls it and returns the buffer it hands back, held: read it, then release it. */
  callBuffer(...args) {
    return takeResult(this.#guest, this.#name, this.#fn, this.#signature, args);
  }
}

/** An export taking `(ptr, len)` and returning a packed `(ptr, len)`; made by `guest.export(name)`. */
class GuestExport {
  #guest;
  #name;
  #fn;

  constructor(guest, name, fn) {
    this.#guest = guest;
    this.#name = name;
    this.#fn = fn;
  }

  /** The export's name. */
  get name() {
    return this.#name;
  }

  /** Passes `input` (bytes, or a string as UTF-8) and returns a copy of the bytes the export returns. */
  callBytes(input) {
    return this.#call(input, (result) => this.#guest.read(result));
  }

  /** Like callBytes, with a string result; it must be UTF-8. */
  callString(input) {
    return this.#call(input, (result) => this.#guest.readString(result));
  }

  // ANCHOR: call
  /**
   * The round trip: the input is copied in, the export called, the result
   * adopted and read, and both buffers are released whatever happens; the
   * first error is the one reported. A result outside memory is refused
   * by `adopt` and is not released: it is no buffer the guest allocated.
   */
  #call(input, read) {
    const guest = this.#guest;
    const argument = guest.copyIn(input);
    return thenRelease(guest, argument, () => {
      const result = takeResult(guest, this.#name, this.#fn, EXPORT, [argument.ptr, argument.len]);
      return thenRelease(guest, result, () => read(result));
    });
  }
  // ANCHOR_END: call
}
