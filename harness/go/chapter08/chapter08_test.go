// Chapter 8 in the Go room: the utility's Go package, wazerohost, on the
// chapter's guest (Listing 8-1) and on chapter 17's lying guest. The Rust,
// JavaScript and Python rooms make the same calls and compare the same
// expected output.
package chapter08_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/tetratelabs/wazero"

	"example.com/wasm-memory-book/go/wazerohost"
	"example.com/wasm-memory-book/harness/booktest"
)

func TestOneCallAndOneLie(t *testing.T) {
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	module := booktest.Instantiate(ctx, t, r, "CH08_RUST_SHOUT", booktest.Options{})

	// ANCHOR: shout
	guest, err := wazerohost.New(module, wazerohost.AllocateDeallocatePacked())
	if err != nil {
		t.Fatal(err)
	}
	shout, err := guest.Export("shout") // looked up and checked once
	if err != nil {
		t.Fatal(err)
	}
	shouted, err := shout.CallString(ctx, "hello, host")
	if err != nil || shouted != "HELLO, HOST" {
		t.Fatalf("%q, %v", shouted, err)
	}
	if err := guest.CheckLeaks(); err != nil { // every buffer was given back
		t.Fatal(err)
	}
	// ANCHOR_END: shout
	live, err := module.ExportedFunction("live").Call(ctx)
	if err != nil {
		t.Fatal(err)
	}

	liarModule := booktest.Instantiate(ctx, t, r, "CH17_LYING_SHOUT", booktest.Options{})
	// ANCHOR: liar
	liar, err := wazerohost.New(liarModule, wazerohost.AllocateDeallocatePacked())
	if err != nil {
		t.Fatal(err)
	}
	_, err = liar.CallString(ctx, "shout", "hello, host")
	if !errors.Is(err, wazerohost.OutOfBounds) {
		t.Fatalf("the lie was not refused: %v", err)
	}
	// ANCHOR_END: liar
	var refused *wazerohost.Error
	if !errors.As(err, &refused) {
		t.Fatal(err)
	}

	report := fmt.Sprintf("shout(%q) = %q; the guest holds %d buffers\n", "hello, host", shouted, live[0]) +
		fmt.Sprintf("the liar's shout returned %d bytes at %#x, past the end of its %d-byte memory\n",
			refused.Len, refused.Ptr, refused.MemorySize)
	booktest.ExpectFile(t, "ch08-a-small-utility/one-call-and-one-lie.txt", report)
}
