// Package keepalive lets a Go or TinyGo wasm guest hand buffers to its host
// without the garbage collector reclaiming them before the host is done.
//
// A guest returns a buffer to its host as a number: an address in linear
// memory. The collector does not see numbers the host holds, so once the
// export returns, nothing refers to the buffer and the next collection may
// reuse its memory. Keep stores the buffer in a map, which keeps it
// reachable; the host hands it back through an exported deallocate, which
// calls Release. The guest exports, for example:
//
//	//go:wasmexport allocate
//	func allocate(size uint32) uint32 { return uint32(keepalive.Allocate(size)) }
//
//	//go:wasmexport deallocate
//	func deallocate(ptr, size uint32) {
//		if err := keepalive.Release(uintptr(ptr), size); err != nil {
//			panic(err)
//		}
//	}
//
// The package works with Go (GOOS=wasip1) and TinyGo, which both have 32-bit
// pointers on wasm. It is not safe for concurrent use; wasm guests run one
// goroutine at a time on one thread.
package keepalive

import (
	"strconv"
	"unsafe"
)

// ANCHOR: kept
// kept maps the address of every buffer handed to the host to the buffer
// itself. Being in this map is what keeps a buffer alive.
var kept = map[uintptr][]byte{}

// Keep keeps buf reachable until Release is called with its address, and
// returns that address. An empty buf is not kept, and its address is 0.
func Keep(buf []byte) uintptr {
	if len(buf) == 0 {
		return 0
	}
	ptr := uintptr(unsafe.Pointer(unsafe.SliceData(buf)))
	kept[ptr] = buf
	return ptr
}

// Release forgets the kept buffer at ptr, which must have exactly size bytes.
// After it returns nil, the garbage collector may reuse the buffer.
func Release(ptr uintptr, size uint32) error {
	if ptr == 0 && size == 0 {
		return nil // the address Keep gives an empty buffer
	}
	buf, ok := kept[ptr]
	if !ok {
		return &ReleaseError{Ptr: ptr, Size: size, KeptSize: -1}
	}
	if len(buf) != int(size) {
		return &ReleaseError{Ptr: ptr, Size: size, KeptSize: len(buf)}
	}
	delete(kept, ptr)
	return nil
}

// ANCHOR_END: kept

// Input returns the first length bytes of the kept buffer at ptr: how a
// guest reads what the host wrote into a buffer from Allocate, without
// turning a number back into a pointer.
func Input(ptr uintptr, length uint32) ([]byte, error) {
	buf, ok := kept[ptr]
	if !ok || int(length) > len(buf) {
		size := -1
		if ok {
			size = len(buf)
		}
		return nil, &ReleaseError{Ptr: ptr, Size: length, KeptSize: size}
	}
	return buf[:length], nil
}

// Allocate returns the address of a new, zeroed buffer of size bytes, kept
// until it is released: the body of an exported allocate.
func Allocate(size uint32) uintptr {
	return Keep(make([]byte, size))
}

// Pack keeps buf and packs its address and length into one uint64, the
// number an export returns: the address in the low 32 bits, the length in
// the high 32.
func Pack(buf []byte) uint64 {
	return uint64(len(buf))<<32 | uint64(uint32(Keep(buf)))
}

// Live reports how many buffers are kept: after the host has released
// everything it was given, zero.
func Live() int {
	return len(kept)
}

// ReleaseError says why Release refused a pointer.
type ReleaseError struct {
	Ptr      uintptr
	Size     uint32
	KeptSize int // -1 when nothing is kept at Ptr
}

func (e *ReleaseError) Error() string {
	at := "0x" + strconv.FormatUint(uint64(e.Ptr), 16)
	if e.KeptSize < 0 {
		return "keepalive: no buffer is kept at " + at + " (released twice, or never kept)"
	}
	return "keepalive: the buffer kept at " + at + " has " + strconv.Itoa(e.KeptSize) +
		" bytes, not " + strconv.FormatUint(uint64(e.Size), 10)
}
