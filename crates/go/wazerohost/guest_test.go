package wazerohost_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"example.com/wasm-memory-book/go/wazerohost"
)

var i32 = api.ValueTypeI32

// New checks the guest against the convention: the memory and the
// allocator's exports, with their types. A handle checks its export the
// same way, once.
func TestNewAndHandlesCheckTheGuest(t *testing.T) {
	ctx := context.Background()
	module := instantiate(t, newRuntime(t, nil), guestWasm)
	for _, test := range []struct {
		convention wazerohost.Convention
		kind       wazerohost.ErrorKind
		message    string
	}{
		{wazerohost.Convention{Allocator: wazerohost.CabiRealloc}, wazerohost.MissingExport,
			`the guest does not export "cabi_realloc", the allocator of CabiRealloc`},
		{wazerohost.Convention{Allocator: wazerohost.MallocFree, AllocName: "guest_malloc", FreeName: "guest_free"},
			wazerohost.MissingExport, `the guest does not export "guest_malloc", the allocator of MallocFree`},
		{wazerohost.Convention{FreeName: "release"}, wazerohost.MissingExport,
			`the guest does not export "release", the free export of AllocateDeallocate`},
		{wazerohost.Convention{Allocator: wazerohost.NoAllocator, Memory: "heap"}, wazerohost.MissingExport,
			`the guest does not export "heap", the memory this convention names`},
		{wazerohost.Convention{AllocName: "greet"}, wazerohost.WrongSignature,
			`"greet" has the wrong type for the allocator of AllocateDeallocate: ` +
				`it takes [i32 i32] and returns [i64], not [i32] and [i32]`},
		{wazerohost.Convention{Allocator: wazerohost.MallocFree, FreeName: "deallocate"}, wazerohost.WrongSignature,
			`"deallocate" has the wrong type for the free export of MallocFree: ` +
				`it takes [i32 i32] and returns [], not [i32] and []`},
	} {
		_, err := wazerohost.New(module, test.convention)
		expectMessage(t, err, test.kind, test.message)
	}

	guest := must(wazerohost.New(module, wazerohost.AllocateDeallocatePacked()))(t)
	const takesPtrLen = "an export taking (ptr, len) and returning a packed (ptr, len)"
	for _, test := range []struct {
		err     error
		kind    wazerohost.ErrorKind
		message string
	}{
		{second(guest.Export("whisper")), wazerohost.MissingExport, `the guest does not export "whisper", ` + takesPtrLen},
		{second(guest.Export("version")), wazerohost.WrongSignature,
			`"version" has the wrong type for ` + takesPtrLen + `: it takes [] and returns [i64], not [i32 i32] and [i64]`},
		{second(guest.Export("sum")), wazerohost.WrongSignature,
			`"sum" has the wrong type for ` + takesPtrLen + `: it takes [i32 i32] and returns [i32], not [i32 i32] and [i64]`},
		{second(guest.OutputExport("greet")), wazerohost.WrongSignature,
			`"greet" has the wrong type for an export returning a packed (ptr, len): ` +
				`it takes [i32 i32] and returns [i64], not [] and [i64]`},
		{second(must(guest.OutputExport("version"))(t).Call(ctx, 1)), wazerohost.WrongSignature,
			`"version" has the wrong type for this call: it takes 0 parameters, not 1`},
		{second(guest.CallBytes(ctx, "greet", make([]byte, 1<<32+1))), // untouched pages: cheap
			wazerohost.InputTooLarge, `an input of 4294967297 bytes is too large for a 32-bit guest ("allocate")`},
	} {
		expectMessage(t, test.err, test.kind, test.message)
	}
	if live(ctx, t, module) != 0 {
		t.Fatal("a refused call allocated in the guest")
	}
}

// A guest whose convention has no allocator cannot be passed input.
func TestNoAllocatorCannotWrite(t *testing.T) {
	ctx := context.Background()
	module := instantiate(t, newRuntime(t, nil), guestWasm)
	guest := must(wazerohost.New(module, wazerohost.Convention{Allocator: wazerohost.NoAllocator}))(t)
	for _, test := range []struct {
		err     error
		message string
	}{
		{second(guest.Export("greet")), `cannot pass input to "greet": this guest's convention has no allocator`},
		{second(guest.CopyIn(ctx, []byte("x"))), "CopyIn cannot write into the guest: its convention has no allocator"},
		{third(guest.HandOver(ctx, []byte("x"))), "HandOver cannot write into the guest: its convention has no allocator"},
	} {
		expectMessage(t, test.err, wazerohost.NoAllocatorToWrite, test.message)
	}
	// It can still read what an export returns, and frees nothing.
	if got := must(must(guest.OutputExport("version"))(t).CallString(ctx))(t); got != "guest 1.0" {
		t.Fatal(got)
	}
	if n := live(ctx, t, module); n != 1 {
		t.Fatalf("%d live: NoAllocator freed the result", n)
	}
}

// 100 round trips of 64 KiB through each allocator the guest exports, half
// as strings and half as bytes: every input and every result is given back.
func TestRoundTrips(t *testing.T) {
	ctx := context.Background()
	input := strings.Repeat("gopher ", 64<<10/7)
	for _, test := range []struct {
		name       string
		convention wazerohost.Convention
	}{
		{"allocate/deallocate", wazerohost.AllocateDeallocatePacked()},
		{"malloc/free", wazerohost.Convention{Allocator: wazerohost.MallocFree}},
		{"renamed", wazerohost.Convention{Allocator: wazerohost.MallocFree, AllocName: "allocate", FreeName: "free"}},
	} {
		t.Run(test.name, func(t *testing.T) {
			module := instantiate(t, newRuntime(t, nil), guestWasm)
			guest := must(wazerohost.New(module, test.convention))(t)
			greet := must(guest.Export("greet"))(t)
			if greet.Name() != "greet" {
				t.Fatal(greet.Name())
			}
			for i := range 50 {
				if got := must(greet.CallString(ctx, input))(t); got != "Hello, "+input+"!" {
					t.Fatalf("call %d: %.40q...", i, got)
				}
				if got := must(greet.CallBytes(ctx, []byte(input)))(t); string(got) != "Hello, "+input+"!" {
					t.Fatalf("call %d: %.40q...", i, got)
				}
			}
			if got := must(guest.CallString(ctx, "greet", "Gopher"))(t); got != "Hello, Gopher!" {
				t.Fatal(got)
			}
			if got := must(guest.CallBytes(ctx, "greet", nil))(t); string(got) != "Hello, !" {
				t.Fatalf("%q", got)
			}
			if n := live(ctx, t, module); n != 0 {
				t.Fatalf("%d buffers were not given back", n)
			}
			if err := guest.CheckLeaks(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// The guest packs pointer-low. Read pointer-high, the pointer becomes the
// length: the cap refuses it, and the "result" is not freed (freeing a
// made-up range would corrupt the guest's heap), so it leaks, visibly.
func TestTheWrongPackingOrderIsCaughtByTheCap(t *testing.T) {
	ctx := context.Background()
	module := instantiate(t, newRuntime(t, nil), guestWasm)
	wrong := wazerohost.Convention{Order: wazerohost.PointerHigh, MaxLen: 1000}
	_, err := must(wazerohost.New(module, wrong))(t).CallString(ctx, "greet", "tiny")
	// The input is at 0x400, 4 bytes; the result at 0x408, 12 bytes.
	expectMessage(t, err, wazerohost.TooLong, `"greet" returned 1032 bytes at 0xc, more than the 1000 bytes the host accepts`)
	if n := live(ctx, t, module); n != 1 {
		t.Fatalf("%d live: the input should be freed and the result not", n)
	}
	right := wazerohost.Convention{Order: wazerohost.PointerLow, MaxLen: 1000}
	if got := must(must(wazerohost.New(module, right))(t).CallString(ctx, "greet", "tiny"))(t); got != "Hello, tiny!" {
		t.Fatal(got)
	}
}

// Both packing orders, through the liar, which returns the (ptr, len) it
// was told in the order the test packs it: the same bytes either way, and
// the input and the result both freed.
func TestBothPackingOrders(t *testing.T) {
	ctx := context.Background()
	for _, order := range []wazerohost.PackingOrder{wazerohost.PointerLow, wazerohost.PointerHigh} {
		t.Run(order.String(), func(t *testing.T) {
			module := instantiate(t, newRuntime(t, nil), liarWasm)
			call(ctx, t, module, "tell", 1024, order.Pack(3072, 17)) // 17 bytes of UTF-8 at 3072
			guest := must(wazerohost.New(module, wazerohost.Convention{Order: order}))(t)
			if got := must(guest.CallString(ctx, "lie_about", "input"))(t); got != "café € 𝄞 ok" {
				t.Fatalf("%q", got)
			}
			if frees := call(ctx, t, module, "frees"); frees != 2 {
				t.Fatalf("%d frees, not 2 (the input and the result)", frees)
			}
		})
	}
}

// A reactor's exports work only after _initialize. The guest's shout traps
// until then: the call fails with CallFailed, which wraps wazero's error,
// the input is still freed, and the handle works once _initialize has run.
func TestAReactorRunsInitializeFirst(t *testing.T) {
	ctx := context.Background()
	r := newRuntime(t, nil)
	module := instantiate(t, r, guestWasm) // wazero runs _start, not _initialize
	shout := must(must(wazerohost.New(module, wazerohost.AllocateDeallocatePacked()))(t).Export("shout"))(t)
	_, err := shout.CallString(ctx, "hello")
	failed := expectKind(t, err, wazerohost.CallFailed, `calling "shout" failed: wasm error: unreachable`)
	if failed.Export != "shout" || errors.Unwrap(err) == nil {
		t.Fatalf("%#v", failed)
	}
	if n := live(ctx, t, module); n != 0 {
		t.Fatalf("the input was not freed: %d live", n)
	}
	call(ctx, t, module, "_initialize")
	if got := must(shout.CallString(ctx, "hello"))(t); got != "HELLO" {
		t.Fatal(got)
	}

	// As a host instantiates a reactor: _initialize as the start function.
	reactor := instantiateReactor(t, r)
	guest := must(wazerohost.New(reactor, wazerohost.AllocateDeallocatePacked()))(t)
	if got := must(guest.CallBytes(ctx, "shout", []byte("gopher")))(t); string(got) != "GOPHER" {
		t.Fatalf("%q", got)
	}
}

// An export that returns a buffer and takes numbers, or nothing.
func TestOutputExports(t *testing.T) {
	ctx := context.Background()
	module := instantiate(t, newRuntime(t, nil), guestWasm)
	guest := must(wazerohost.New(module, wazerohost.AllocateDeallocatePacked()))(t)
	version := must(guest.OutputExport("version"))(t)
	if version.Name() != "version" {
		t.Fatal(version.Name())
	}
	if got := must(version.Call(ctx))(t); string(got) != "guest 1.0" {
		t.Fatalf("%q", got)
	}
	if got := must(version.CallString(ctx))(t); got != "guest 1.0" {
		t.Fatal(got)
	}
	// greet through OutputExport: the host passes a (ptr, len) it holds.
	name := must(guest.CopyIn(ctx, []byte("Gopher")))(t)
	greet := must(guest.OutputExport("greet", i32, i32))(t)
	if got := must(greet.CallString(ctx, uint64(name.Ptr()), uint64(name.Len())))(t); got != "Hello, Gopher!" {
		t.Fatal(got)
	}
	if err := guest.Release(ctx, name); err != nil {
		t.Fatal(err)
	}
	if n := live(ctx, t, module); n != 0 {
		t.Fatalf("%d buffers were not given back", n)
	}
}

// An allocator that cannot grow the memory returns 0: AllocationFailed,
// before any export is called.
func TestAnAllocatorThatFails(t *testing.T) {
	ctx := context.Background()
	module := instantiate(t, newRuntime(t, wazero.NewRuntimeConfig().WithMemoryLimitPages(2)), guestWasm)
	for _, test := range []struct {
		convention wazerohost.Convention
		message    string
	}{
		{wazerohost.AllocateDeallocatePacked(), `"allocate" could not allocate 4194304 bytes (it returned 0)`},
		{wazerohost.Convention{Allocator: wazerohost.MallocFree}, `"malloc" could not allocate 4194304 bytes (it returned 0)`},
	} {
		guest := must(wazerohost.New(module, test.convention))(t)
		expectMessage(t, second(guest.CopyIn(ctx, make([]byte, 4<<20))), wazerohost.AllocationFailed, test.message)
		expectMessage(t, second(guest.CallString(ctx, "greet", strings.Repeat("x", 4<<20))),
			wazerohost.AllocationFailed, test.message)
	}
	if n := live(ctx, t, module); n != 0 {
		t.Fatalf("%d live", n)
	}
}

// An allocator that lies is checked like any other (ptr, len) the guest
// hands over, and what it handed out is not freed: it is not memory the
// guest has, or the host already holds it.
func TestAnAllocatorThatLies(t *testing.T) {
	ctx := context.Background()
	module := instantiate(t, newRuntime(t, nil), liarWasm)
	guest := must(wazerohost.New(module, wazerohost.AllocateDeallocatePacked()))(t)

	call(ctx, t, module, "tell", 0xfffffff0, 0)
	expectMessage(t, second(guest.CopyIn(ctx, []byte("sixteen bytes!!!"))), wazerohost.Overflow,
		`"allocate" returned 16 bytes at 0xfffffff0: the end overflows a 32-bit address`)
	call(ctx, t, module, "tell", 65530, 0)
	expectMessage(t, second(guest.CallString(ctx, "lie_about", "8 bytes!")), wazerohost.OutOfBounds,
		`"allocate" returned 8 bytes at 0xfffa, ending at 0x10002, past the end of its 65536-byte memory`)
	call(ctx, t, module, "tell", 0, 0)
	expectMessage(t, second(guest.CopyIn(ctx, []byte("no"))), wazerohost.AllocationFailed,
		`"allocate" could not allocate 2 bytes (it returned 0)`)

	// The same address twice: the second buffer would overlap the first,
	// and giving both back would free the same bytes twice.
	call(ctx, t, module, "tell", 1024, 0)
	first := must(guest.CopyIn(ctx, []byte("first")))(t)
	_, err := guest.CopyIn(ctx, []byte("second"))
	refused := expectMessage(t, err, wazerohost.OverlapsHeldBuffer,
		`6 bytes at 0x400 from "allocate" overlap the 5-byte buffer at 0x400 from "allocate", which the host already holds`)
	if len(refused.Buffers) != 1 || refused.Buffers[0] != first {
		t.Fatalf("%v", refused.Buffers)
	}
	// Refused before writing: the held buffer still holds its own bytes.
	if held := string(must(guest.Read(first))(t)); held != "first" {
		t.Fatalf("the refused copy wrote over the held buffer: it holds %q", held)
	}
	if err := guest.Release(ctx, first); err != nil {
		t.Fatal(err)
	}
	if frees, outside := call(ctx, t, module, "frees"), call(ctx, t, module, "frees_outside"); frees != 1 || outside != 0 {
		t.Fatalf("%d frees, %d outside memory: only the first buffer should be freed", frees, outside)
	}
}

// Every lie about a result gets its own error, naming the export, the
// pointer and the length; a range outside memory is never freed.
func TestLyingResults(t *testing.T) {
	ctx := context.Background()
	module := instantiate(t, newRuntime(t, nil), liarWasm)
	guest := must(wazerohost.New(module, wazerohost.Convention{MaxLen: 64 << 10}))(t)
	lie := must(guest.OutputExport("lie"))(t)
	pack := wazerohost.PointerLow.Pack
	for _, test := range []struct {
		result  uint64
		kind    wazerohost.ErrorKind
		message string
	}{
		{pack(65530, 16), wazerohost.OutOfBounds,
			`"lie" returned 16 bytes at 0xfffa, ending at 0x1000a, past the end of its 65536-byte memory`},
		{pack(0xfffffff0, 32), wazerohost.Overflow, `"lie" returned 32 bytes at 0xfffffff0: the end overflows a 32-bit address`},
		{pack(0, 1<<20), wazerohost.TooLong, `"lie" returned 1048576 bytes at 0x0, more than the 65536 bytes the host accepts`},
		{pack(2048, 7), wazerohost.NotUTF8, `"lie" returned 7 bytes at 0x800 that are not UTF-8`},
	} {
		call(ctx, t, module, "tell", 1024, test.result)
		_, err := lie.CallString(ctx)
		refused := expectMessage(t, err, test.kind, test.message)
		ptr, length := wazerohost.PointerLow.Unpack(test.result)
		if refused.Export != "lie" || refused.Ptr != ptr || refused.Len != length {
			t.Fatalf("%#v", refused)
		}
	}
	// Only the result that was in memory, though not UTF-8, was freed.
	if frees, outside := call(ctx, t, module, "frees"), call(ctx, t, module, "frees_outside"); frees != 1 || outside != 0 {
		t.Fatalf("%d frees, %d outside memory", frees, outside)
	}
	// Memory that grows makes the same range valid.
	call(ctx, t, module, "grow", 1)
	call(ctx, t, module, "tell", 1024, pack(65530, 16))
	if got := must(lie.Call(ctx))(t); len(got) != 16 {
		t.Fatalf("%d bytes", len(got))
	}
}
