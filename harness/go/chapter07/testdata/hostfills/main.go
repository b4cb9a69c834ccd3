// A guest written like proxy-wasm's Go SDK: it exports an allocator and no
// free, and gets bytes from its host by passing the addresses of two
// variables, which the host fills during the call. Built by
// chapter07_test.go with the Go running the test.
package main

import (
	"runtime"
	"unsafe"
)

func main() {}

// ANCHOR: allocate
// proxy_on_memory_allocate is the only allocator the guest exports. The
// host calls it, during get_body, for room to write what it hands over. It
// keeps nothing, and there is no free: see readBody.
//
//go:wasmexport proxy_on_memory_allocate
func allocate(size uint32) unsafe.Pointer {
	buf := make([]byte, size)
	return unsafe.Pointer(unsafe.SliceData(buf))
}

// ANCHOR_END: allocate

// ANCHOR: read_body
// getBody asks the host for the request body. The host allocates room with
// proxy_on_memory_allocate, writes the bytes there, and stores the address
// in *returnData and the length in *returnSize.
//
//go:wasmimport env get_body
func getBody(returnData, returnSize unsafe.Pointer)

// body is the guest's own reference to the host's bytes. While it refers
// to them, the collector keeps them; once it does not, they are garbage
// like any other, and the collector frees them. Nobody calls a free.
var body []byte

//go:wasmexport read_body
func readBody() uint32 {
	data := new(*byte) // variables on the heap, which Go's collector never moves
	size := new(uint32)
	getBody(unsafe.Pointer(data), unsafe.Pointer(size))
	// From here on a Go variable of pointer type holds the buffer.
	body = unsafe.Slice(*data, *size)
	return uint32(uintptr(unsafe.Pointer(*data)))
}

//go:wasmexport forget_body
func forgetBody() { body = nil }

// ANCHOR_END: read_body

// pointer_size is how many bytes a Go pointer takes in this guest's memory:
// what the host must write into *returnData.
//
//go:wasmexport pointer_size
func pointerSize() uint32 { return uint32(unsafe.Sizeof(uintptr(0))) }

var sink []byte

// churn collects, then allocates count buffers of size bytes, each filled
// with '#': what a busy guest does between two calls.
//
//go:wasmexport churn
func churn(size, count uint32) {
	runtime.GC()
	for i := uint32(0); i < count; i++ {
		garbage := make([]byte, size)
		for j := range garbage {
			garbage[j] = '#'
		}
		sink = garbage
	}
	sink = nil
}
