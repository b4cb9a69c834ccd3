// Chapter 11: the utility's errors, written to the expected outputs the
// chapter shows.
package chapter11_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"

	"example.com/wasm-memory-book/go/wazerohost"
	"example.com/wasm-memory-book/harness/booktest"
)

// Every lie of the book's lying guest gets its own error, and no panic.
func TestLyingGuest(t *testing.T) {
	ctx := context.Background()
	module := booktest.Instantiate(ctx, t, newRuntime(t, nil), "CH04_LYING_GUEST", booktest.Options{})
	guest := must(wazerohost.New(module, wazerohost.Convention{Allocator: wazerohost.NoAllocator, MaxLen: 64 << 10}))(t)
	var report strings.Builder
	for _, test := range []struct {
		export string
		kind   wazerohost.ErrorKind
		says   string
	}{
		{"ends_past_memory", wazerohost.OutOfBounds, "past the end of its 1114112-byte memory"},
		{"length_wraps_around", wazerohost.Overflow, "overflows a 32-bit address"},
		{"huge_length", wazerohost.TooLong, "more than the 65536 bytes"},
		{"invalid_utf8", wazerohost.NotUTF8, "not UTF-8"},
	} {
		export := must(guest.OutputExport(test.export))(t)
		_, err := export.CallString(ctx)
		refused := expectKind(t, err, test.kind, fmt.Sprintf("%q returned", test.export), test.says)
		if refused.Export != test.export {
			t.Fatalf("%v names %q", err, refused.Export)
		}
		fmt.Fprintf(&report, "%s\n", err)
	}
	booktest.ExpectFile(t, "ch11-a-go-host-with-wazero/go-lying-guest.txt", report.String())
}

// Errors a host meets before any bytes cross: a convention that does not
// fit the guest, an input too large for it, an allocator that fails or lies.
func TestSetupErrors(t *testing.T) {
	ctx := context.Background()
	module := booktest.Instantiate(ctx, t, newRuntime(t, nil), "CH08_RUST_SHOUT", booktest.Options{})
	var report strings.Builder
	for _, test := range []struct {
		convention wazerohost.Convention
		kind       wazerohost.ErrorKind
		says       string
	}{
		{wazerohost.Convention{Allocator: wazerohost.MallocFree}, wazerohost.MissingExport,
			`"malloc", the allocator of MallocFree`},
		{wazerohost.Convention{Allocator: wazerohost.MallocFree, AllocName: "guest_malloc", FreeName: "guest_free"},
			wazerohost.MissingExport, `"guest_malloc"`},
		{wazerohost.Convention{Allocator: wazerohost.AllocateDeallocate, AllocName: "shout"},
			wazerohost.WrongSignature, "takes [i32 i32] and returns [i64], not [i32] and [i32]"},
		{wazerohost.Convention{Allocator: wazerohost.NoAllocator, Memory: "heap"}, wazerohost.MissingExport,
			`"heap", the memory this convention names`},
	} {
		_, err := wazerohost.New(module, test.convention)
		expectKind(t, err, test.kind, test.says)
		fmt.Fprintf(&report, "%s\n", err)
	}
	guest := must(wazerohost.New(module, wazerohost.AllocateDeallocatePacked()))(t)
	for _, test := range []struct {
		err  error
		kind wazerohost.ErrorKind
		says string
	}{
		{second(guest.Export("live")), wazerohost.WrongSignature, "takes [] and returns [i32]"},
		{second(guest.OutputExport("shout")), wazerohost.WrongSignature, "takes [i32 i32] and returns [i64], not [] and [i64]"},
		{second(guest.Export("whisper")), wazerohost.MissingExport, `"whisper"`},
		{second(guest.CallBytes(ctx, "shout", make([]byte, 1<<32+1))), // untouched pages: cheap
			wazerohost.InputTooLarge, `4294967297 bytes is too large for a 32-bit guest ("allocate")`},
		{second(must(guest.OutputExport("shout", i32, i32))(t).Call(ctx, 1)), wazerohost.WrongSignature,
			"takes 2 parameters, not 1"},
	} {
		expectKind(t, test.err, test.kind, test.says)
		fmt.Fprintf(&report, "%s\n", test.err)
	}

	limited := newRuntime(t, wazero.NewRuntimeConfig().WithMemoryLimitPages(32))
	small := booktest.Instantiate(ctx, t, limited, "CH03_ALLOCATE_DEALLOCATE", booktest.Options{})
	smallGuest := must(wazerohost.New(small, wazerohost.AllocateDeallocatePacked()))(t)
	// Fails in the guest's allocator, before any export is called.
	_, err := smallGuest.CopyIn(ctx, make([]byte, 4<<20))
	expectKind(t, err, wazerohost.AllocationFailed, `"allocate" could not allocate 4194304 bytes`)
	fmt.Fprintf(&report, "%s\n", err)

	// An allocator that answers 0xfffffff0, in a one-page memory.
	lying := booktest.Instantiate(ctx, t, newRuntime(t, nil), "CH08_MISBEHAVING_ALLOCATOR", booktest.Options{})
	lyingGuest := must(wazerohost.New(lying, wazerohost.AllocateDeallocatePacked()))(t)
	_, err = lyingGuest.CallString(ctx, "shout", "sixteen bytes!!!")
	expectKind(t, err, wazerohost.Overflow, `"allocate" returned 16 bytes at 0xfffffff0`)
	fmt.Fprintf(&report, "%s\n", err)
	_, err = lyingGuest.CopyIn(ctx, []byte("8 bytes!"))
	expectKind(t, err, wazerohost.OutOfBounds, `"allocate" returned 8 bytes at 0xfffffff0`, "65536-byte memory")
	fmt.Fprintf(&report, "%s\n", err)

	noAllocator := must(wazerohost.New(module, wazerohost.Convention{Allocator: wazerohost.NoAllocator}))(t)
	for _, err := range []error{second(noAllocator.Export("shout")), second(noAllocator.CopyIn(ctx, nil)),
		third(noAllocator.HandOver(ctx, []byte("x")))} {
		expectKind(t, err, wazerohost.NoAllocatorToWrite, "convention has no allocator")
		fmt.Fprintf(&report, "%s\n", err)
	}
	booktest.ExpectFile(t, "ch11-a-go-host-with-wazero/go-setup-errors.txt", report.String())
}

// A Convention that contradicts itself is refused by Check, and by New,
// before New looks at the guest.
func TestConventionCheck(t *testing.T) {
	for _, valid := range []wazerohost.Convention{
		wazerohost.AllocateDeallocatePacked(),
		{Allocator: wazerohost.MallocFree, Order: wazerohost.PointerHigh, AllocName: "guest_malloc", FreeName: "guest_free"},
		{Allocator: wazerohost.CabiRealloc, MaxLen: 1 << 10},
		{Allocator: wazerohost.NoAllocator, Memory: "heap"},
		{Allocator: wazerohost.MallocFree, AllocName: "free", FreeName: "release"},
	} {
		if err := valid.Check(); err != nil {
			t.Errorf("%+v: %v", valid, err)
		}
	}
	var report strings.Builder
	for _, test := range []struct {
		convention wazerohost.Convention
		says       string
	}{
		{wazerohost.Convention{Allocator: 7}, "Allocator(7) is not an Allocator"},
		{wazerohost.Convention{Order: 2}, "PackingOrder(2) is not a PackingOrder"},
		{wazerohost.Convention{AllocName: " "}, `AllocName is " ", an empty name`},
		{wazerohost.Convention{Memory: "\xff"}, "not UTF-8"},
		{wazerohost.Convention{Allocator: wazerohost.MallocFree, AllocName: "free"},
			`the allocator and the free export are both "free"`},
		{wazerohost.Convention{AllocName: "alloc", FreeName: "alloc"}, `both "alloc"`},
		{wazerohost.Convention{Allocator: wazerohost.CabiRealloc, FreeName: "cabi_free"},
			`FreeName is "cabi_free", but CabiRealloc has no free export`},
		{wazerohost.Convention{Allocator: wazerohost.NoAllocator, AllocName: "allocate"},
			`AllocName is "allocate", but NoAllocator has no allocator export`},
		{wazerohost.Convention{Allocator: wazerohost.NoAllocator, FreeName: "free"},
			`FreeName is "free", but NoAllocator has no free export`},
		{wazerohost.Convention{Memory: "allocate"}, `the memory and a function are both exported as "allocate"`},
	} {
		err := test.convention.Check()
		expectKind(t, err, wazerohost.InvalidConvention, "invalid convention: ", test.says)
		fmt.Fprintf(&report, "%s\n", err)
	}
	_, err := wazerohost.New(nil, wazerohost.Convention{Allocator: wazerohost.CabiRealloc, FreeName: "free"})
	expectKind(t, err, wazerohost.InvalidConvention, "CabiRealloc has no free export")
	booktest.ExpectFile(t, "ch11-a-go-host-with-wazero/go-convention-errors.txt", report.String())
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
	booktest.ExpectFile(t, "ch11-a-go-host-with-wazero/go-bad-arguments.txt", report.String())
}
