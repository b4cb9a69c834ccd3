// The types of index.mjs. `test/declarations.test.mjs` checks that this
// file declares every value index.mjs exports, and nothing it does not;
// `test/usage.ts` uses them as a reader would (`npm test` checks it with
// tsc). They use the global `WebAssembly` types of TypeScript's `dom` lib
// (or `@types/node`).

/** Pointer in the low 32 bits, length in the high 32 bits: `(len << 32) | ptr`. */
export declare const POINTER_LOW: 'pointer-low';
/** Pointer in the high 32 bits, length in the low 32 bits: `(ptr << 32) | len`, as in wazero's examples. */
export declare const POINTER_HIGH: 'pointer-high';
/** How an export packs the `(ptr, len)` it returns into one `i64`. */
export type PackingOrder = typeof POINTER_LOW | typeof POINTER_HIGH;

/** The most bytes read out of one result unless told otherwise: 16 MiB. */
export declare const DEFAULT_MAX_LEN: number;

/** The kinds of WasmMemoryError: the variant names of the Rust crate's `Error`. */
export declare const ErrorKind: Readonly<{
  /** The guest does not export what the convention or the host needs. */
  MissingExport: 'MissingExport';
  /** An export takes other parameters, or returns another type, than expected. */
  WrongSignature: 'WrongSignature';
  /** A convention that contradicts itself. */
  InvalidConvention: 'InvalidConvention';
  /** Bytes too many for a 32-bit guest. */
  InputTooLarge: 'InputTooLarge';
  /** Bytes too many for the held buffer they are written into. */
  DoesNotFit: 'DoesNotFit';
  /** The guest's allocator returned 0 for a non-empty request. */
  AllocationFailed: 'AllocationFailed';
  /** The guest's allocator returned a buffer outside its memory. */
  BadAllocation: 'BadAllocation';
  /** A (ptr, len) an export returned is refused; `reason` says why. */
  BadResult: 'BadResult';
  /** A (ptr, len) the guest passed to an import is refused; `reason` says why. */
  BadArgument: 'BadArgument';
  /** A call into the guest threw (a trap, or an import that threw): `cause`. */
  Call: 'Call';
  /** A buffer given to a guest that did not hand it out. */
  ForeignBuffer: 'ForeignBuffer';
  /** A buffer used after it was released. */
  AlreadyReleased: 'AlreadyReleased';
  /** A buffer adopted over one the host already holds. */
  OverlapsHeldBuffer: 'OverlapsHeldBuffer';
  /** Buffers the host holds and has not released: `leaks`. */
  Leaks: 'Leaks';
}>;
/** One of the kinds of ErrorKind, such as `'BadResult'`. */
export type ErrorKind = (typeof ErrorKind)[keyof typeof ErrorKind];

/** Why a (ptr, len) is refused: the `reason` of BadResult, BadArgument and BadAllocation. */
export declare const Reason: Readonly<{
  /** Longer than the convention's `maxLen`. */
  TooLong: 'TooLong';
  /** `ptr + len` is past the largest address (2^32, or 2^64 for BigInts). */
  Overflow: 'Overflow';
  /** It ends past the end of the memory. */
  OutOfBounds: 'OutOfBounds';
  /** A string that is not UTF-8. */
  NotUtf8: 'NotUtf8';
}>;
/** One of the reasons of Reason, such as `'OutOfBounds'`. */
export type Reason = (typeof Reason)[keyof typeof Reason];

/** What a WasmMemoryError knows besides its kind and message; each field is set where it applies. */
export interface WasmMemoryErrorFields {
  /** The export involved: the allocator, an export that returned a range, an export that is missing. */
  export?: string;
  /** The import the guest passed a refused range to (BadArgument). */
  import?: string;
  /** Why a range is refused (BadResult, BadArgument, BadAllocation). */
  reason?: Reason;
  /** The pointer refused: a BigInt when a 64-bit memory's BigInts were checked. */
  ptr?: number | bigint;
  /** The length refused, or of the input: a BigInt when a 64-bit memory's BigInts were checked. */
  len?: number | bigint;
  /** The memory's size in bytes when the range was refused. */
  memorySize?: number;
  /** The length of the held buffer that an input does not fit in (DoesNotFit). */
  capacity?: number;
  /** The held buffer that a range overlaps (OverlapsHeldBuffer). */
  held?: GuestBuffer;
  /** The buffers not released (Leaks). */
  leaks?: GuestBuffer[];
  /** What a call into the guest threw (Call). */
  cause?: unknown;
}

/** Everything this module refuses: `kind` says what went wrong, the other fields what the host knew. */
export declare class WasmMemoryError extends Error {
  constructor(kind: ErrorKind, message: string, fields?: WasmMemoryErrorFields);
  name: 'WasmMemoryError';
  kind: ErrorKind;
}
// The class has the fields too (declaration merging).
export declare interface WasmMemoryError extends WasmMemoryErrorFields {}

/** A pointer and a length, such as a packed `i64` holds. */
export interface PtrLen {
  readonly ptr: number;
  readonly len: number;
}

/** Splits an `i64` result (a BigInt, signed or not) into a pointer and a length. */
export declare function unpackPtrLen(packed: bigint, order?: PackingOrder): PtrLen;

/** Packs a pointer and a length into the BigInt an `i64` parameter or result takes (unsigned). */
export declare function packPtrLen(ptr: number, len: number, order?: PackingOrder): bigint;

/**
 * A copy of `len` bytes at `ptr` of `memory`, after checking that they lie
 * inside it and that `len` is at most `maxLen` (default DEFAULT_MAX_LEN).
 * Numbers for a 32-bit memory; BigInts, both of them, as a 64-bit memory
 * (memory64) hands them over.
 */
export declare function copyOut(memory: WebAssembly.Memory, ptr: number, len: number, maxLen?: number): Uint8Array;
export declare function copyOut(memory: WebAssembly.Memory, ptr: bigint, len: bigint, maxLen?: number): Uint8Array;

/** Like copyOut, decoded as UTF-8; bytes that are not UTF-8 are refused. */
export declare function readString(memory: WebAssembly.Memory, ptr: number, len: number, maxLen?: number): string;
export declare function readString(memory: WebAssembly.Memory, ptr: bigint, len: bigint, maxLen?: number): string;

/** `allocate(size) -> ptr` and `deallocate(ptr, size)`: export names. */
export interface AllocateDeallocate {
  readonly allocate: string;
  readonly deallocate: string;
}

/** `malloc(size) -> ptr` and `free(ptr)`: export names. */
export interface MallocFree {
  readonly malloc: string;
  readonly free: string;
}

/** The guest's allocator, by its export names. */
export type Allocator = AllocateDeallocate | MallocFree;

/** The fields of a Convention; each omitted one is that of `Convention.allocateDeallocatePacked()`. */
export interface ConventionOptions {
  /** Default `{ allocate: 'allocate', deallocate: 'deallocate' }`. */
  allocator?: Allocator;
  /** How exports pack their (ptr, len) results; default POINTER_LOW. */
  order?: PackingOrder;
  /** The most bytes copied out of one result, an integer from 0 to 2^32 - 1; default DEFAULT_MAX_LEN. */
  maxLen?: number;
  /** The exported memory's name; default `'memory'`. */
  memory?: string;
}

/** Everything the host must know about a guest's conventions, checked when it is made (InvalidConvention), and frozen. */
export declare class Convention {
  constructor(options?: ConventionOptions);
  readonly allocator: Allocator;
  readonly order: PackingOrder;
  readonly maxLen: number;
  readonly memory: string;
  /** `allocate(size) -> ptr` and `deallocate(ptr, size)`, results packed pointer-low, a memory named `memory`, the default `maxLen`. */
  static allocateDeallocatePacked(): Convention;
}

/** What a Guest takes for bytes: a string is passed as its UTF-8 bytes. */
export type Input = string | Uint8Array;

/** A buffer in guest memory that the host holds; give it back with `guest.release(buffer)` or `using`. Frozen. */
export declare class GuestBuffer implements Disposable {
  constructor(ptr: number, len: number, exportName?: string);
  readonly ptr: number;
  readonly len: number;
  /** The allocator that made it, or the export that returned it. */
  readonly export: string | undefined;
  /** Releases the buffer unless it was released already: what `using` calls at the end of its block. */
  [Symbol.dispose](): void;
}

/** What a Guest is told besides its convention. */
export interface GuestOptions {
  /**
   * If given, the guest holds its buffers weakly and, as a last resort,
   * gives back one whose handle was garbage-collected, then calls this
   * with a message naming it.
   */
  onForgotten?: (message: string, buffer: GuestBuffer) => void;
}

/** A handle on an export taking `(ptr, len)` and returning a packed `(ptr, len)`: `guest.export(name)`. */
export interface GuestExport {
  get name(): string;
  /** Passes `input` and returns a copy of the bytes the export returns; both buffers are released. */
  callBytes(input: Input): Uint8Array;
  /** Like callBytes, with a string result; it must be UTF-8. */
  callString(input: Input): string;
}

/** A handle on an export taking `i32` numbers and returning a packed `(ptr, len)`: `guest.outputExport(name, params)`. */
export interface OutputExport {
  get name(): string;
  /** Calls it and returns a copy of the bytes it returns, which are released. */
  call(...args: number[]): Uint8Array;
  /** Like call; the bytes must be UTF-8. */
  callString(...args: number[]): string;
  /** Calls it and returns the buffer it hands back, held: read it, then release it. */
  callBuffer(...args: number[]): GuestBuffer;
}

/** An instance and the conventions it follows for sharing memory; it remembers every buffer the host holds. */
export declare class Guest implements Disposable {
  /** Resolves and checks the memory and the allocator once (MissingExport, WrongSignature). */
  constructor(instance: WebAssembly.Instance | WebAssembly.Exports, convention?: Convention | ConventionOptions, options?: GuestOptions);
  /** The guest's memory. */
  get memory(): WebAssembly.Memory;
  /** The conventions this guest follows. */
  get convention(): Convention;
  /** A handle on the export `name`, `(i32, i32) -> i64`: resolved and checked once. */
  export(name: string): GuestExport;
  /** A handle on the export `name`, which takes `params` `i32`s (default 0) and returns an `i64`. */
  outputExport(name: string, params?: number): OutputExport;
  /** Allocates a buffer in the guest and copies `input` into it; the host holds it. */
  copyIn(input: Input): GuestBuffer;
  /** Takes on a buffer the export `exportName` handed over, inside memory and over no buffer the host holds. */
  adopt(exportName: string, ptr: number, len: number): GuestBuffer;
  /** Copies `input` to the start of a buffer the host holds (DoesNotFit if it is longer). */
  write(buffer: GuestBuffer, input: Input): void;
  /** A copy of the buffer's bytes, at most the convention's `maxLen`. */
  read(buffer: GuestBuffer): Uint8Array;
  /** The buffer's bytes as a string: at most `maxLen` of them, and UTF-8. */
  readString(buffer: GuestBuffer): string;
  /** Gives a buffer back to the guest, with its deallocator; only once, and only to this guest. */
  release(buffer: GuestBuffer): void;
  /** Releases every buffer the host still holds: what `using guest = ...` does at the end of its block. */
  [Symbol.dispose](): void;
  /** Every buffer the host holds and has not released. */
  outstanding(): GuestBuffer[];
  /** Throws a Leaks error, naming each buffer, if the host holds any. */
  checkLeaks(): void;
  /** For an import: a copy of the `(ptr, len)` the guest passed, as the `i32` parameters arrive (signed). */
  readArgument(importName: string, ptr: number, len: number): Uint8Array;
  /** Like readArgument, decoded as UTF-8. */
  readArgumentString(importName: string, ptr: number, len: number): string;
  /** For an import that answers with bytes: a buffer allocated in the guest, holding `input`, which is the guest's to free. */
  handOver(input: Input): PtrLen;
}
