// Chapter 7 in the Go room: the pattern of proxy-wasm's Go SDK, where the
// guest exports an allocator and no free, under wazero. Its guest is
// testdata/hostfills, built by the test with the Go running it.
package chapter07_test

import (
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
