// The Go guest of chapter 11: what a wazero host calls in the seed
// question, and host functions in both directions. Built with Go for wasip1
// as a reactor; the source is written for TinyGo 0.36+ too (not run here).
package main

import (
	"runtime"
	"unsafe"

	"example.com/wasm-memory-book/go/keepalive"
	// Exports allocate, deallocate and live.
	_ "example.com/wasm-memory-book/go/keepalive/exports"
)

func main() {}

// ANCHOR: greeting
// greeting returns a greeting packed as (len << 32) | ptr, kept alive until
// the host calls deallocate(ptr, len).
//
//go:wasmexport greeting
func greeting() uint64 {
	return keepalive.Pack([]byte("Hello from a Go guest"))
}

// ANCHOR_END: greeting

// greeting_pointer_high is the same greeting packed the other way,
// (ptr << 32) | len, as wazero's TinyGo example packs it.
//
//go:wasmexport greeting_pointer_high
func greetingPointerHigh() uint64 {
	message := []byte("Hello from a Go guest")
	ptr := keepalive.Keep(message)
	return uint64(uint32(ptr))<<32 | uint64(len(message))
}

//go:wasmimport env log
func hostLog(ptr, length uint32)

// ANCHOR: log
// log_greeting hands the host a message through the host function env.log.
// The message is only borrowed for that call, so runtime.KeepAlive is the
// right tool here: it keeps message alive until the host function returns.
//
//go:wasmexport log_greeting
func logGreeting() {
	message := []byte("a message for the host's log")
	hostLog(uint32(uintptr(unsafe.Pointer(unsafe.SliceData(message)))), uint32(len(message)))
	runtime.KeepAlive(message)
}

// ANCHOR_END: log

//go:wasmimport env config_len
func configLen() uint32

//go:wasmimport env read_config
func readConfig(ptr, length uint32)

// ANCHOR: configured
// configured asks the host for its configuration: the guest allocates the
// buffer, the host writes into it. It returns what it was given, kept.
//
//go:wasmexport configured
func configured() uint64 {
	config := make([]byte, configLen())
	readConfig(uint32(uintptr(unsafe.Pointer(unsafe.SliceData(config)))), uint32(len(config)))
	runtime.KeepAlive(config)
	return keepalive.Pack(append([]byte("configured with "), config...))
}

// ANCHOR_END: configured
