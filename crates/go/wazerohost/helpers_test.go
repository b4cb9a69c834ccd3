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
	"example.com/wasm-memory-book/go/wazerohost/internal/booktest"
)

// reached records every ErrorKind a test asserted, for TestMain.
var reached = map[wazerohost.ErrorKind]bool{}

// TestMain runs the tests, then fails if a run of all of them reached
// some ErrorKind with no test: every kind is asserted somewhere.
func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if code == 0 && flag.Lookup("test.run").Value.String() == "" {
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

// live is what the guest's own live() export counts: its buffers not yet
// freed.
func live(ctx context.Context, t testing.TB, module api.Module) uint64 {
	t.Helper()
	results := must(module.ExportedFunction("live").Call(ctx))(t)
	return results[0]
}

// pages is the guest's memory size in pages.
func pages(module api.Module) uint32 {
	pages, _ := module.Memory().Grow(0)
	return pages
}

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
