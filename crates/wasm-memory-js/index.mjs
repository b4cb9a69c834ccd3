// The host side of sharing memory with wasm guests, for JavaScript hosts.
//
// The rules this module follows, from the book's chapter on JavaScript hosts:
// - take a fresh view of memory for every access: `memory.grow` (even by 0
//   pages) detaches the old ArrayBuffer, and views of it read as empty;
// - an exported function returning `i64` returns a BigInt: unpack it with
//   BigInt arithmetic, then convert each half with Number();
// - check every (ptr, len) against the memory's current size, and cap the
//   length, before copying anything;
// - free in `finally`, so that a guest that throws (traps) does not leak.

/** Pointer in the low 32 bits, length in the high 32 bits: the book's order. */
export const POINTER_LOW = 'pointer-low';
/** Pointer in the high 32 bits, length in the low 32 bits: wazero's examples. */
export const POINTER_HIGH = 'pointer-high';

/** The most bytes read out of one result unless told otherwise: 16 MiB. */
export const DEFAULT_MAX_LEN = 16 * 1024 * 1024;

/** A (ptr, len) from the guest that the host refuses, and why. */
export class GuestMemoryError extends Error {
  constructor(message, { ptr, len, memorySize }) {
    super(message);
    this.name = 'GuestMemoryError';
    this.ptr = ptr;
    this.len = len;
    this.memorySize = memorySize;
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

/** Packs a pointer and a length into the BigInt an `i64` parameter takes. */
export function packPtrLen(ptr, len, order = POINTER_LOW) {
  const [low, high] = order === POINTER_LOW ? [ptr, len] : [len, ptr];
  return (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0);
}

// ANCHOR: copy
/**
 * Copies `len` bytes at `ptr` out of `memory`, after checking that they lie
 * inside it and that `len` is at most `maxLen`. The view is made here, from
 * `memory.buffer` as it is now, and dropped: nothing keeps a view that a
 * later `memory.grow` would detach.
 */
export function copyOut(memory, ptr, len, maxLen = DEFAULT_MAX_LEN) {
  const memorySize = memory.buffer.byteLength;
  if (len > maxLen) {
    throw new GuestMemoryError(
      `guest returned ${len} bytes at ${hex(ptr)}, more than the ${maxLen} bytes the host accepts`,
      { ptr, len, memorySize },
    );
  }
  if (ptr + len > memorySize) { // Numbers: exact up to 2^53, no wrapping
    throw new GuestMemoryError(
      `guest returned ${len} bytes at ${hex(ptr)}, ending at ${hex(ptr + len)}, past the end of its ${memorySize}-byte memory`,
      { ptr, len, memorySize },
    );
  }
  return new Uint8Array(memory.buffer, ptr, len).slice(); // a copy
}
// ANCHOR_END: copy

/** Like copyOut, decoded as UTF-8; bytes that are not UTF-8 throw. */
export function readString(memory, ptr, len, maxLen = DEFAULT_MAX_LEN) {
  const bytes = copyOut(memory, ptr, len, maxLen);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new GuestMemoryError(`guest returned ${len} bytes at ${hex(ptr)} that are not UTF-8`, {
      ptr, len, memorySize: memory.buffer.byteLength,
    });
  }
}

// ANCHOR: call
/**
 * Passes `input` (bytes, or a string sent as UTF-8) to the export `name`,
 * which takes `(ptr, len)` and returns a packed `(ptr, len)`, and returns a
 * copy of the result. Uses the guest's `allocate(size)` and
 * `deallocate(ptr, size)`, and frees both buffers even when something
 * throws; the first error is the one reported.
 */
export function callWithBytes(exports, name, input, { order = POINTER_LOW, maxLen = DEFAULT_MAX_LEN } = {}) {
  const bytes = typeof input === 'string' ? new TextEncoder().encode(input) : input;
  const inPtr = exports.allocate(bytes.length);
  if (inPtr === 0 && bytes.length > 0) {
    throw new Error(`allocate(${bytes.length}) failed: the guest returned 0`);
  }
  let failure = null;
  let result;
  const free = (ptr, len) => {
    try {
      exports.deallocate(ptr, len);
    } catch (error) {
      failure ??= error;
    }
  };
  try {
    // A fresh view: `allocate` may have grown the memory.
    new Uint8Array(exports.memory.buffer, inPtr, bytes.length).set(bytes);
    const { ptr, len } = unpackPtrLen(exports[name](inPtr, bytes.length), order);
    try {
      result = copyOut(exports.memory, ptr, len, maxLen);
    } catch (error) {
      failure = error;
    }
    // A range outside memory is no buffer the guest allocated: not freed.
    if (ptr + len <= exports.memory.buffer.byteLength) free(ptr, len);
  } catch (error) {
    failure ??= error;
  }
  free(inPtr, bytes.length);
  if (failure) throw failure;
  return result;
}
// ANCHOR_END: call

/** Like callWithBytes, with a string result; it must be UTF-8. */
export function callWithString(exports, name, input, options = {}) {
  const bytes = callWithBytes(exports, name, input, options);
  return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
}
