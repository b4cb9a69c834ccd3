package wazerohost_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"example.com/wasm-memory-book/go/wazerohost"
	"example.com/wasm-memory-book/go/wazerohost/internal/booktest"
)

// ANCHOR: example
func ExampleExport_CallString() {
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	module, err := r.Instantiate(ctx, readArtifact("CH04_PACKED_RETURN"))
	if err != nil {
		panic(err)
	}

	// allocate/deallocate, results packed pointer-low: the book's guests.
	guest, err := wazerohost.New(module, wazerohost.Book())
	if err != nil {
		panic(err)
	}
	// Looked up and type-checked once: (ptr, len) -> packed (ptr, len).
	greet, err := guest.Export("greet")
	if err != nil {
		panic(err)
	}
	for _, name := range []string{"Ferris", "Gopher"} {
		greeting, err := greet.CallString(ctx, name)
		if err != nil {
			panic(err)
		}
		fmt.Println(greeting)
	}
	// Output:
	// Hello, Ferris!
	// Hello, Gopher!
}

// ANCHOR_END: example

// Under the canonical ABI the host frees nothing it allocates: an input
// belongs to the export it is passed to, and a result goes back through
// cabi_post_<export>, with exactly what the export returned.
func TestCanonicalABI(t *testing.T) {
	ctx := context.Background()
	module := booktest.Instantiate(ctx, t, newRuntime(t, nil), "CH08_CABI_SHOUT", booktest.Options{})
	guest := must(wazerohost.New(module, wazerohost.Convention{Allocator: wazerohost.CabiRealloc}))(t)
	_, err := guest.Adopt("shout", 16, 4)
	expectKind(t, err, wazerohost.Unsupported, "Adopt is not supported here", "cabi_post_<export>",
		"OutputExport.CallBuffer")
	_, err = guest.CopyIn(ctx, []byte("component"))
	expectKind(t, err, wazerohost.Unsupported, "CopyIn is not supported here", "Export.CallBytes")

	shout := must(guest.OutputExport("shout", api.ValueTypeI32, api.ValueTypeI32))(t)
	input := []byte(strings.Repeat("component ", 64<<10/10))
	var afterFirst uint32
	for i := range 100 {
		ptr, length := must2(guest.HandOver(ctx, input))(t) // shout takes it over
		result := must(shout.CallBuffer(ctx, uint64(ptr), uint64(length)))(t)
		if text := must(guest.ReadString(result))(t); text != strings.ToUpper(string(input)) {
			t.Fatalf("%.20q", text)
		}
		if err := guest.Release(ctx, result); err != nil { // cabi_post_shout(what shout returned)
			t.Fatal(err)
		}
		if i == 0 {
			afterFirst = pages(module)
		}
	}
	if after := pages(module); after != afterFirst {
		t.Fatalf("memory went from %d pages to %d: something was not freed", afterFirst, after)
	}
}

// A host function's (ptr, len) is checked like a result, and named as an
// argument.
func TestReadArgument(t *testing.T) {
	ctx := context.Background()
	module := booktest.Instantiate(ctx, t, newRuntime(t, nil), "CH08_RUST_SHOUT", booktest.Options{})
	guest := must(wazerohost.New(module, wazerohost.Convention{MaxLen: 1 << 10}))(t)
	input := must(guest.CopyIn(ctx, []byte("log me\xff")))(t)
	defer guest.Release(ctx, input)

	if text := must(guest.ReadArgumentString("log", input.Ptr(), 6))(t); text != "log me" {
		t.Fatal(text)
	}
	size := uint32(module.Memory().Size())
	var report strings.Builder
	for _, test := range []struct {
		ptr, length uint32
		kind        wazerohost.ErrorKind
		says        string
	}{
		{size - 2, 4, wazerohost.OutOfBounds, "4 bytes at"},
		{0xfffffff0, 32, wazerohost.Overflow, "32 bytes at 0xfffffff0: the end overflows"},
		{0, 1<<10 + 1, wazerohost.TooLong, "1025 bytes at 0x0, more than the 1024 bytes"},
		{input.Ptr(), 7, wazerohost.NotUTF8, "that are not UTF-8"},
	} {
		_, err := guest.ReadArgumentString("log", test.ptr, test.length)
		bad := expectKind(t, err, wazerohost.BadArgument, `bad argument: host function "log" was passed`, test.says)
		expectKind(t, err, test.kind)
		if bad.Export != "log" || bad.Ptr != test.ptr || bad.Len != test.length {
			t.Fatalf("%#v", bad)
		}
		fmt.Fprintf(&report, "%s\n", err)
	}
	booktest.ExpectFile(t, "ch11-go-bad-arguments.txt", report.String())
}

// ErrorKind is an error, so that errors.Is asks for a kind through any
// wrapping; errors.As gives the *Error and its fields; Unwrap the cause.
func TestErrorsWorkWithErrorsIsAndAs(t *testing.T) {
	for _, kind := range wazerohost.Kinds() {
		if name := kind.String(); name == "" || strings.HasPrefix(name, "ErrorKind(") {
			t.Errorf("kind %d has no name", kind)
		}
	}
	if got := wazerohost.ErrorKind(99).String(); got != "ErrorKind(99)" {
		t.Error(got)
	}
	if got := wazerohost.OutOfBounds.Error(); got != "wazerohost: OutOfBounds" {
		t.Error(got)
	}
	trap := errors.New("wasm error: unreachable")
	refused := &wazerohost.Error{Kind: wazerohost.CallFailed, Export: "shout", Err: trap}
	wrapped := fmt.Errorf("shouting: %w", refused)
	var found *wazerohost.Error
	switch {
	case !errors.Is(wrapped, wazerohost.CallFailed):
		t.Error("errors.Is misses the kind")
	case errors.Is(wrapped, wazerohost.OutOfBounds):
		t.Error("errors.Is matches another kind")
	case !errors.Is(wrapped, trap):
		t.Error("errors.Is misses the cause")
	case !errors.As(wrapped, &found) || found != refused:
		t.Error("errors.As misses the *Error")
	case wrapped.Error() != `shouting: calling "shout" failed: wasm error: unreachable`:
		t.Error(wrapped)
	}
}
