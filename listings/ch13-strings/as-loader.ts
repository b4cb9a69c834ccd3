// What the AssemblyScript loader (@assemblyscript/loader) and the bindings
// asc generates work with: strings and arrays that cross as pointers to
// managed objects, and an object whose members the collector must see.

// ANCHOR: ids
/// The class id of `Array<i32>`: the loader's `__newArray` needs it to make
/// one in the guest's memory.
export const ARRAY_I32_ID = idof<Array<i32>>();
// ANCHOR_END: ids

// ANCHOR: motto
/// A string out. The host receives the address of a managed string (class
/// id 2), which nothing in the guest refers to once the call returns.
export function motto(): string {
  return "Strings cross as pointers";
}

/// A string in and a string out: the host passes the address of a string
/// it created in the guest's memory.
export function exclaim(text: string): string {
  return text + "!";
}
// ANCHOR_END: motto

// ANCHOR: foo
/// The function of AssemblyScript#860: reads an element, returns the array.
/// Its parameter is the address of an `Array<i32>` in the guest's memory.
export function foo(data: Array<i32>): Array<i32> {
  for (let i = 0; i < 1; i++) {
    data[i];
  }
  return data;
}

/// The same without reading an element: it returns what it was given.
export function passThrough(data: Array<i32>): Array<i32> {
  return data;
}

/// Every element doubled, in a new array.
export function doubled(values: Array<i32>): Array<i32> {
  return values.map<i32>((value: i32) => value * 2);
}
// ANCHOR_END: foo

// ANCHOR: holder
/// An object with a member, as in AssemblyScript#1646: the host holds the
/// `Holder`; the `Nested` is reachable only through it.
class Nested {
  field: i32 = 123456;
}

class Holder {
  nested: Nested = new Nested();
}

export function newHolder(): Holder {
  return new Holder();
}

/// What the host's `Holder` says: 123456, unless its `Nested` was collected.
export function fieldOf(holder: Holder): i32 {
  return holder.nested.field;
}

/// Allocates `count` objects of `Nested`'s size, which nothing keeps: they
/// take the blocks of whatever the collector freed.
export function churn(count: i32): void {
  for (let i = 0; i < count; i++) {
    const garbage = new Nested();
    garbage.field = i;
  }
}
// ANCHOR_END: holder
