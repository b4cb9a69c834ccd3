package chapter11_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"example.com/wasm-memory-book/go/wazerohost"
	"example.com/wasm-memory-book/harness/booktest"
)

// wazero#1848: a host function that returns bytes of any size, here a list
// of strings, to a Go guest, without a buffer the guest sized in advance.
// The guest exports its allocator; the host function calls it, from inside
// the host call, for exactly the room it needs.
func TestAHostFunctionReturnsAListOfStrings(t *testing.T) {
	ctx := context.Background()
	r := newRuntime(t, nil)
	wasi_snapshot_preview1.MustInstantiate(ctx, r)
	var list []string // what the host function returns, set by each case

	// ANCHOR: host_names
	_, err := r.NewHostModuleBuilder("env").NewFunctionBuilder().
		WithFunc(func(ctx context.Context, m api.Module) uint64 {
			// The list, encoded: a count, then each string's length and bytes.
			encoded := binary.LittleEndian.AppendUint32(nil, uint32(len(list)))
			for _, s := range list {
				encoded = binary.LittleEndian.AppendUint32(encoded, uint32(len(s)))
				encoded = append(encoded, s...)
			}
			// Room for exactly that, from the guest's own allocator, called
			// from inside this host call.
			results, err := m.ExportedFunction("allocate").Call(ctx, uint64(len(encoded)))
			if err != nil {
				panic(err)
			}
			ptr := uint32(results[0])
			if !m.Memory().Write(ptr, encoded) {
				panic(fmt.Sprintf("names: allocate gave %#x, outside memory", ptr))
			}
			return uint64(len(encoded))<<32 | uint64(ptr) // the guest's from now on
		}).Export("names").Instantiate(ctx)
	// ANCHOR_END: host_names
	if err != nil {
		t.Fatal(err)
	}
	module, err := r.InstantiateWithConfig(ctx, booktest.BuildTestdata(t, "hostlist"),
		wazero.NewModuleConfig().WithStartFunctions("_initialize"))
	if err != nil {
		t.Fatal(err)
	}
	guest := must(wazerohost.New(module, wazerohost.AllocateDeallocatePacked()))(t)
	greet := must(guest.OutputExport("greet_everyone"))(t)

	thousand := make([]string, 1000)
	for i := range thousand {
		thousand[i] = fmt.Sprint("guest", i)
	}
	var report strings.Builder
	for _, names := range [][]string{
		{"Ferris"},
		{"Ferris", "Gopher", "Zig", "AssemblyScript"},
		thousand,
		{strings.Repeat("x", 1<<20)}, // one name of 1 MiB
	} {
		list = names
		greeting := must(greet.CallString(ctx))(t) // read, then deallocate
		expected := "Hello, " + strings.Join(names, ", ") + "!"
		if greeting != expected || live(ctx, t, module) != 0 {
			t.Fatalf("%d names: %.40q, %d buffers kept", len(names), greeting, live(ctx, t, module))
		}
		shown := fmt.Sprintf("%q", greeting)
		if len(greeting) > 60 {
			shown = fmt.Sprintf("%.24q... (%d bytes)", greeting, len(greeting))
		}
		fmt.Fprintf(&report, "%4d name(s): greet_everyone returned %s; buffers still kept: %d\n",
			len(names), shown, live(ctx, t, module))
	}
	booktest.ExpectFile(t, "ch11-a-go-host-with-wazero/host-list.txt", report.String())
}
