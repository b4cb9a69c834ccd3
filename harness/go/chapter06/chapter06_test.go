// Chapter 6 in the Go room: Listing 6-1's Go guest (CH06_GO_GREETER) under
// wazero. The Rust, JavaScript and Python rooms make the same calls and
// compare the same expected outputs.
package chapter06_test

import (
	"bytes"
	"fmt"
	"testing"

	"example.com/wasm-memory-book/harness/booktest"
)

func TestAGreetingNobodyKeepsBecomesTheBufferOfALaterAllocate(t *testing.T) {
	ctx, module := booktest.NewModule(t, "CH06_GO_GREETER")

	// ANCHOR: next_allocate
	greet := module.ExportedFunction("greet")
	allocate := module.ExportedFunction("allocate")

	results, err := greet.Call(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	// This book's packing: the address low, the length high.
	ptr, length := uint32(results[0]), uint32(results[0]>>32)
	// A copy of the bytes there now (Read returns a view of the memory).
	read := func() []byte {
		view, ok := module.Memory().Read(ptr, length)
		if !ok {
			t.Fatalf("%#x+%d is outside the guest's memory", ptr, length)
		}
		return bytes.Clone(view)
	}
	greeting := read()
	if !bytes.HasPrefix(greeting, []byte("call 1: hello hello")) {
		t.Fatalf("greet returned %q", greeting)
	}

	// The host prepares its next request: input buffers from the guest's
	// allocator. Between two calls the greeting cannot change; inside one of
	// them the collector runs and frees it.
	calls := 0
	var input uint32
	for bytes.Equal(read(), greeting) {
		results, err := allocate.Call(ctx, uint64(length))
		if err != nil {
			t.Fatal(err)
		}
		input = uint32(results[0])
		calls++
		if calls >= 200_000 {
			t.Fatalf("intact after %d calls", calls)
		}
	}
	// That allocate handed out the greeting's own address, zeroed.
	if input != ptr || !bytes.Equal(read(), make([]byte, length)) {
		t.Fatalf("allocate returned %#x; the greeting reads %q", input, read())
	}
	// ANCHOR_END: next_allocate

	booktest.ExpectFile(t, "ch06-garbage-collectors/go-greeter-next-allocate.txt", fmt.Sprintf(
		"greet(10) returned %d bytes at %#x: %q\n"+
			"read again after each allocate(%d): intact, until one call\n"+
			"that allocate returned %#x, the greeting's address: it now reads as %d zero bytes\n",
		length, ptr, greeting, length, input, length))
}

func TestAKeptGreetingSurvivesTheSameAllocateCalls(t *testing.T) {
	ctx, module := booktest.NewModule(t, "CH06_GO_GREETER")

	// ANCHOR: kept_next_allocate
	greetKept := module.ExportedFunction("greet_kept")
	allocate := module.ExportedFunction("allocate")
	deallocate := module.ExportedFunction("deallocate")

	results, err := greetKept.Call(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	ptr, length := uint32(results[0]), uint32(results[0]>>32)
	greeting, ok := module.Memory().Read(ptr, length)
	if !ok {
		t.Fatalf("%#x+%d is outside the guest's memory", ptr, length)
	}
	greeting = bytes.Clone(greeting)

	for range 60_000 {
		if _, err := allocate.Call(ctx, uint64(length)); err != nil {
			t.Fatal(err)
		}
	}
	after, _ := module.Memory().Read(ptr, length) // in range: checked above
	if !bytes.Equal(after, greeting) {
		t.Fatalf("kept, and yet overwritten: %q", after)
	}

	// Done with it: the guest may reuse it from now on.
	if _, err := deallocate.Call(ctx, uint64(ptr), uint64(length)); err != nil {
		t.Fatal(err)
	}
	// ANCHOR_END: kept_next_allocate

	booktest.ExpectFile(t, "ch06-garbage-collectors/go-greeter-kept.txt", fmt.Sprintf(
		"greet_kept(10) returned %d bytes at %#x: %q\n"+
			"after 60000 calls of allocate(%d): %q\n",
		length, ptr, greeting, length, after))
}
