// Chapter 11: a Go host on wazero. These tests are the chapter's code.
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

// ANCHOR: reactor
// instantiateReactor instantiates a Go or TinyGo guest built with
// -buildmode=c-shared: it imports WASI preview 1, and its `_initialize`
// (the Go runtime and the package initializers) must run before any
// other export, instead of `_start`.
func instantiateReactor(ctx context.Context, r wazero.Runtime, wasm []byte) (api.Module, error) {
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, r); err != nil {
		return nil, err
	}
	config := wazero.NewModuleConfig().WithStartFunctions("_initialize")
	return r.InstantiateWithConfig(ctx, wasm, config)
}

// ANCHOR_END: reactor

func seedGuest(ctx context.Context, t *testing.T, r wazero.Runtime) api.Module {
	t.Helper()
	// The host functions the guest imports, as a host module named "env".
	// ANCHOR: host_functions
	var logged []string
	config := []byte(`{"greeting": "hi"}`)
	_, err := r.NewHostModuleBuilder("env").
		// The guest hands the host (ptr, len); the host reads through
		// api.Module, which is the calling module.
		NewFunctionBuilder().WithFunc(func(ctx context.Context, m api.Module, ptr, length uint32) {
		bytes, ok := m.Memory().Read(ptr, length)
		if !ok {
			panic(fmt.Sprintf("log: %d bytes at %#x are outside memory", length, ptr))
		}
		logged = append(logged, string(bytes)) // string() copies
	}).Export("log").
		NewFunctionBuilder().WithFunc(func() uint32 { return uint32(len(config)) }).Export("config_len").
		// The guest allocated the buffer; the host writes into it.
		NewFunctionBuilder().WithFunc(func(ctx context.Context, m api.Module, ptr, length uint32) {
		if length != uint32(len(config)) || !m.Memory().Write(ptr, config) {
			panic(fmt.Sprintf("read_config: no room for %d bytes at %#x", len(config), ptr))
		}
	}).Export("read_config").
		Instantiate(ctx)
	// ANCHOR_END: host_functions
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if len(logged) > 0 && logged[0] != "a message for the host's log" {
			t.Errorf("logged %q", logged)
		}
	})
	module, err := instantiateReactor(ctx, r, booktest.Artifact(t, "CH11_GO_SEED"))
	if err != nil {
		t.Fatal(err)
	}
	return module
}

func TestTheSeedSnippetRunsAsWritten(t *testing.T) {
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	module := seedGuest(ctx, t, r)
	memory := module.Memory()

	// ANCHOR: seed
	fn := module.ExportedFunction("greeting")
	r0, err := fn.Call(ctx)
	if err != nil {
		t.Fatal(err)
	}
	size := uint32(r0[0] >> 32)
	offset := uint32(r0[0])
	bytes, ok := memory.Read(offset, size)
	// ANCHOR_END: seed
	if !ok || string(bytes) != "Hello from a Go guest" {
		t.Fatalf("%q, %v", bytes, ok)
	}
	// The greeting is kept until the host gives it back.
	if _, err := module.ExportedFunction("deallocate").Call(ctx, uint64(offset), uint64(size)); err != nil {
		t.Fatal(err)
	}
}

// The same bytes packed the other way, and what a host gets when it reads
// one order as the other.
func TestMixingUpThePackingOrders(t *testing.T) {
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	module := seedGuest(ctx, t, r)
	memory := module.Memory()

	// ANCHOR: orders
	low, _ := module.ExportedFunction("greeting").Call(ctx)
	high, _ := module.ExportedFunction("greeting_pointer_high").Call(ctx)

	// Each read in its own order: the same greeting.
	ptr, size := wazerohost.PointerLow.Unpack(low[0]) // the seed's order, and this book's
	bookOrder, _ := memory.Read(ptr, size)
	ptr, size = wazerohost.PointerHigh.Unpack(high[0]) // wazero's examples
	wazeroOrder, _ := memory.Read(ptr, size)

	// The pointer-high result read the seed's way: the pointer becomes the
	// length and the length the pointer.
	mixedSize, mixedOffset := uint32(high[0]>>32), uint32(high[0])
	mixed, ok := memory.Read(mixedOffset, mixedSize)
	// ANCHOR_END: orders

	if string(bookOrder) != "Hello from a Go guest" || string(wazeroOrder) != string(bookOrder) {
		t.Fatalf("%q, %q", bookOrder, wazeroOrder)
	}
	pages, _ := memory.Grow(0)
	// In range, so Read hands back a view of whatever lies there: the
	// stack, the data, most of the heap.
	if !ok || len(mixed) != int(mixedSize) || mixedSize < 1<<20 {
		t.Fatalf("expected a megabyte-sized read, got %d bytes, ok %v", len(mixed), ok)
	}
	outcome := fmt.Sprintf("ok == true, and %d bytes of whatever lies there", len(mixed))
	booktest.ExpectFile(t, "ch11-a-go-host-with-wazero/mixed-orders.txt", fmt.Sprintf(
		"pointer-high result: %#016x\nread the seed's way: %d bytes at %#x, in a %d-byte memory: %s\n",
		high[0], mixedSize, mixedOffset, uint64(pages)*65536, outcome))
}

func TestHostFunctionsInBothDirections(t *testing.T) {
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	module := seedGuest(ctx, t, r)
	if _, err := module.ExportedFunction("log_greeting").Call(ctx); err != nil {
		t.Fatal(err)
	}
	guest, err := wazerohost.New(module, wazerohost.AllocateDeallocatePacked())
	if err != nil {
		t.Fatal(err)
	}
	configured, err := guest.OutputExport("configured") // () -> packed (ptr, len)
	if err != nil {
		t.Fatal(err)
	}
	text, err := configured.CallString(ctx) // read, then given back with deallocate
	if err != nil || text != `configured with {"greeting": "hi"}` {
		t.Fatalf("%q, %v", text, err)
	}
	if live, _ := module.ExportedFunction("live").Call(ctx); live[0] != 0 {
		t.Fatalf("%d buffers were not given back", live[0])
	}
}

// counter is the Rust guest of chapter 2's Listing 2-1: a counter at a
// fixed address, and increment().
type counter struct {
	module    api.Module
	address   uint32
	increment api.Function
}

func newCounter(ctx context.Context, t *testing.T, r wazero.Runtime) counter {
	module := booktest.Instantiate(ctx, t, r, "CH02_POINTER_IS_OFFSET", booktest.Options{})
	address, err := module.ExportedFunction("counter_address").Call(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return counter{module, uint32(address[0]), module.ExportedFunction("increment")}
}

func (c counter) bump(ctx context.Context, t *testing.T) uint32 {
	results, err := c.increment.Call(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return uint32(results[0])
}

func TestReadReturnsAViewThatDisconnectsOnGrow(t *testing.T) {
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	c := newCounter(ctx, t, r)
	memory := c.module.Memory()

	// ANCHOR: view
	view, _ := memory.Read(c.address, 4) // a view of the counter, not a copy
	binary.LittleEndian.PutUint32(view, 41)
	if got := c.bump(ctx, t); got != 42 { // the guest saw the host's write
		t.Fatalf("increment returned %d", got)
	}

	memory.Grow(64) // the memory moves to a bigger Go array
	c.bump(ctx, t)  // the guest counts to 43, in the new slice

	stale := binary.LittleEndian.Uint32(view)
	fresh, _ := memory.ReadUint32Le(c.address)
	if stale != 42 || fresh != 43 { // the old view silently shows the old value
		t.Fatalf("old view %d, fresh read %d", stale, fresh)
	}
	binary.LittleEndian.PutUint32(view, 99) // and a write through it is lost
	if got := c.bump(ctx, t); got != 44 {
		t.Fatalf("increment returned %d", got)
	}
	// ANCHOR_END: view
}

func TestCapacityFromMaxKeepsViewsConnected(t *testing.T) {
	ctx := context.Background()
	// ANCHOR: capacity
	// Reserve the whole memory up front: 256 pages here, since the guest
	// declares no maximum. Growing within it never moves the memory.
	config := wazero.NewRuntimeConfig().WithMemoryLimitPages(256).WithMemoryCapacityFromMax(true)
	r := wazero.NewRuntimeWithConfig(ctx, config)
	// ANCHOR_END: capacity
	defer r.Close(ctx)
	c := newCounter(ctx, t, r)
	memory := c.module.Memory()
	view, _ := memory.Read(c.address, 4)
	if _, ok := memory.Grow(64); !ok {
		t.Fatal("grow refused")
	}
	c.bump(ctx, t)
	if got := binary.LittleEndian.Uint32(view); got != 1 {
		t.Fatalf("the view read %d after growing within capacity", got)
	}
}

// The seed's question from the host's side: call A hands over a buffer that
// nobody keeps; call B allocates; then the host reads A's bytes.
func TestTheSeedQuestionFromTheHostsSide(t *testing.T) {
	ctx := context.Background()
	run := func(export string) (churned uint32, text string, live uint64) {
		r := wazero.NewRuntime(ctx)
		defer r.Close(ctx)
		module := booktest.Instantiate(ctx, t, r, "CH06_GO_GREETER", booktest.Options{})
		results, err := module.ExportedFunction(export).Call(ctx, 10) // call A
		if err != nil {
			t.Fatal(err)
		}
		ptr, length := wazerohost.PointerLow.Unpack(results[0])
		original, _ := module.Memory().Read(ptr, length)
		original = append([]byte(nil), original...)
		for churned < 32<<20 { // call B, again and again: 64 KiB of garbage each
			if _, err := module.ExportedFunction("churn").Call(ctx, 64<<10, uint64(length)); err != nil {
				t.Fatal(err)
			}
			churned += 64 << 10
			now, _ := module.Memory().Read(ptr, length)
			if string(now) != string(original) {
				return churned, string(now), 0
			}
		}
		if _, err := module.ExportedFunction("deallocate").Call(ctx, uint64(ptr), uint64(length)); err != nil {
			t.Fatal(err)
		}
		count, _ := module.ExportedFunction("live").Call(ctx)
		return 0, string(original), count[0]
	}
	unkeptChurn, unkeptText, _ := run("greet")
	keptChurn, keptText, keptLive := run("greet_kept")
	if unkeptChurn == 0 || !strings.Contains(unkeptText, "#") {
		t.Fatalf("the unkept greeting survived: %q", unkeptText)
	}
	if keptChurn != 0 || keptLive != 0 {
		t.Fatalf("the kept greeting: churn %d, live %d", keptChurn, keptLive)
	}
	booktest.ExpectFile(t, "ch11-a-go-host-with-wazero/seed-question.txt", fmt.Sprintf(
		"greet (nobody keeps it):  overwritten after %.2f MiB of churn, now %q\n"+
			"greet_kept (keepalive):   intact after 32 MiB of churn: %q\n"+
			"live buffers after the host's deallocate: %d\n",
		float64(unkeptChurn)/(1<<20), unkeptText[:24]+"...", keptText, keptLive))
}

// One row of the chapter's table of hosts: wazero's.
func TestWazeroRowOfTheHostsTable(t *testing.T) {
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	module := booktest.Instantiate(ctx, t, r, "CH04_PACKED_RETURN", booktest.Options{})
	guest, err := wazerohost.New(module, wazerohost.AllocateDeallocatePacked())
	if err != nil {
		t.Fatal(err)
	}
	greeting, err := guest.CallString(ctx, "greet", "Ferris")
	if err != nil || greeting != "Hello, Ferris!" {
		t.Fatalf("%q, %v", greeting, err)
	}
	size := module.Memory().Size()
	_, ok := module.Memory().Read(size-2, 4)
	if ok {
		t.Fatal("an out-of-bounds Read succeeded")
	}
	booktest.ExpectFile(t, "ch11-a-go-host-with-wazero/hosts-wazero.md", fmt.Sprintf(
		"| wazero (Go) | `Memory().Read(ptr, len)`: a slice of the memory itself, write-through | "+
			"the slice disconnects: it keeps the old bytes, and writes to it are lost | `Read` returns `ok == false` | `%x` |\n",
		greeting))
}
