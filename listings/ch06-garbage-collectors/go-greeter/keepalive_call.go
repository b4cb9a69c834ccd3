package main

import "runtime"

// ANCHOR: greet_keepalive_call
// greet_keepalive_call looks like a fix and is not: runtime.KeepAlive keeps
// message alive until this point of this call, and no further. After the
// return, the buffer is as unreferenced as greet's.
//
//go:wasmexport greet_keepalive_call
func greetKeepAliveCall(words uint32) uint64 {
	message := []byte(greetingText(words))
	packed := packPtrLen(message)
	runtime.KeepAlive(message)
	return packed
}

// ANCHOR_END: greet_keepalive_call
