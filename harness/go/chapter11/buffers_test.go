// Chapter 11: the buffers the host keeps across calls.
package chapter11_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero/api"

	"example.com/wasm-memory-book/go/wazerohost"
	"example.com/wasm-memory-book/harness/booktest"
)

// The buffers the host holds: copied in, written, read, released once, to
// the guest they came from, and listed until then.
func TestBuffers(t *testing.T) {
	ctx := context.Background()
	r := newRuntime(t, nil)
	module := booktest.Instantiate(ctx, t, r, "CH08_RUST_SHOUT", booktest.Options{})
	guest := must(wazerohost.New(module, wazerohost.AllocateDeallocatePacked()))(t)
	var report strings.Builder
	note := func(err error) { fmt.Fprintf(&report, "%s\n", err) }

	// ANCHOR: buffers
	// Copied in once, then written and read as often as needed.
	input, err := guest.CopyIn(ctx, []byte("hello"))
	if err != nil {
		t.Fatal(err)
	}
	if err := guest.Write(input, []byte("howdy")); err != nil {
		t.Fatal(err)
	}
	// An export's result, held until the host releases it.
	shout, err := guest.OutputExport("shout", api.ValueTypeI32, api.ValueTypeI32)
	if err != nil {
		t.Fatal(err)
	}
	result, err := shout.CallBuffer(ctx, uint64(input.Ptr()), uint64(input.Len()))
	if err != nil {
		t.Fatal(err)
	}
	text, err := guest.ReadString(result) // "HOWDY"
	if err != nil {
		t.Fatal(err)
	}
	if err := errors.Join(guest.Release(ctx, input), guest.Release(ctx, result)); err != nil {
		t.Fatal(err)
	}
	// ANCHOR_END: buffers
	if text != "HOWDY" || live(ctx, t, module) != 0 || guest.CheckLeaks() != nil {
		t.Fatalf("%q, %d live, %v", text, live(ctx, t, module), guest.CheckLeaks())
	}

	// Misuse, each refused with its own error.
	held := must(guest.CopyIn(ctx, []byte("hello")))(t)
	err = guest.Write(held, []byte("hello!"))
	expectKind(t, err, wazerohost.DoesNotFit, `6 bytes do not fit in the 5-byte buffer at`, `from "allocate"`)
	note(err)
	_, err = guest.Adopt("shout", held.Ptr()+2, 8)
	expectKind(t, err, wazerohost.OverlapsHeldBuffer, `8 bytes at`, `from "shout" overlap the 5-byte buffer at`)
	note(err)
	if outstanding := guest.Outstanding(); len(outstanding) != 1 || outstanding[0] != held {
		t.Fatalf("%v", outstanding)
	}
	err = guest.CheckLeaks()
	if leaks := expectKind(t, err, wazerohost.Leaks, "1 buffer was not released: the 5-byte buffer at"); len(leaks.Buffers) != 1 {
		t.Fatal(leaks.Buffers)
	}
	note(err)
	other := must(wazerohost.New(booktest.Instantiate(ctx, t, r, "CH03_ALLOCATE_DEALLOCATE", booktest.Options{}),
		wazerohost.AllocateDeallocatePacked()))(t)
	err = other.Release(ctx, held)
	expectKind(t, err, wazerohost.ForeignBuffer, "did not come from this guest")
	note(err)
	if err := guest.Release(ctx, held); err != nil {
		t.Fatal(err)
	}
	err = guest.Release(ctx, held)
	expectKind(t, err, wazerohost.AlreadyReleased, "was already released")
	note(err)
	_, err = guest.Read(held)
	expectKind(t, err, wazerohost.AlreadyReleased)
	expectKind(t, guest.Write(held, nil), wazerohost.AlreadyReleased)
	if n := live(ctx, t, module); n != 0 || guest.CheckLeaks() != nil {
		t.Fatalf("%d live, %v", n, guest.CheckLeaks())
	}

	// A result the host got from a raw call, adopted and released.
	in := must(guest.CopyIn(ctx, []byte("abc")))(t)
	raw := must(module.ExportedFunction("shout").Call(ctx, uint64(in.Ptr()), uint64(in.Len())))(t)
	ptr, length := wazerohost.PointerLow.Unpack(raw[0])
	adopted := must(guest.Adopt("shout", ptr, length))(t)
	if text := must(guest.ReadString(adopted))(t); text != "ABC" {
		t.Fatal(text)
	}
	if err := errors.Join(guest.Release(ctx, adopted), guest.Release(ctx, in)); err != nil {
		t.Fatal(err)
	}
	if n := live(ctx, t, module); n != 0 {
		t.Fatalf("%d live", n)
	}
	booktest.ExpectFile(t, "ch11-a-go-host-with-wazero/go-buffer-errors.txt", report.String())
}
