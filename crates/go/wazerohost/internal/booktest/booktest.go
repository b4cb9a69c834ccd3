// Package booktest is what the book's Go host tests share: the compiled
// listings, found through BOOK_ARTIFACTS, and expected-output files,
// rewritten when BLESS=1.
package booktest

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// Artifact returns the bytes of the compiled listing named like its Rust
// constant, such as "CH04_PACKED_RETURN". BOOK_ARTIFACTS names the JSON
// file that `cargo run -p book-listings --bin book-artifacts` writes.
func Artifact(tb testing.TB, name string) []byte {
	tb.Helper()
	file := os.Getenv("BOOK_ARTIFACTS")
	if file == "" {
		tb.Fatal("BOOK_ARTIFACTS is not set: run these tests through ci/test, or set it to the path " +
			"that `cargo run -q -p book-listings --bin book-artifacts` prints")
	}
	text, err := os.ReadFile(file)
	if err != nil {
		tb.Fatal(err)
	}
	var paths map[string]string
	if err := json.Unmarshal(text, &paths); err != nil {
		tb.Fatalf("%s: %v", file, err)
	}
	path, ok := paths[name]
	if !ok {
		tb.Fatalf("%s has no artifact %s", file, name)
	}
	bytes, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return bytes
}

// Instantiate instantiates a listing that needs no imports but, possibly,
// wasm_memory.report_error (the book's checked allocator), whose messages
// are appended to *messages.
func Instantiate(ctx context.Context, tb testing.TB, r wazero.Runtime, name string, messages *[]string) api.Module {
	tb.Helper()
	_, err := r.NewHostModuleBuilder("wasm_memory").NewFunctionBuilder().
		WithFunc(func(ctx context.Context, m api.Module, ptr, length uint32) {
			bytes, _ := m.Memory().Read(ptr, length)
			if messages != nil {
				*messages = append(*messages, string(bytes))
			}
		}).Export("report_error").Instantiate(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	module, err := r.Instantiate(ctx, Artifact(tb, name))
	if err != nil {
		tb.Fatal(err)
	}
	return module
}

// InstantiateReactor instantiates a Go or TinyGo wasip1 reactor: WASI
// preview 1, then `_initialize`.
func InstantiateReactor(ctx context.Context, tb testing.TB, r wazero.Runtime, name string, config wazero.ModuleConfig) api.Module {
	tb.Helper()
	// ANCHOR: reactor
	// Go's wasip1 port imports its system interface from wasi_snapshot_preview1.
	wasi_snapshot_preview1.MustInstantiate(ctx, r)
	// A reactor: run `_initialize` (the Go runtime and package initializers)
	// instead of `_start`, and only then call exports.
	module, err := r.InstantiateWithConfig(ctx, Artifact(tb, name), config.WithStartFunctions("_initialize"))
	// ANCHOR_END: reactor
	if err != nil {
		tb.Fatal(err)
	}
	return module
}

// ExpectFile fails unless the file at pathFromRepo holds exactly actual;
// with BLESS=1 it writes actual there instead.
func ExpectFile(tb testing.TB, pathFromRepo, actual string) {
	tb.Helper()
	_, here, _, _ := runtime.Caller(0)
	path := filepath.Join(filepath.Dir(here), "../../../../..", pathFromRepo)
	if os.Getenv("BLESS") == "1" {
		if err := os.WriteFile(path, []byte(actual), 0o644); err != nil {
			tb.Fatal(err)
		}
		return
	}
	expected, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("cannot read %s (%v); run with BLESS=1 to create it", pathFromRepo, err)
	}
	if string(expected) != actual {
		tb.Fatalf("%s does not match what the test produced.\n--- expected (the file) ---\n%s\n--- actual (the test) ---\n%s\nIf the new output is right, rerun with BLESS=1.", pathFromRepo, expected, actual)
	}
}
