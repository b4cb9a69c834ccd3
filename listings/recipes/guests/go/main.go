// A Go guest that greets its host: a WASI reactor exporting memory,
// allocate, deallocate and greet. Build it with build.sh.
//
// The host owns every buffer it is handed: the name it writes into a buffer
// from allocate, and the greeting greet returns. It gives each back with
// deallocate(ptr, len). Until then the guest must keep the buffer alive.
package main

import "unsafe"

// kept holds every buffer handed to the host, keyed by its address in
// linear memory, until the host calls deallocate.
//
// Why: the host holds only a number. Go's garbage collector does not see
// numbers held outside the module, so once an export returns nothing would
// refer to the buffer, and the next collection could reuse its memory while
// the host still reads or writes it (TinyGo issue #2787). Being in this map
// keeps it reachable. Go's collector does not move heap objects, so the
// address stays valid for as long as the buffer is kept.
//
// The book's package example.com/wasm-memory-book/go/keepalive keeps
// buffers the same way: keepalive.Release(ptr, size) would replace the body
// of deallocate, keepalive.Allocate(size) that of allocate, and in greet,
// keepalive.Input(ptr, len) reads the name and keepalive.Pack(buf) keeps
// and packs the greeting.
//
// No lock: a wasm guest runs on one thread, one export at a time.
var kept = map[uint32][]byte{}

// keep makes a zeroed buffer of size bytes, keeps it, and returns its
// address. Its capacity is rounded up to a multiple of 8, at least 8: Go
// packs buffers of under 16 bytes together, aligned only as their size
// needs, and gives every empty one the same address. Rounded, a buffer is
// aligned to 8, as the convention asks, and has an address of its own.
func keep(size uint32) (uint32, []byte) {
	buf := make([]byte, size, max(8, (int(size)+7)&^7))
	// Addresses fit in 32 bits on wasm, though uintptr has 64.
	ptr := uint32(uintptr(unsafe.Pointer(unsafe.SliceData(buf))))
	kept[ptr] = buf
	return ptr, buf
}

// allocate returns the address of size fresh bytes for the host to write
// into. The host frees them with deallocate(ptr, size).
//
//go:wasmexport allocate
func allocate(size uint32) uint32 {
	ptr, _ := keep(size)
	return ptr
}

// deallocate forgets a buffer that allocate or greet handed out: after it,
// the collector may reuse the memory. A pointer that is not kept (freed
// twice, or never handed out) or a wrong size is a bug in the host: the
// panic traps, and the host's call fails.
//
//go:wasmexport deallocate
func deallocate(ptr, size uint32) {
	buf, ok := kept[ptr]
	if !ok || len(buf) != int(size) {
		panic("deallocate: no buffer of that size is kept at that address")
	}
	delete(kept, ptr)
}

// greet reads the name the host wrote at ptr and returns "Hello, <name>!"
// in a buffer of its own, packed as (len << 32) | ptr: the pointer in the
// low 32 bits, the length in the high 32. The name stays the host's to
// free; the greeting becomes the host's to free.
//
//go:wasmexport greet
func greet(ptr, length uint32) uint64 {
	// The name is read through the map, not by turning a number back into a
	// pointer: only a buffer from allocate is accepted.
	name, ok := kept[ptr]
	if !ok || int(length) > len(name) {
		panic("greet: the name is not in a buffer from allocate")
	}
	name = name[:length]

	out, buf := keep(uint32(len("Hello, ") + len(name) + len("!")))
	n := copy(buf, "Hello, ")
	n += copy(buf[n:], name)
	buf[n] = '!'
	return uint64(len(buf))<<32 | uint64(out)
}

// main is never called: built with -buildmode=c-shared, the module exports
// _initialize (which runs package initialization) instead of _start.
func main() {}
