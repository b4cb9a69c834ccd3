package chapter11_test

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

// expectKind fails unless err is, or wraps, an error of kind, and its
// message contains each of words. It returns the outermost
// *wazerohost.Error, whose fields the tests check. (The utility's own tests
// check that every kind is produced; these check what the chapter shows.)
func expectKind(t testing.TB, err error, kind wazerohost.ErrorKind, words ...string) *wazerohost.Error {
	t.Helper()
	var refused *wazerohost.Error
	if !errors.Is(err, kind) || !errors.As(err, &refused) {
		t.Fatalf("expected an error of kind %v, got %v", kind, err)
	}
	for _, word := range words {
		if !strings.Contains(err.Error(), word) {
			t.Fatalf("the %v error does not say %q: %v", kind, word, err)
		}
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
