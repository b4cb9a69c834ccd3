// An AssemblyScript guest that hands the host a managed object, with the
// incremental garbage collector (`--runtime incremental --exportRuntime`).

let calls = 0;

// ANCHOR: greet
/// Builds a greeting and returns it. The host receives the address of an
/// `ArrayBuffer`: its bytes start there, and its length is the 32-bit
/// `rtSize` field 4 bytes before. Nothing in the guest refers to the buffer
/// after the call.
export function greet(words: i32): ArrayBuffer {
  calls++;
  let text = "call " + calls.toString() + ":";
  for (let i = 0; i < words; i++) text += " hello";
  return String.UTF8.encode(text);
}
// ANCHOR_END: greet

// ANCHOR: churn
/// Allocates `total` bytes of garbage, `chunk` bytes at a time, the way a
/// busy guest would between two calls.
export function churn(total: i32, chunk: i32): void {
  for (let done = 0; done < total; done += chunk) {
    const garbage = new ArrayBuffer(chunk);
    memory.fill(changetype<usize>(garbage), 0x23, chunk); // '#'
  }
}
// ANCHOR_END: churn
