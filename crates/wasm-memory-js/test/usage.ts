// The declarations as a reader's TypeScript uses them, type-checked by
// `npm run typecheck` (tsc, strict, no output) and never run. Each
// `@ts-expect-error` is a misuse the types must refuse: if one compiled,
// tsc would report the unused directive.
import {
  Convention, DEFAULT_MAX_LEN, ErrorKind, Guest, GuestBuffer, POINTER_HIGH, POINTER_LOW, Reason, WasmMemoryError,
  copyOut, packPtrLen, readString, unpackPtrLen,
  type Allocator, type ConventionOptions, type GuestExport, type Input, type OutputExport, type PackingOrder, type PtrLen,
} from 'wasm-memory-js';

export async function roundTrip(bytes: BufferSource): Promise<string> {
  const { instance } = await WebAssembly.instantiate(bytes);
  const guest = new Guest(instance, Convention.allocateDeallocatePacked());
  const greet: GuestExport = guest.export('greet');
  const greeting: string = greet.callString('Ferris');
  const raw: Uint8Array = greet.callBytes(new Uint8Array([0x41]));
  const version: OutputExport = guest.outputExport('version');
  const held: GuestBuffer = version.callBuffer();
  const text: string = guest.readString(held) + guest.read(held).length + version.call().length + version.callString();
  guest.release(held);
  guest.checkLeaks();
  // Its exports alone, and a convention's fields alone, do as well.
  const withMalloc = new Guest(instance.exports, { allocator: { malloc: 'malloc', free: 'free' } });
  // @ts-expect-error: a field a convention does not have
  new Guest(instance, { maxlen: 4 });
  return `${greeting} ${raw.length} ${text} ${withMalloc.export('greet').callString('C')}`;
}

export function conventions(): Convention[] {
  const allocator: Allocator = { malloc: 'malloc', free: 'free' };
  const order: PackingOrder = POINTER_HIGH;
  const options: ConventionOptions = { allocator, order, maxLen: DEFAULT_MAX_LEN, memory: 'memory' };
  const made = [new Convention(options), new Convention(), new Convention({ order: POINTER_LOW })];
  const convention: Convention = made[0];
  const field: PackingOrder = convention.order;
  void field;
  // @ts-expect-error: an allocator is { allocate, deallocate } or { malloc, free }, not a mix
  made.push(new Convention({ allocator: { allocate: 'malloc', free: 'free' } }));
  // @ts-expect-error: no such packing order
  made.push(new Convention({ order: 'little-endian' }));
  // @ts-expect-error: a field a convention does not have (maxLen is spelled so)
  made.push(new Convention({ maxlen: 16 }));
  // @ts-expect-error: the old name of allocateDeallocatePacked is gone
  made.push(Convention.book());
  // @ts-expect-error: a convention is frozen
  convention.maxLen = 4;
  return made;
}

export function buffers(guest: Guest, input: Input): PtrLen {
  const buffer = guest.copyIn(input);
  const where: number = buffer.ptr + buffer.len;
  const from: string | undefined = buffer.export;
  guest.write(buffer, 'abc');
  guest.release(buffer);
  const outstanding: GuestBuffer[] = guest.outstanding();
  const memory: WebAssembly.Memory = guest.memory;
  void [where, from, outstanding, memory];
  // @ts-expect-error: bytes are a string or a Uint8Array, not an array of numbers
  guest.copyIn([1, 2, 3]);
  // @ts-expect-error: release takes a buffer the guest handed out, not a pointer
  guest.release(buffer.ptr);
  // @ts-expect-error: a GuestBuffer is read-only
  buffer.len = 1;
  // @ts-expect-error: the memory is the guest's, not to be replaced
  guest.memory = new WebAssembly.Memory({ initial: 1 });
  return guest.handOver(input);
}

/** Buffers and a guest given back by `using`, and the last resort reported. */
export function disposal(instance: WebAssembly.Instance, input: Input): number {
  using guest = new Guest(instance, undefined, { onForgotten: (message: string, buffer: GuestBuffer) => console.warn(message, buffer.ptr) });
  using buffer = guest.copyIn(input);
  // @ts-expect-error: onForgotten is a function, not a switch
  void new Guest(instance, undefined, { onForgotten: true });
  return guest.read(buffer).length;
}

/** An import that reads the (ptr, len) its guest passes: i32 parameters arrive as Numbers. */
export function logImport(guest: () => Guest, log: string[]): (ptr: number, len: number) => void {
  return (ptr, len) => {
    log.push(guest().readArgumentString('log', ptr, len), String(guest().readArgument('log', ptr, len).length));
  };
}

export function bigInts(memory: WebAssembly.Memory, packed: bigint): string {
  const { ptr, len }: PtrLen = unpackPtrLen(packed, POINTER_LOW);
  const again: bigint = packPtrLen(ptr, len);
  const bytes: Uint8Array = copyOut(memory, ptr, len, 64);
  // memory64 hands over BigInts: both are BigInts.
  const wide: string = readString(memory, 16n, 8n);
  // @ts-expect-error: a BigInt pointer with a Number length is refused
  copyOut(memory, 16n, 8);
  // @ts-expect-error: unpacking takes the BigInt of an i64, not a Number
  unpackPtrLen(0x10);
  // @ts-expect-error: packing returns a BigInt, not a Number
  const asNumber: number = packPtrLen(ptr, len);
  void [again, bytes, asNumber];
  return wide;
}

/** What a host does with an error: its kind and reason are unions of string literals. */
export function describeError(error: unknown): string {
  if (!(error instanceof WasmMemoryError)) throw error;
  const kind: ErrorKind = error.kind;
  switch (kind) {
    case ErrorKind.BadResult:
    case ErrorKind.BadArgument:
    case ErrorKind.BadAllocation: {
      const reason: Reason | undefined = error.reason;
      const at: number | bigint | undefined = error.ptr;
      return `${kind} ${reason === Reason.OutOfBounds ? 'outside memory' : reason} at ${at} of ${error.memorySize}`;
    }
    case ErrorKind.Leaks:
      return `${error.leaks?.length} buffers`;
    case ErrorKind.Call:
      return `${error.export}: ${String(error.cause)}`;
    default: {
      // @ts-expect-error: no such kind
      const unknown: ErrorKind = 'Trap';
      return `${kind} ${unknown} ${error.message}`;
    }
  }
}

export function kindsAreLiterals(): void {
  const missing: 'MissingExport' = ErrorKind.MissingExport;
  const tooLong: 'TooLong' = Reason.TooLong;
  // @ts-expect-error: the kinds are frozen
  ErrorKind.Call = 'Trap';
  void [missing, tooLong, new WasmMemoryError(ErrorKind.Leaks, 'none', { leaks: [] })];
}
