// Package booktest is what the book's Go host tests share: the compiled
// listings, found through the artifact manifest that BOOK_ARTIFACTS names,
// one helper that instantiates any of them, and the expected outputs of
// expected/<chapter-slug>/, rewritten when SNAPSHOTS=overwrite.
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
// constant, such as "CH04_PACKED_RETURN". BOOK_ARTIFACTS names the
// manifest, whose path `ci/book-artifacts` prints.
func Artifact(tb testing.TB, name string) []byte {
	tb.Helper()
	bytes, err := os.ReadFile(ArtifactPath(tb, name))
	if err != nil {
		tb.Fatal(err)
	}
	return bytes
}

// ArtifactPath is where the artifact named like its Rust constant is: a
// file, or a folder for the listings whose build makes several files (the
// wasm-bindgen ones, such as "CH10_BINDGEN_GREETER_NODEJS").
func ArtifactPath(tb testing.TB, name string) string {
	tb.Helper()
	file := os.Getenv("BOOK_ARTIFACTS")
	if file == "" {
		tb.Fatal("BOOK_ARTIFACTS is not set: run these tests through ci/test, or set it to the path " +
			"that `ci/book-artifacts` prints")
	}
	text, err := os.ReadFile(file)
	if err != nil {
		tb.Fatal(err)
	}
	var manifest struct {
		Artifacts map[string]struct{ Path string }
	}
	if err := json.Unmarshal(text, &manifest); err != nil {
		tb.Fatalf("%s: %v", file, err)
	}
	artifact, ok := manifest.Artifacts[name]
	if !ok {
		tb.Fatalf("%s has no artifact %s", file, name)
	}
	return artifact.Path
}

// Options are what Instantiate may be told; the zero value suits most
// listings.
type Options struct {
	// Config configures the module (a reactor's environment, its stderr);
	// nil means wazero.NewModuleConfig().
	Config wazero.ModuleConfig
	// Messages, if not nil, receives what the guest reports through
	// wasm_memory.report_error (the book's checked allocator).
	Messages *[]string
}

// Instantiate instantiates a compiled listing in r, whatever its language:
// it provides WASI preview 1 and wasm_memory.report_error to a guest that
// imports them (unless r already has them), and runs `_initialize` first if
// the guest is a reactor.
func Instantiate(ctx context.Context, tb testing.TB, r wazero.Runtime, name string, options Options) api.Module {
	tb.Helper()
	config := options.Config
	if config == nil {
		config = wazero.NewModuleConfig()
	}
	compiled, err := r.CompileModule(ctx, Artifact(tb, name))
	if err != nil {
		tb.Fatal(err)
	}
	imports := importedModules(compiled)
	// The book's checked allocator reports errors through this import.
	if imports["wasm_memory"] && r.Module("wasm_memory") == nil {
		instantiateReportError(ctx, tb, r, options.Messages)
	}
	// Go's wasip1 port imports its system interface from wasi_snapshot_preview1.
	if imports["wasi_snapshot_preview1"] && r.Module("wasi_snapshot_preview1") == nil {
		wasi_snapshot_preview1.MustInstantiate(ctx, r)
	}
	// A reactor: run `_initialize` (the Go runtime and package initializers)
	// instead of `_start`, and only then call exports.
	if _, reactor := compiled.ExportedFunctions()["_initialize"]; reactor {
		config = config.WithStartFunctions("_initialize")
	}
	module, err := r.InstantiateModule(ctx, compiled, config)
	if err != nil {
		tb.Fatal(err)
	}
	return module
}

// NewModule instantiates the compiled listing named like its Rust constant
// in a runtime of its own, closed when the test ends, with Instantiate's
// imports, and returns the context to call it with and the module.
func NewModule(tb testing.TB, name string) (context.Context, api.Module) {
	tb.Helper()
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	tb.Cleanup(func() { r.Close(ctx) })
	return ctx, Instantiate(ctx, tb, r, name, Options{})
}

// importedModules is the set of module names that compiled imports
// functions from.
func importedModules(compiled wazero.CompiledModule) map[string]bool {
	modules := map[string]bool{}
	for _, function := range compiled.ImportedFunctions() {
		module, _, _ := function.Import()
		modules[module] = true
	}
	return modules
}

// instantiateReportError provides wasm_memory.report_error, whose messages
// are appended to *messages (if messages is not nil).
func instantiateReportError(ctx context.Context, tb testing.TB, r wazero.Runtime, messages *[]string) {
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
}

// ExpectFile fails unless expected/<name> (at the root of the repository)
// holds exactly actual; with SNAPSHOTS=overwrite (as for the Rust and
// JavaScript tests) it writes actual there instead. name is
// "<chapter-slug>/<file>", such as "ch11-a-go-host-with-wazero/go-setup-errors.txt".
func ExpectFile(tb testing.TB, name, actual string) {
	tb.Helper()
	_, here, _, _ := runtime.Caller(0)
	path := filepath.Join(filepath.Dir(here), "../../../expected", name)
	if os.Getenv("SNAPSHOTS") == "overwrite" {
		// The chapter's folder, for its first expected output.
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(actual), 0o644); err != nil {
			tb.Fatal(err)
		}
		return
	}
	expected, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("cannot read expected/%s (%v); run with SNAPSHOTS=overwrite to create it", name, err)
	}
	if string(expected) != actual {
		tb.Fatalf("expected/%s does not match what the test produced.\n--- expected (the file) ---\n%s\n--- actual (the test) ---\n%s\nIf the new output is right, rerun with SNAPSHOTS=overwrite and review the diff.", name, expected, actual)
	}
}
