package keepalive_test

import (
	"errors"
	"fmt"
	"unsafe"

	"example.com/wasm-memory-book/go/keepalive"
)

// A guest keeps a buffer while the host reads it; the host's deallocate
// releases it.
func ExampleKeep() {
	greeting := []byte("Hello, host!")
	ptr := keepalive.Keep(greeting) // the number an export returns
	fmt.Println("kept:", keepalive.Live())

	// Later, in the exported deallocate, with the size the host was given.
	if err := keepalive.Release(ptr, uint32(len(greeting))); err != nil {
		panic(err)
	}
	fmt.Println("kept after release:", keepalive.Live())
	// Output:
	// kept: 1
	// kept after release: 0
}

// Release refuses a size other than the kept buffer's, and a pointer that
// is not kept (a double release), with a *ReleaseError; a refused release
// keeps the buffer.
func ExampleRelease() {
	ptr := keepalive.Allocate(8)

	var refused *keepalive.ReleaseError
	err := keepalive.Release(ptr, 7)
	if errors.As(err, &refused) {
		fmt.Printf("wrong size: %d bytes are kept there, not %d\n", refused.KeptSize, refused.Size)
	}
	fmt.Println("still kept:", keepalive.Live())

	fmt.Println("right size:", keepalive.Release(ptr, 8))
	err = keepalive.Release(ptr, 8)
	if errors.As(err, &refused) && refused.KeptSize == -1 {
		fmt.Println("twice: nothing is kept there any more")
	}
	// Output:
	// wrong size: 8 bytes are kept there, not 7
	// still kept: 1
	// right size: <nil>
	// twice: nothing is kept there any more
}

// Allocate is the body of an exported allocate: the host writes its input
// into the buffer, and the guest reads it with Input.
func ExampleInput() {
	ptr := keepalive.Allocate(16)
	defer keepalive.Release(ptr, 16)

	// What the host does through the guest's memory, simulated here.
	buffer, _ := keepalive.Input(ptr, 16)
	copy(buffer, "gopher")

	// What the export it then calls with (ptr, 6) reads.
	input, err := keepalive.Input(ptr, 6)
	fmt.Printf("%q %v\n", input, err)
	_, err = keepalive.Input(ptr, 17)
	fmt.Println("past the end refused:", err != nil)
	// Output:
	// "gopher" <nil>
	// past the end refused: true
}

// Pack keeps a buffer and packs its address (low 32 bits) and length (high
// 32 bits) into the one number an export returns.
func ExamplePack() {
	result := []byte("twelve bytes")
	packed := keepalive.Pack(result)
	fmt.Println("length:", packed>>32, "kept:", keepalive.Live())

	// On wasm, uintptr(uint32(packed)) is the address the host passes back
	// to deallocate; natively (this example) only its low 32 bits fit.
	address := uintptr(unsafe.Pointer(unsafe.SliceData(result)))
	fmt.Println("address in the low bits:", uint32(packed) == uint32(address))
	if err := keepalive.Release(address, uint32(packed>>32)); err != nil {
		panic(err)
	}
	// Output:
	// length: 12 kept: 1
	// address in the low bits: true
}

// Live is what an exported live() returns: after the host has released
// everything it was given, zero, which a host's test can check.
func ExampleLive() {
	first, second := keepalive.Allocate(4), keepalive.Allocate(4)
	fmt.Println(keepalive.Live())
	keepalive.Release(first, 4)
	keepalive.Release(second, 4)
	fmt.Println(keepalive.Live())
	// Output:
	// 2
	// 0
}
