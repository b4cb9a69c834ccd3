// A Go guest that hands buffers to its host: first the way that breaks
// (unkept.go), then the ways to keep them alive (kept.go, pinned.go), and one
// that looks like a fix but is not (keepalive_call.go).
//
// Built with Go for wasip1 as a reactor (-buildmode=c-shared); the host calls
// _initialize, then the exports. The source is written for TinyGo 0.36+ too
// (not run here), except pinned.go: TinyGo has no runtime.Pinner.
package main

import (
	"strconv"
	"strings"
	"unsafe"
)

// A reactor has no main work: the host calls its exports.
func main() {}

var calls int

// greetingText is the text of the next greeting, such as
// "call 3: hello hello": numbered, so that a host can tell two apart.
func greetingText(words uint32) string {
	calls++
	return "call " + strconv.Itoa(calls) + ":" + strings.Repeat(" hello", int(words))
}

// packPtrLen packs the address and length of buf the way this book does:
// the address in the low 32 bits, the length in the high 32 bits. The
// address becomes a plain number, which the garbage collector does not follow.
func packPtrLen(buf []byte) uint64 {
	address := uint32(uintptr(unsafe.Pointer(unsafe.SliceData(buf))))
	return uint64(len(buf))<<32 | uint64(address)
}
