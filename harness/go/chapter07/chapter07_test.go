// Chapter 7 in the Go room: the pattern of proxy-wasm's Go SDK, where the
// guest exports an allocator and no free, under wazero. Its guest is
// testdata/hostfills, built by the test with the Go running it.
package chapter07_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"example.com/wasm-memory-book/harness/booktest"
)

// What the host hands over: 64 bytes, so that churn of the same size reuses
// its slot once it is garbage.
const requestBody = "name=Ferris&order=7&items=tea,cups,teapot&note=leave+at+the+door"

// churnBuffers is how many buffers of the body's size churn allocates:
// 6.4 MB, after a collection.
const churnBuffers = 100_000

func TestTheHostFillsAVariableTheGuestPassed(t *testing.T) {
	if len(requestBody) != 64 {
		t.Fatalf("the body is %d bytes", len(requestBody))
	}
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	wasi_snapshot_preview1.MustInstantiate(ctx, r)

	// ANCHOR: get_body
	_, err := r.NewHostModuleBuilder("env").NewFunctionBuilder().
		WithFunc(func(ctx context.Context, m api.Module, returnData, returnSize uint32) {
			// Room in the guest, from its own allocator, called from inside
			// this host call.
			results, err := m.ExportedFunction("proxy_on_memory_allocate").Call(ctx, uint64(len(requestBody)))
			if err != nil {
				panic(err)
			}
			ptr := uint32(results[0])
			// Fill it, then store its address and length in the guest's
			// variables: a Go pointer takes 8 bytes in a Go guest's memory.
			if !m.Memory().WriteString(ptr, requestBody) ||
				!m.Memory().WriteUint64Le(returnData, uint64(ptr)) ||
				!m.Memory().WriteUint32Le(returnSize, uint32(len(requestBody))) {
				panic("get_body: an address outside the guest's memory")
			}
		}).Export("get_body").Instantiate(ctx)
	// ANCHOR_END: get_body
	if err != nil {
		t.Fatal(err)
	}
	wasm := booktest.BuildTestdata(t, "hostfills")
	module, err := r.InstantiateWithConfig(ctx, wasm, wazero.NewModuleConfig().WithStartFunctions("_initialize"))
	if err != nil {
		t.Fatal(err)
	}
	call := func(name string, params ...uint64) uint32 {
		t.Helper()
		results, err := module.ExportedFunction(name).Call(ctx, params...)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(results) == 0 {
			return 0
		}
		return uint32(results[0])
	}
	churn := func() { call("churn", uint64(len(requestBody)), churnBuffers) }
	read := func(ptr uint32) string {
		bytes, ok := module.Memory().Read(ptr, uint32(len(requestBody)))
		if !ok {
			t.Fatalf("%#x is outside memory", ptr)
		}
		return string(bytes)
	}
	var report strings.Builder
	fmt.Fprintf(&report, "a Go pointer in the guest's memory: %d bytes\n", call("pointer_size"))

	// Held by the guest's variable: it survives a collection and the churn.
	ptr := call("read_body")
	churn()
	if got := read(ptr); got != requestBody {
		t.Fatalf("the body was overwritten while the guest held it: %q", got)
	}
	fmt.Fprintf(&report, "read_body: %d bytes at %#x, held by the guest's body variable\n"+
		"  after a collection and %d buffers of churn: intact, %.24q...\n", len(requestBody), ptr, churnBuffers, read(ptr))

	// Dropped by the guest: garbage, collected and reused like any other.
	call("forget_body")
	churn()
	if got := read(ptr); got == requestBody || !strings.Contains(got, "#") {
		t.Fatalf("the body was not reclaimed once the guest dropped it: %q", got)
	}
	fmt.Fprintf(&report, "forget_body, then the same churn: reclaimed, now %.24q...\n", read(ptr))

	// The hazard of the pattern: between proxy_on_memory_allocate and the
	// store into a guest variable, nothing keeps the buffer. Here the host
	// allocates outside any call and lets the guest run before anything
	// refers to it.
	loose := call("proxy_on_memory_allocate", uint64(len(requestBody)))
	module.Memory().WriteString(loose, requestBody)
	churn()
	if got := read(loose); got == requestBody {
		t.Fatalf("a buffer nothing referred to survived a collection and the churn")
	}
	fmt.Fprintf(&report, "allocated by the host outside a call, the guest running before anything holds it: "+
		"overwritten, %.24q...\n", read(loose))
	booktest.ExpectFile(t, "ch07-keepalive-pattern/host-fills.txt", report.String())
}

// The keepalive pattern step by step, on Listing 6-1's Go guest: the guest
// keeps, the host copies, the host deallocates, and only then may the guest
// reuse the address.
func TestKeptCopiedDeallocatedThenReused(t *testing.T) {
	ctx, module := booktest.NewModule(t, "CH06_GO_GREETER")

	// ANCHOR: round_trip
	// call calls an export that returns one result, and stops on a trap.
	call := func(f api.Function, params ...uint64) uint64 {
		results, err := f.Call(ctx, params...)
		if err != nil {
			t.Fatal(err)
		}
		return results[0]
	}
	greetKept := module.ExportedFunction("greet_kept")
	live := module.ExportedFunction("live")
	deallocate := module.ExportedFunction("deallocate")
	allocate := module.ExportedFunction("allocate")

	// 1. The guest keeps the buffer in its map and hands it over.
	packed := call(greetKept, 10)
	ptr, length := uint32(packed), uint32(packed>>32)
	if n := call(live); n != 1 {
		t.Fatalf("live() = %d", n)
	}
	// 2. The host copies the bytes out (Read returns a view, or false if
	//    they are not all inside the memory).
	view, ok := module.Memory().Read(ptr, length)
	if !ok {
		t.Fatalf("%#x+%d is outside the guest's memory", ptr, length)
	}
	greeting := bytes.Clone(view)
	// 3. The host gives the buffer back, with the length it received.
	if _, err := deallocate.Call(ctx, uint64(ptr), uint64(length)); err != nil {
		t.Fatal(err)
	}
	if n := call(live); n != 0 {
		t.Fatalf("live() = %d", n)
	}
	// 4. Garbage now: a later collection frees it, and an allocation reuses
	//    the address. The host's copy is its own.
	for calls := 0; uint32(call(allocate, uint64(length))) != ptr; calls++ {
		if calls >= 200_000 {
			t.Fatalf("not reused after %d calls", calls)
		}
	}
	if !bytes.HasPrefix(greeting, []byte("call 1: hello hello")) {
		t.Fatalf("the copy changed: %q", greeting)
	}
	// ANCHOR_END: round_trip

	booktest.ExpectFile(t, "ch07-keepalive-pattern/round-trip.txt", fmt.Sprintf(
		"greet_kept(10) returned %d bytes at %#x; live() = 1\n"+
			"the host copied %q\n"+
			"deallocate(%#x, %d); live() = 0\n"+
			"a later allocate(%d) returned %#x: reclaimed and reused\n",
		length, ptr, greeting, ptr, length, length, ptr))
}

// AssemblyScript's built-in keepalive, on Listing 6-2: the host pins the
// object it received, and unpins it when done.
func TestAPinnedObjectSurvivesUntilUnpinned(t *testing.T) {
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	_, err := r.NewHostModuleBuilder("env").NewFunctionBuilder().
		WithFunc(func(message, file, line, column uint32) {
			panic(fmt.Sprintf("the guest aborted at line %d, column %d", line, column))
		}).Export("abort").Instantiate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	module := booktest.Instantiate(ctx, t, r, "CH06_AS_GREETER", booktest.Options{})

	// ANCHOR: as_pin
	// call calls the export name, and stops on a trap.
	call := func(name string, params ...uint64) []uint64 {
		results, err := module.ExportedFunction(name).Call(ctx, params...)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return results
	}
	ptr := uint32(call("greet", 10)[0])
	// Pin before anything else runs in the guest: no allocation, so no
	// collection, can happen between the return and this call.
	call("__pin", uint64(ptr))
	// An ArrayBuffer's length is the u32 4 bytes before its first byte.
	memory := module.Memory()
	length, ok := memory.ReadUint32Le(ptr - 4)
	view, inside := memory.Read(ptr, length)
	if ptr < 4 || !ok || !inside {
		t.Fatalf("%#x+%d is outside the guest's memory", ptr, length)
	}
	greeting := bytes.Clone(view)

	// A collection and 1 MiB of garbage: the pinned object is intact.
	call("__collect")
	call("churn", 1<<20, 67)
	// Read again: a view taken before a call may be stale if it grew the memory.
	now, _ := memory.Read(ptr, length) // inside: memory only grows
	if !bytes.Equal(now, greeting) {
		t.Fatalf("pinned, and yet overwritten: %q", now)
	}

	// Done: unpinned, it is garbage like any other.
	call("__unpin", uint64(ptr))
	call("__collect")
	call("churn", 4096, 67)
	after, _ := memory.Read(ptr, length)
	if bytes.Equal(after, greeting) {
		t.Fatal("unpinned, collected, and still intact")
	}
	// ANCHOR_END: as_pin

	booktest.ExpectFile(t, "ch07-keepalive-pattern/as-pin.txt", fmt.Sprintf(
		"greet(10) returned an ArrayBuffer of %d bytes at %#x: %q\n"+
			"pinned, after __collect and 1 MiB of churn: intact\n"+
			"unpinned, after __collect and 4 KiB of churn, it starts %q\n",
		length, ptr, greeting, after[:16]))
}
