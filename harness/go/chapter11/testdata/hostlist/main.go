// A Go guest that gets from its host a result of any size, a list of
// strings, through a host function (wazero#1848). It exports the allocator
// the host needs: //go:wasmexport, Go 1.24 and later. Built by
// hostlist_test.go with the Go running the test.
package main

import (
	"encoding/binary"
	"strings"
	"unsafe"
)

func main() {}

// ANCHOR: allocator
// kept holds every buffer allocate handed out, by address, until the guest
// takes it back or the host calls deallocate.
var kept = map[uintptr][]byte{}

//go:wasmexport allocate
func allocate(size uint32) uint32 {
	buffer := make([]byte, size)
	ptr := uintptr(unsafe.Pointer(unsafe.SliceData(buffer)))
	kept[ptr] = buffer
	return uint32(ptr)
}

//go:wasmexport deallocate
func deallocate(ptr, size uint32) { delete(kept, uintptr(ptr)) }

// ANCHOR_END: allocator

//go:wasmexport live
func live() uint32 { return uint32(len(kept)) }

// ANCHOR: names
// names asks the host for a list of strings. During the call, the host
// allocates room with allocate, writes the list there and returns where:
// packed (len << 32) | ptr. The buffer is this guest's from then on.
//
//go:wasmimport env names
func names() uint64

// take takes back a buffer that allocate handed out: the guest's
// collector frees it once nothing refers to it.
func take(packed uint64) []byte {
	ptr, length := uintptr(uint32(packed)), uint32(packed>>32)
	buffer := kept[ptr]
	delete(kept, ptr)
	return buffer[:length]
}

// decode reads the host's encoding of a list of strings: a count, then
// each string's length and bytes (little-endian uint32s).
func decode(buffer []byte) []string {
	list := make([]string, binary.LittleEndian.Uint32(buffer))
	at := uint32(4)
	for i := range list {
		length := binary.LittleEndian.Uint32(buffer[at:])
		list[i] = string(buffer[at+4 : at+4+length]) // a copy
		at += 4 + length
	}
	return list
}

// ANCHOR_END: names

// greet_everyone greets every name the host gives, and returns the
// greeting packed, kept until the host calls deallocate.
//
//go:wasmexport greet_everyone
func greetEveryone() uint64 {
	list := decode(take(names()))
	greeting := []byte("Hello, " + strings.Join(list, ", ") + "!")
	ptr := allocate(uint32(len(greeting)))
	copy(kept[uintptr(ptr)], greeting)
	return uint64(len(greeting))<<32 | uint64(ptr)
}
