// A reactor with the export go-modules#185 asked about: two strings in, as
// (ptr, len) pairs, and a count out. Built by chapter14_test.go with the Go
// running the test.
package main

import (
	"strings"
	"unsafe"
)

func main() {}

// scratch is where the host writes the two strings: a buffer that a
// package-level variable keeps alive for as long as the module lives.
var scratch [256]byte

//go:wasmexport scratch
func scratchAddress() unsafe.Pointer { return unsafe.Pointer(&scratch) }

// ANCHOR: count
// count takes each string as an unsafe.Pointer and a length, which
// //go:wasmexport accepts, and lifts it back into a Go string without a
// copy: a view of the bytes the host wrote, valid during this call.
//
//go:wasmexport count
func count(s0 unsafe.Pointer, s1 uint32, sub0 unsafe.Pointer, sub1 uint32) uint32 {
	s := unsafe.String((*uint8)(s0), s1)
	sub := unsafe.String((*uint8)(sub0), sub1)
	return uint32(strings.Count(s, sub))
}

// ANCHOR_END: count
