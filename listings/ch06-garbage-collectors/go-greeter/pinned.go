//go:build !tinygo

// TinyGo releases have long lacked runtime.Pinner (tinygo#4072): chapter 7
// says what is known of it, and when this tag can go.

package main

import (
	"runtime"
	"strconv"
	"unsafe"
)

// ANCHOR: greet_pinned
// pinners holds a Pinner per greeting the host has not unpinned yet. The
// Pinner must stay reachable too: one that is collected while it still
// pins something makes the runtime panic.
var pinners = map[uint32]*runtime.Pinner{}

// greet_pinned returns a fresh greeting pinned with runtime.Pinner, until
// the host calls unpin(ptr).
//
//go:wasmexport greet_pinned
func greetPinned(words uint32) uint64 {
	message := []byte(greetingText(words))
	pinner := new(runtime.Pinner)
	pinner.Pin(unsafe.SliceData(message))
	packed := packPtrLen(message)
	pinners[uint32(packed)] = pinner
	return packed
}

// unpin releases a greeting from greet_pinned.
//
//go:wasmexport unpin
func unpin(ptr uint32) {
	pinner, ok := pinners[ptr]
	if !ok {
		panic("unpin: nothing is pinned at 0x" + strconv.FormatUint(uint64(ptr), 16))
	}
	pinner.Unpin()
	delete(pinners, ptr)
}

// ANCHOR_END: greet_pinned
