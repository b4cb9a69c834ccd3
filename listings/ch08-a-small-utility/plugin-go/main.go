// A plugin as one finds them in the wild, written without this book's
// packages: a Go (wasip1) reactor with its own allocator names, guest_malloc
// and guest_free, results packed pointer-high, and a host function
// env.log(ptr, len) it calls. The source is written for TinyGo 0.36+ too
// (not run here).
package main

import (
	"bytes"
	"unsafe"
)

func main() {}

//go:wasmimport env log
func hostLog(ptr, length uint32)

// ANCHOR: malloc
// held keeps every buffer handed to the host reachable, so that Go's
// collector does not reclaim it while only the host knows its address.
var held = map[uint32][]byte{}

func address(b []byte) uint32 {
	if len(b) == 0 {
		return 0
	}
	return uint32(uintptr(unsafe.Pointer(&b[0])))
}

func say(message string) {
	b := []byte(message)
	hostLog(address(b), uint32(len(b)))
}

//go:wasmexport guest_malloc
func guestMalloc(size uint32) uint32 {
	b := make([]byte, max(size, 1)) // never 0: 0 means failure
	ptr := address(b)
	held[ptr] = b
	return ptr
}

//go:wasmexport guest_free
func guestFree(ptr uint32) {
	delete(held, ptr)
}

// ANCHOR_END: malloc

//go:wasmexport live
func live() uint32 {
	return uint32(len(held))
}

// upper upper-cases the bytes the host wrote at ptr into a new buffer, kept
// in held until the host frees it.
//
//go:wasmexport upper
func upper(ptr, length uint32) uint64 {
	input, ok := held[ptr]
	if !ok || uint32(len(input)) < length {
		panic("upper: not a buffer from guest_malloc")
	}
	say("upper: " + itoa(length) + " bytes")
	out := bytes.ToUpper(input[:length])
	outPtr := guestMalloc(uint32(len(out)))
	copy(held[outPtr], out)
	return uint64(outPtr)<<32 | uint64(len(out))
}

// itoa avoids strconv, to keep the module small.
func itoa(n uint32) string {
	if n == 0 {
		return "0"
	}
	var digits []byte
	for ; n > 0; n /= 10 {
		digits = append([]byte{byte('0' + n%10)}, digits...)
	}
	return string(digits)
}
