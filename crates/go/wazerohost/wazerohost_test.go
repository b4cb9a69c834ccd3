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

var i32 = api.ValueTypeI32

// Each convention against a real guest from the book's listings, 100 calls
// of 64 KiB each. A guest that counts its buffers must count none
// afterwards; for the others, the memory must be exactly the size it had
// after the first call: a leak of either buffer would grow it by a page a
// call (TestTheMemoryFigureCatchesALeak shows it does).
func TestConventions(t *testing.T) {
	ctx := context.Background()
	input := strings.Repeat("gopher ", 64<<10/7)
	tests := []struct {
		name, artifact, export string
		convention             wazerohost.Convention
		want                   string
		countsLive             bool
	}{
		{"Rust, allocate/deallocate", "CH04_PACKED_RETURN", "greet", wazerohost.Book(),
			"Hello, " + input + "!", false},
		{"Rust, checked allocator", "CH08_RUST_SHOUT", "shout", wazerohost.Book(), strings.ToUpper(input), true},
		{"Go reactor, keepalive", "CH08_GO_SHOUT", "shout", wazerohost.Book(), strings.ToUpper(input), true},
		{"malloc/free, pointer high", "CH08_MALLOC_SHOUT", "shout",
			wazerohost.Convention{Allocator: wazerohost.MallocFree, Order: wazerohost.PointerHigh},
			strings.ToUpper(input), false},
		{"canonical ABI", "CH08_CABI_SHOUT", "shout",
			wazerohost.Convention{Allocator: wazerohost.CabiRealloc, Order: wazerohost.PointerLow},
			strings.ToUpper(input), false},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			module := booktest.Instantiate(ctx, t, newRuntime(t, nil), test.artifact, booktest.Options{})
			guest := must(wazerohost.New(module, test.convention))(t)
			export := must(guest.Export(test.export))(t)
			var afterFirst uint32
			for i := range 100 {
				if got := must(export.CallString(ctx, input))(t); got != test.want {
					t.Fatalf("call %d: %.40q...", i, got)
				}
				if i == 0 {
					afterFirst = pages(module)
				}
			}
			if test.countsLive {
				if n := live(ctx, t, module); n != 0 {
					t.Fatalf("%d buffers were not given back", n)
				}
			} else if after := pages(module); after != afterFirst {
				t.Fatalf("memory went from %d pages after the first call to %d after 100: something was not freed",
					afterFirst, after)
			}
			if err := guest.CheckLeaks(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// The control for TestConventions: the same calls, and nothing freed.
func TestTheMemoryFigureCatchesALeak(t *testing.T) {
	ctx := context.Background()
	module := booktest.Instantiate(ctx, t, newRuntime(t, nil), "CH04_PACKED_RETURN", booktest.Options{})
	allocate, greet := module.ExportedFunction("allocate"), module.ExportedFunction("greet")
	input := strings.Repeat("gopher ", 64<<10/7)
	var afterFirst uint32
	for i := range 100 {
		ptr := must(allocate.Call(ctx, uint64(len(input))))(t)[0]
		module.Memory().WriteString(uint32(ptr), input)
		must(greet.Call(ctx, ptr, uint64(len(input))))(t) // neither buffer is freed
		if i == 0 {
			afterFirst = pages(module)
		}
	}
	if grown := pages(module) - afterFirst; grown < 2*99 {
		t.Fatalf("leaking 128 KiB a call for 99 calls grew the memory by only %d pages", grown)
	}
}

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
	booktest.ExpectFile(t, "ch11-go-lying-guest.txt", report.String())
}

func TestATrapStillFreesTheInput(t *testing.T) {
	ctx := context.Background()
	var messages []string
	module := booktest.Instantiate(ctx, t, newRuntime(t, nil), "CH08_RUST_SHOUT", booktest.Options{Messages: &messages})
	shout := must(must(wazerohost.New(module, wazerohost.Book()))(t).Export("shout"))(t)
	_, err := shout.CallBytes(ctx, []byte{0xff, 0xfe}) // not UTF-8: the guest traps
	failed := expectKind(t, err, wazerohost.CallFailed, `calling "shout" failed`, "unreachable")
	if failed.Export != "shout" || errors.Unwrap(err) == nil {
		t.Fatalf("%#v", failed)
	}
	if n := live(ctx, t, module); n != 0 {
		t.Fatalf("the input was not freed: %d live", n)
	}
	if got := must(shout.CallString(ctx, "again"))(t); got != "AGAIN" { // the handle still works
		t.Fatal(got)
	}
}

// An AssemblyScript object: the length is in its header, and a corrupted
// header is refused like any other lie.
func TestAssemblyScriptObjects(t *testing.T) {
	ctx := context.Background()
	r := newRuntime(t, nil)
	_, err := r.NewHostModuleBuilder("env").NewFunctionBuilder().
		WithFunc(func(context.Context, uint32, uint32, uint32, uint32) { panic("abort") }).
		Export("abort").Instantiate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	module := booktest.Instantiate(ctx, t, r, "CH06_AS_GREETER", booktest.Options{})
	// The collector owns its objects: the host frees nothing.
	guest := must(wazerohost.New(module, wazerohost.Convention{Allocator: wazerohost.NoAllocator, MaxLen: 64 << 10}))(t)
	read := func(ptr uint32) (string, error) {
		length, _ := module.Memory().ReadUint32Le(ptr - 4)
		object, err := guest.Adopt("greet", ptr, length)
		if err != nil {
			return "", err
		}
		defer guest.Release(ctx, object) // under NoAllocator, to nobody
		return guest.ReadString(object)
	}
	ptr := uint32(must(module.ExportedFunction("greet").Call(ctx, 10))(t)[0])
	if text, err := read(ptr); err != nil || !strings.HasPrefix(text, "call 1: hello") {
		t.Fatalf("%q, %v", text, err)
	}
	module.ExportedFunction("__collect").Call(ctx)
	module.ExportedFunction("churn").Call(ctx, 4096, 67)
	_, err = read(ptr)
	if refused := expectKind(t, err, wazerohost.TooLong, "589505315 bytes"); refused.Len != 0x23232323 {
		t.Fatalf("a corrupted header was not refused: %v", err)
	}
	if err := guest.CheckLeaks(); err != nil {
		t.Fatal(err)
	}
}

// Reading malloc/free's pointer-high results pointer-low: the cap refuses
// the "length", which is the pointer, and the result is not freed (freeing a
// made-up address would corrupt the guest's heap), so the guest still works.
func TestTheWrongPackingOrderIsCaughtByTheCap(t *testing.T) {
	ctx := context.Background()
	module := booktest.Instantiate(ctx, t, newRuntime(t, nil), "CH08_MALLOC_SHOUT", booktest.Options{})
	wrong := wazerohost.Convention{Allocator: wazerohost.MallocFree, Order: wazerohost.PointerLow, MaxLen: 64 << 10}
	_, err := must(wazerohost.New(module, wrong))(t).CallString(ctx, "shout", "tiny")
	if refused := expectKind(t, err, wazerohost.TooLong, `"shout" returned`); refused.Ptr != 4 {
		t.Fatalf("%v", err)
	}
	right := wazerohost.Convention{Allocator: wazerohost.MallocFree, Order: wazerohost.PointerHigh}
	if got := must(must(wazerohost.New(module, right))(t).CallString(ctx, "shout", "tiny"))(t); got != "TINY" {
		t.Fatal(got)
	}
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
	guest := must(wazerohost.New(module, wazerohost.Book()))(t)
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
	smallGuest := must(wazerohost.New(small, wazerohost.Book()))(t)
	// Fails in the guest's allocator, before any export is called.
	_, err := smallGuest.CopyIn(ctx, make([]byte, 4<<20))
	expectKind(t, err, wazerohost.AllocationFailed, `"allocate" could not allocate 4194304 bytes`)
	fmt.Fprintf(&report, "%s\n", err)

	// An allocator that answers 0xfffffff0, in a one-page memory.
	lying := booktest.Instantiate(ctx, t, newRuntime(t, nil), "CH08_MISBEHAVING_ALLOCATOR", booktest.Options{})
	lyingGuest := must(wazerohost.New(lying, wazerohost.Book()))(t)
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
	booktest.ExpectFile(t, "ch11-go-setup-errors.txt", report.String())
}

func second[T any](_ T, err error) error        { return err }
func third[T, U any](_ T, _ U, err error) error { return err }

// A Convention that contradicts itself is refused by Check, and by New,
// before New looks at the guest.
func TestConventionCheck(t *testing.T) {
	for _, valid := range []wazerohost.Convention{
		wazerohost.Book(),
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
	booktest.ExpectFile(t, "ch11-go-convention-errors.txt", report.String())
}

// The buffers the host holds: copied in, written, read, released once, to
// the guest they came from, and listed until then.
func TestBuffers(t *testing.T) {
	ctx := context.Background()
	r := newRuntime(t, nil)
	module := booktest.Instantiate(ctx, t, r, "CH08_RUST_SHOUT", booktest.Options{})
	guest := must(wazerohost.New(module, wazerohost.Book()))(t)
	var report strings.Builder
	note := func(err error) { fmt.Fprintf(&report, "%s\n", err) }

	// ANCHOR: buffers
	// Copied in once, then written and read as often as needed.
	input := must(guest.CopyIn(ctx, []byte("hello")))(t)
	if err := guest.Write(input, []byte("howdy")); err != nil {
		t.Fatal(err)
	}
	// An export's result, held until the host releases it.
	shout := must(guest.OutputExport("shout", api.ValueTypeI32, api.ValueTypeI32))(t)
	result := must(shout.CallBuffer(ctx, uint64(input.Ptr()), uint64(input.Len())))(t)
	text := must(guest.ReadString(result))(t) // "HOWDY"
	if err := errors.Join(guest.Release(ctx, input), guest.Release(ctx, result)); err != nil {
		t.Fatal(err)
	}
	// ANCHOR_END: buffers
	if text != "HOWDY" || live(ctx, t, module) != 0 || guest.CheckLeaks() != nil {
		t.Fatalf("%q, %d live, %v", text, live(ctx, t, module), guest.CheckLeaks())
	}

	// Misuse, each refused with its own error.
	held := must(guest.CopyIn(ctx, []byte("hello")))(t)
	err := guest.Write(held, []byte("hello!"))
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
		wazerohost.Book()))(t)
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
	booktest.ExpectFile(t, "ch11-go-buffer-errors.txt", report.String())
}
