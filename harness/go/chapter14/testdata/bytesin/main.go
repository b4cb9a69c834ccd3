// The export of tinygo#411, AppMain2(data []byte), as Go's
// //go:wasmexport takes it: the slice's pointer and its length, since a
// slice parameter is refused. Built by chapter14_test.go with the Go
// running the test.
package main

import "unsafe"

func main() {}

// ANCHOR: app_main
// app_main prints the bytes the host passed, as the reader's AppMain2 did.
//
//go:wasmexport app_main
func appMain(data *byte, length uint32) {
	println(unsafe.String(data, length))
}

// first_byte reads through the pointer itself.
//
//go:wasmexport first_byte
func firstByte(data *byte) uint32 { return uint32(*data) }

// ANCHOR_END: app_main

// label is one of the guest's global variables: where its bytes lie is the
// linker's choice, not the host's.
var label = "this label belongs to the guest"

//go:wasmexport print_label
func printLabel() { println(label) }

// label_address tells the test where label's bytes are, so that it can
// show what a copy to an address the guest did not give overwrites.
//
//go:wasmexport label_address
func labelAddress() *byte { return unsafe.StringData(label) }

// ANCHOR: allocate
// kept holds every buffer allocate handed out until deallocate: room the
// guest gave, which nothing else of the guest uses.
var kept = map[*byte][]byte{}

//go:wasmexport allocate
func allocate(size uint32) *byte {
	buffer := make([]byte, size)
	kept[unsafe.SliceData(buffer)] = buffer
	return unsafe.SliceData(buffer)
}

//go:wasmexport deallocate
func deallocate(ptr *byte, size uint32) { delete(kept, ptr) }

// ANCHOR_END: allocate
