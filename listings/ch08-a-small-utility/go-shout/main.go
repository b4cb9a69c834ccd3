// A Go guest (wasip1 reactor) that uppercases what the host passes in, with
// the keepalive pattern. The source is written for TinyGo 0.36+ too (not run
// here).
package main

import (
	"strings"

	"example.com/wasm-memory-book/go/keepalive"
	// Exports allocate, deallocate and live.
	_ "example.com/wasm-memory-book/go/keepalive/exports"
)

func main() {}

// ANCHOR: shout
// shout uppercases the text the host wrote at ptr (a buffer from allocate)
// and hands the result over, kept until the host deallocates it.
//
//go:wasmexport shout
func shout(ptr, length uint32) uint64 {
	input, err := keepalive.Input(uintptr(ptr), length)
	if err != nil {
		panic(err)
	}
	return keepalive.Pack([]byte(strings.ToUpper(string(input))))
}

// ANCHOR_END: shout
