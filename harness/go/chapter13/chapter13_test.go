// Chapter 13: the Go guest whose strings share their bytes with the host
// (listings/ch13-strings/go-strings), called from wazero.
package chapter13_test

import (
	"context"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"example.com/wasm-memory-book/go/wazerohost"
	"example.com/wasm-memory-book/harness/booktest"
)

// compiled keeps the guest compiled once for all the tests: compiling a Go
// module is most of a test's time.
var compiled = wazero.NewCompilationCache()

// goStrings instantiates the guest in a runtime closed when the test ends,
// and wraps it under the book's convention, which its keepalive exports
// follow.
func goStrings(ctx context.Context, t *testing.T) (api.Module, *wazerohost.Guest) {
	t.Helper()
	r := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCompilationCache(compiled))
	t.Cleanup(func() { r.Close(ctx) })
	module := booktest.Instantiate(ctx, t, r, "CH13_GO_STRINGS", booktest.Options{})
	guest, err := wazerohost.New(module, wazerohost.AllocateDeallocatePacked())
	if err != nil {
		t.Fatal(err)
	}
	return module, guest
}

// countVowels calls count_vowels(ptr, len), which must not fail.
func countVowels(ctx context.Context, t *testing.T, module api.Module, ptr, length uint32) uint64 {
	t.Helper()
	results, err := module.ExportedFunction("count_vowels").Call(ctx, uint64(ptr), uint64(length))
	if err != nil {
		t.Fatal(err)
	}
	return results[0]
}

// expectNothingKept fails unless the guest's keepalive holds no buffer:
// the host gave back everything, with the sizes it was given.
func expectNothingKept(ctx context.Context, t *testing.T, module api.Module) {
	t.Helper()
	results, err := module.ExportedFunction("live").Call(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if results[0] != 0 {
		t.Fatalf("%d buffers are still kept", results[0])
	}
}

// The host writes the bytes into a buffer from allocate; the guest reads
// them as a string in place.
func TestTheGuestViewsTheHostsBytesAsAString(t *testing.T) {
	ctx := context.Background()
	module, guest := goStrings(ctx, t)
	input, err := guest.CopyIn(ctx, []byte("Hello from the wazero host"))
	if err != nil {
		t.Fatal(err)
	}
	if vowels := countVowels(ctx, t, module, input.Ptr(), input.Len()); vowels != 8 {
		t.Fatalf("count_vowels counted %d vowels", vowels)
	}
	if err := guest.Release(ctx, input); err != nil {
		t.Fatal(err)
	}
	expectNothingKept(ctx, t, module)
}

// An empty string has no buffer to view: allocate(0) returns 0.
func TestAnEmptyStringHasNoVowels(t *testing.T) {
	ctx := context.Background()
	module, _ := goStrings(ctx, t)
	if vowels := countVowels(ctx, t, module, 0, 0); vowels != 0 {
		t.Fatalf("count_vowels counted %d vowels in nothing", vowels)
	}
}

// The guest hands over a string's own bytes, kept until the host frees
// them: each greeting is intact when read, and deallocate takes back
// exactly what greeting handed over.
func TestTheGuestHandsOverAStringsOwnBytes(t *testing.T) {
	ctx := context.Background()
	module, guest := goStrings(ctx, t)
	greeting, err := guest.OutputExport("greeting") // () -> packed (ptr, len)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Hello from a Go string, call 1", "Hello from a Go string, call 2"} {
		// Read, then freed with deallocate(ptr, len).
		if got, err := greeting.CallString(ctx); err != nil || got != want {
			t.Fatalf("%q, %v; want %q", got, err, want)
		}
	}
	expectNothingKept(ctx, t, module)
}
