package main

import (
	"example.com/wasm-memory-book/go/keepalive"
	// Exports allocate, deallocate and live (Listing 7-2).
	_ "example.com/wasm-memory-book/go/keepalive/exports"
)

// ANCHOR: greet_kept
// greet_kept returns a fresh greeting that stays alive until the host calls
// deallocate(ptr, len) with the pointer and length it received.
//
//go:wasmexport greet_kept
func greetKept(words uint32) uint64 {
	return keepalive.Pack([]byte(greetingText(words)))
}

// ANCHOR_END: greet_kept
