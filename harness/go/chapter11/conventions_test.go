// Chapter 11: the utility, wazerohost, under each convention, against the
// book's guests.
package chapter11_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero/api"

	"example.com/wasm-memory-book/go/wazerohost"
	"example.com/wasm-memory-book/harness/booktest"
)

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
		{"Rust, allocate/deallocate", "CH04_PACKED_RETURN", "greet", wazerohost.AllocateDeallocatePacked(),
			"Hello, " + input + "!", false},
		{"Rust, checked allocator", "CH08_RUST_SHOUT", "shout", wazerohost.AllocateDeallocatePacked(), strings.ToUpper(input), true},
		{"Go reactor, keepalive", "CH08_GO_SHOUT", "shout", wazerohost.AllocateDeallocatePacked(), strings.ToUpper(input), true},
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

func TestATrapStillFreesTheInput(t *testing.T) {
	ctx := context.Background()
	var messages []string
	module := booktest.Instantiate(ctx, t, newRuntime(t, nil), "CH08_RUST_SHOUT", booktest.Options{Messages: &messages})
	shout := must(must(wazerohost.New(module, wazerohost.AllocateDeallocatePacked()))(t).Export("shout"))(t)
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
