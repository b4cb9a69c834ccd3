// Go strings that share their bytes with the host instead of copying them:
// a string that views bytes the host wrote into this guest's memory, and a
// string whose own bytes are handed to the host. Built with Go for wasip1
// as a reactor; the source is written for TinyGo 0.36+ too (not run here).
//
// Not with reflect.StringHeader or reflect.SliceHeader: deprecated since
// Go 1.21 in favour of unsafe.String, unsafe.StringData and
// unsafe.SliceData (Go 1.20). Their Data field is a uintptr, which does not
// keep the bytes alive, and their layout is the runtime's, not a promise.
package main

import (
	"strconv"
	"unsafe"

	"example.com/wasm-memory-book/go/keepalive"
	// Exports allocate, deallocate and live.
	_ "example.com/wasm-memory-book/go/keepalive/exports"
)

func main() {}

// ANCHOR: view
// count_vowels counts the vowels in the length bytes of UTF-8 that the host
// wrote at ptr, into a buffer it got from allocate. The buffer is the
// host's: it frees it with deallocate after the call.
//
//go:wasmexport count_vowels
func countVowels(ptr, length uint32) uint32 {
	if length == 0 {
		return 0 // an empty input has no buffer: allocate(0) returns 0
	}
	// The buffer that allocate kept at ptr, checked to hold length bytes:
	// no number is turned back into a pointer (go vet flags
	// unsafe.Pointer(uintptr(ptr)), which would check nothing).
	input, err := keepalive.Input(uintptr(ptr), length)
	if err != nil {
		panic(err)
	}
	// A string over the same bytes: no copy. It is valid only while the
	// host's buffer lives and nobody writes to it, since a Go string is
	// immutable and the compiler counts on it. So text must not outlive
	// this call; strings.Clone(text) is the copy that may.
	text := unsafe.String(unsafe.SliceData(input), len(input))
	var vowels uint32
	for _, r := range text {
		switch r {
		case 'a', 'e', 'i', 'o', 'u', 'A', 'E', 'I', 'O', 'U':
			vowels++
		}
	}
	return vowels
}

// ANCHOR_END: view

// calls numbers the greetings, so that a host can tell two apart.
var calls int

// ANCHOR: hand_over
// greeting returns a new greeting packed as (len << 32) | ptr: the string's
// own bytes, not a copy. The host frees them with deallocate(ptr, len).
//
//go:wasmexport greeting
func greeting() uint64 {
	calls++
	text := "Hello from a Go string, call " + strconv.Itoa(calls)
	// unsafe.StringData is where the string's bytes are; unsafe.Slice
	// views them as the []byte that keepalive holds (nothing writes
	// through it: the bytes are still a string's). Once greeting returns,
	// the address is a number in the host, which the collector does not
	// see: the bytes must stay reachable from Go until the host is done,
	// or the next collection may reuse them. keepalive.Pack keeps them
	// until deallocate (a string in a package-level variable would stay
	// reachable too, but then the host must not free it).
	bytes := unsafe.Slice(unsafe.StringData(text), len(text))
	return keepalive.Pack(bytes)
}

// ANCHOR_END: hand_over
