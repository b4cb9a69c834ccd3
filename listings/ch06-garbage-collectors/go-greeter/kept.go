package main

import "example.com/wasm-memory-book/go/keepalive"

// ANCHOR: greet_kept
// greet_kept returns a fresh greeting that stays alive until the host calls
// deallocate(ptr, len) with the pointer and length it received.
//
//go:wasmexport greet_kept
func greetKept(words uint32) uint64 {
	return keepalive.Pack([]byte(greetingText(words)))
}

// ANCHOR_END: greet_kept

// ANCHOR: exports
// allocate returns a buffer of size bytes for the host to write into; it
// stays alive until the host calls deallocate(ptr, size).
//
//go:wasmexport allocate
func allocate(size uint32) uint32 {
	return uint32(keepalive.Allocate(size))
}

// deallocate hands back a buffer from allocate or greet_kept, with the size
// the host was given. A pointer that is not kept, or a wrong size, panics:
// the host gets a trap and the message on stderr.
//
//go:wasmexport deallocate
func deallocate(ptr, size uint32) {
	if err := keepalive.Release(uintptr(ptr), size); err != nil {
		panic(err)
	}
}

// live reports how many buffers the host has not handed back yet.
//
//go:wasmexport live
func live() uint32 {
	return uint32(keepalive.Live())
}

// ANCHOR_END: exports
