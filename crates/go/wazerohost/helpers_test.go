package wazerohost_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"example.com/wasm-memory-book/go/wazerohost"
)

// reached records every ErrorKind a test asserted, for TestMain.
var reached = map[wazerohost.ErrorKind]bool{}

// TestMain runs the tests, then fails if a run of all of them reached
// some ErrorKind with no test: every kind is asserted somewhere. A run of
// some tests (-run), or a listing of them (-list), checks nothing.
func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	everyTest := flag.Lookup("test.run").Value.String() == "" && flag.Lookup("test.list").Value.String() == ""
	if code == 0 && everyTest {
		for _, kind := range wazerohost.Kinds() {
			if !reached[kind] {
				fmt.Fprintf(os.Stderr, "no test asserts an error of kind %v\n", kind)
				code = 1
			}
		}
	}
	os.Exit(code)
}

// expectKind fails unless err is, or wraps, an *Error of kind whose message
// contains each of words, and returns that *Error.
func expectKind(t testing.TB, err error, kind wazerohost.ErrorKind, words ...string) *wazerohost.Error {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Fatalf("expected an error of kind %v, got %v", kind, err)
	}
	var found *wazerohost.Error
	for wrapped := err; found == nil; {
		var refused *wazerohost.Error
		if !errors.As(wrapped, &refused) {
			t.Fatalf("errors.Is found %v, but errors.As no *Error of that kind: %v", kind, err)
		}
		if refused.Kind == kind {
			found = refused
		}
		wrapped = refused.Err
	}
	for _, word := range words {
		if !strings.Contains(err.Error(), word) {
			t.Fatalf("the %v error does not say %q: %v", kind, word, err)
		}
	}
	reached[kind] = true
	return found
}

// expectMessage is expectKind, and the whole message must be message.
func expectMessage(t testing.TB, err error, kind wazerohost.ErrorKind, message string) *wazerohost.Error {
	t.Helper()
	refused := expectKind(t, err, kind)
	if err.Error() != message {
		t.Fatalf("the %v error says\n%s\nnot\n%s", kind, err, message)
	}
	return refused
}

// must(f())(t) is what f returned, or fails t with f's error.
func must[T any](v T, err error) func(testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// must2 is must for functions of two results and an error.
func must2[A, B any](a A, b B, err error) func(testing.TB) (A, B) {
	return func(t testing.TB) (A, B) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return a, b
	}
}

// second is the error of a call that returns a value and an error.
func second[T any](_ T, err error) error { return err }

// third is the error of a call that returns two values and an error.
func third[T, U any](_ T, _ U, err error) error { return err }

// newRuntime is a runtime closed when the test ends.
func newRuntime(t testing.TB, config wazero.RuntimeConfig) wazero.Runtime {
	ctx := context.Background()
	if config == nil {
		config = wazero.NewRuntimeConfig()
	}
	r := wazero.NewRuntimeWithConfig(ctx, config)
	t.Cleanup(func() { r.Close(ctx) })
	return r
}

// The fixtures, compiled from the text format (testdata/README.md).
const (
	guestWasm = "testdata/guest.wasm"
	liarWasm  = "testdata/liar.wasm"
)

// instantiate instantiates a fixture in r under a name of its own, without
// running any start function.
func instantiate(t testing.TB, r wazero.Runtime, fixture string) api.Module {
	t.Helper()
	return instantiateWith(t, r, fixture, wazero.NewModuleConfig())
}

// instantiateReactor instantiates the guest fixture and runs its
// _initialize first, as a host does for a reactor (a Go or TinyGo guest).
func instantiateReactor(t testing.TB, r wazero.Runtime) api.Module {
	t.Helper()
	return instantiateWith(t, r, guestWasm, wazero.NewModuleConfig().WithStartFunctions("_initialize"))
}

func instantiateWith(t testing.TB, r wazero.Runtime, fixture string, config wazero.ModuleConfig) api.Module {
	t.Helper()
	wasm := must(os.ReadFile(fixture))(t)
	// No name: several instances of a fixture can live in one runtime.
	return must(r.InstantiateWithConfig(context.Background(), wasm, config.WithName("")))(t)
}

// call calls an export that returns at most one number, and returns it.
func call(ctx context.Context, t testing.TB, module api.Module, name string, params ...uint64) uint64 {
	t.Helper()
	results := must(module.ExportedFunction(name).Call(ctx, params...))(t)
	if len(results) == 0 {
		return 0
	}
	return results[0]
}

// live is what the guest fixture's live() export counts: its buffers not
// yet freed.
func live(ctx context.Context, t testing.TB, module api.Module) uint64 {
	t.Helper()
	return call(ctx, t, module, "live")
}

// pages is the guest's memory size in pages.
func pages(module api.Module) uint32 {
	pages, _ := module.Memory().Grow(0)
	return pages
}
