package wazerohost_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"example.com/wasm-memory-book/go/wazerohost"
	"example.com/wasm-memory-book/go/wazerohost/internal/booktest"
)

func live(ctx context.Context, t *testing.T, module api.Module) uint64 {
	t.Helper()
	results, err := module.ExportedFunction("live").Call(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return results[0]
}

// Each convention against a real guest from the book's listings.
func TestConventions(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name, artifact string
		convention     wazerohost.Convention
		input, want    string
		countsLive     bool
	}{
		{"Rust, allocate/deallocate", "CH04_PACKED_RETURN", wazerohost.Book, "Ferris", "Hello, Ferris!", false},
		{"Rust, checked allocator", "CH08_RUST_SHOUT", wazerohost.Book, "shout", "SHOUT", true},
		{"Go reactor, keepalive", "CH08_GO_SHOUT", wazerohost.Book, "gopher", "GOPHER", true},
		{"malloc/free, pointer high", "CH08_MALLOC_SHOUT",
			wazerohost.Convention{Allocator: wazerohost.MallocFree, Order: wazerohost.PointerHigh}, "tiny", "TINY", false},
		{"canonical ABI", "CH08_CABI_SHOUT",
			wazerohost.Convention{Allocator: wazerohost.CabiRealloc, Order: wazerohost.PointerLow}, "component", "COMPONENT", false},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			r := wazero.NewRuntime(ctx)
			defer r.Close(ctx)
			module := booktest.Instantiate(ctx, t, r, test.artifact, booktest.Options{})
			guest, err := wazerohost.New(module, test.convention)
			if err != nil {
				t.Fatal(err)
			}
			pages, _ := module.Memory().Grow(0)
			for i := 0; i < 100; i++ {
				got, err := guest.CallString(ctx, exportOf(test.artifact), test.input)
				if err != nil || got != test.want {
					t.Fatalf("call %d: %q, %v", i, got, err)
				}
			}
			if test.countsLive && live(ctx, t, module) != 0 {
				t.Fatalf("%d buffers were not given back", live(ctx, t, module))
			}
			if after, _ := module.Memory().Grow(0); after > pages+1 {
				t.Fatalf("memory grew from %d to %d pages in 100 calls: something was not freed", pages, after)
			}
		})
	}
}

func exportOf(artifact string) string {
	if artifact == "CH04_PACKED_RETURN" {
		return "greet"
	}
	return "shout"
}

// Every lie of the book's lying guest gets its own error, and no panic.
func TestLyingGuest(t *testing.T) {
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	module := booktest.Instantiate(ctx, t, r, "CH04_LYING_GUEST", booktest.Options{})
	guest, err := wazerohost.New(module, wazerohost.Convention{Allocator: wazerohost.NoAllocator, MaxLen: 64 << 10})
	if err != nil {
		t.Fatal(err)
	}
	var report strings.Builder
	for _, test := range []struct {
		export string
		kind   wazerohost.ErrorKind
	}{
		{"ends_past_memory", wazerohost.OutOfBounds},
		{"length_wraps_around", wazerohost.Overflow},
		{"huge_length", wazerohost.TooLong},
		{"invalid_utf8", wazerohost.NotUTF8},
	} {
		results, err := module.ExportedFunction(test.export).Call(ctx)
		if err != nil {
			t.Fatal(err)
		}
		ptr, length := wazerohost.PointerLow.Unpack(results[0])
		_, err = guest.ReadString(test.export, ptr, length)
		var refused *wazerohost.Error
		if !errors.As(err, &refused) || refused.Kind != test.kind {
			t.Fatalf("%s: %v", test.export, err)
		}
		fmt.Fprintf(&report, "%s\n", err)
	}
	booktest.ExpectFile(t, "ch11-go-lying-guest.txt", report.String())
}

func TestATrapStillFreesTheInput(t *testing.T) {
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	var messages []string
	module := booktest.Instantiate(ctx, t, r, "CH08_RUST_SHOUT", booktest.Options{Messages: &messages})
	guest, err := wazerohost.New(module, wazerohost.Book)
	if err != nil {
		t.Fatal(err)
	}
	_, err = guest.CallBytes(ctx, "shout", []byte{0xff, 0xfe}) // not UTF-8: the guest traps
	var failed *wazerohost.Error
	if !errors.As(err, &failed) || failed.Kind != wazerohost.CallFailed || failed.Export != "shout" {
		t.Fatalf("%v", err)
	}
	if n := live(ctx, t, module); n != 0 {
		t.Fatalf("the input was not freed: %d live", n)
	}
}

// An AssemblyScript object: the length is in its header, and a corrupted
// header is refused like any other lie.
func TestAssemblyScriptObjects(t *testing.T) {
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	_, err := r.NewHostModuleBuilder("env").NewFunctionBuilder().
		WithFunc(func(context.Context, uint32, uint32, uint32, uint32) { panic("abort") }).
		Export("abort").Instantiate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	module := booktest.Instantiate(ctx, t, r, "CH06_AS_GREETER", booktest.Options{})
	guest, _ := wazerohost.New(module, wazerohost.Convention{Allocator: wazerohost.NoAllocator, MaxLen: 64 << 10})
	read := func(ptr uint32) (string, error) {
		length, _ := module.Memory().ReadUint32Le(ptr - 4)
		return guest.ReadString("greet", ptr, length)
	}
	results, _ := module.ExportedFunction("greet").Call(ctx, 10)
	ptr := uint32(results[0])
	if text, err := read(ptr); err != nil || !strings.HasPrefix(text, "call 1: hello") {
		t.Fatalf("%q, %v", text, err)
	}
	module.ExportedFunction("__collect").Call(ctx)
	module.ExportedFunction("churn").Call(ctx, 4096, 67)
	var refused *wazerohost.Error
	if _, err := read(ptr); !errors.As(err, &refused) || refused.Kind != wazerohost.TooLong || refused.Len != 0x23232323 {
		t.Fatalf("a corrupted header was not refused: %v", err)
	}
}

func TestTheWrongPackingOrderIsCaughtByTheCap(t *testing.T) {
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	module := booktest.Instantiate(ctx, t, r, "CH08_MALLOC_SHOUT", booktest.Options{})
	wrong := wazerohost.Convention{Allocator: wazerohost.MallocFree, Order: wazerohost.PointerLow, MaxLen: 64 << 10}
	guest, _ := wazerohost.New(module, wrong)
	_, err := guest.CallString(ctx, "shout", "tiny")
	var refused *wazerohost.Error
	if !errors.As(err, &refused) || refused.Kind != wazerohost.TooLong || refused.Ptr != 4 {
		t.Fatalf("%v", err)
	}
}

func TestSetupErrors(t *testing.T) {
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	module := booktest.Instantiate(ctx, t, r, "CH08_RUST_SHOUT", booktest.Options{})
	var report strings.Builder
	for _, convention := range []wazerohost.Convention{
		{Allocator: wazerohost.MallocFree},
		{Allocator: wazerohost.AllocateDeallocate, AllocName: "shout"},
	} {
		_, err := wazerohost.New(module, convention)
		var refused *wazerohost.Error
		if !errors.As(err, &refused) {
			t.Fatalf("%v", err)
		}
		fmt.Fprintf(&report, "%s\n", err)
	}
	guest, _ := wazerohost.New(module, wazerohost.Book)
	_, err := guest.CallBytes(ctx, "shout", make([]byte, 1<<32+1)) // untouched pages: cheap
	fmt.Fprintf(&report, "%s\n", err)

	limited := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithMemoryLimitPages(32))
	defer limited.Close(ctx)
	small := booktest.Instantiate(ctx, t, limited, "CH03_ALLOCATE_DEALLOCATE", booktest.Options{})
	smallGuest, _ := wazerohost.New(small, wazerohost.Book)
	// Fails in the guest's allocator, before any export is called.
	_, err = smallGuest.CallBytes(ctx, "never_called", make([]byte, 4<<20))
	fmt.Fprintf(&report, "%s\n", err)
	booktest.ExpectFile(t, "ch11-go-setup-errors.txt", report.String())
}

// ANCHOR: example
func ExampleGuest_CallString() {
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	module, err := r.Instantiate(ctx, readArtifact("CH04_PACKED_RETURN"))
	if err != nil {
		panic(err)
	}

	// allocate/deallocate, results packed pointer-low: the book's guests.
	guest, err := wazerohost.New(module, wazerohost.Book)
	if err != nil {
		panic(err)
	}
	greeting, err := guest.CallString(ctx, "greet", "Ferris")
	if err != nil {
		panic(err)
	}
	fmt.Println(greeting)
	// Output: Hello, Ferris!
}

// ANCHOR_END: example

// readArtifact is booktest.Artifact for examples, which have no testing.TB.
func readArtifact(name string) []byte {
	var t fatalTB
	return booktest.Artifact(&t, name)
}

type fatalTB struct{ testing.TB }

func (*fatalTB) Helper() {}
func (*fatalTB) Fatal(args ...any) {
	fmt.Fprintln(os.Stderr, args...)
	os.Exit(1)
}
func (f *fatalTB) Fatalf(format string, args ...any) { f.Fatal(fmt.Sprintf(format, args...)) }

// Benchmarks: a round trip of n bytes (greet copies its input into a new
// buffer), under wazero's compiler and interpreter, beside a plain copy.
func BenchmarkRoundTrip(b *testing.B) {
	ctx := context.Background()
	for _, engine := range []struct {
		name   string
		config wazero.RuntimeConfig
	}{
		{"compiler", wazero.NewRuntimeConfigCompiler()},
		{"interpreter", wazero.NewRuntimeConfigInterpreter()},
	} {
		for _, size := range []int{16, 1 << 20} {
			b.Run(fmt.Sprintf("%s/%d", engine.name, size), func(b *testing.B) {
				r := wazero.NewRuntimeWithConfig(ctx, engine.config)
				defer r.Close(ctx)
				module := booktest.Instantiate(ctx, b, r, "CH04_PACKED_RETURN", booktest.Options{})
				guest, _ := wazerohost.New(module, wazerohost.Book)
				input := bytes.Repeat([]byte{'x'}, size)
				b.SetBytes(int64(size))
				for b.Loop() {
					if _, err := guest.CallBytes(ctx, "greet", input); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
	for _, size := range []int{16, 1 << 20} {
		b.Run(fmt.Sprintf("copy/%d", size), func(b *testing.B) {
			input := bytes.Repeat([]byte{'x'}, size)
			b.SetBytes(int64(size))
			for b.Loop() {
				_ = append([]byte(nil), input...)
			}
		})
	}
}
