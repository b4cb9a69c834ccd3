// Package exports exports the keepalive pattern's functions from a wasm
// guest. Import it for its side effect:
//
//	import _ "example.com/wasm-memory-book/go/keepalive/exports"
//
// and the guest exports allocate, deallocate and live, built on package
// keepalive.
package exports

import "example.com/wasm-memory-book/go/keepalive"

// ANCHOR: exports
// allocate returns a buffer of size bytes for the host to write into; it
// stays alive until the host calls deallocate(ptr, size).
//
//go:wasmexport allocate
func allocate(size uint32) uint32 {
	return uint32(keepalive.Allocate(size))
}

// deallocate hands back a buffer from allocate, or one the guest handed
// over with keepalive.Pack, with the size the host was given. A pointer
// that is not kept, or a wrong size, panics: the host gets a trap and the
// message on stderr.
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
