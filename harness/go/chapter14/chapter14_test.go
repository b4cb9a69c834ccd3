// Chapter 14: which Go signatures //go:wasmexport accepts, asked of the
// compiler itself. Each test writes a small reactor into a temporary
// folder and builds it for wasip1 with the Go running the test.
package chapter14_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"example.com/wasm-memory-book/go/wazerohost"
	"example.com/wasm-memory-book/harness/booktest"
)

// A signature to export: the Go type it is about (and a note on it), the
// function's parameters and results, and whether the compiler accepts it.
type signature struct {
	goType, note, params, results string
	accepted                      bool
}

// ANCHOR: signatures
var signatures = []signature{
	{"int32", "", "x int32", "int32", true},
	{"uint32", "", "x uint32", "uint32", true},
	{"int64", "", "x int64", "int64", true},
	{"uint64", "", "x uint64", "uint64", true},
	{"float32", "", "x float32", "float32", true},
	{"float64", "", "x float64", "float64", true},
	{"bool", "", "x bool", "bool", true},
	{"uintptr", "", "x uintptr", "uintptr", true},
	{"unsafe.Pointer", "", "x unsafe.Pointer", "unsafe.Pointer", true},
	{"*hostPoint", "a pointer to a struct with a `structs.HostLayout` field", "p *hostPoint", "*hostPoint", true},
	{"*uint8", "a pointer to bytes", "p *uint8", "*uint8", true},
	{"string", "as a parameter", "s string", "", true},
	{"string", "as a result", "", "string", false},
	{"[]byte", "", "b []byte", "", false},
	{"hostPoint", "the same struct, by value", "p hostPoint", "", false},
	{"*goPoint", "a pointer to a struct without `structs.HostLayout`", "p *goPoint", "", false},
	{"*string", "a pointer to a type that holds a pointer", "p *string", "", false},
	{"int", "whose size Go leaves to the platform", "x int", "", false},
	{"func()", "a func value", "f func()", "", false},
	{"(int32, int32)", "two results", "", "(int32, int32)", false},
}

// What every program starts with: the structs the signatures point at.
// structs.HostLayout asks for the layout the host expects, which is what
// lets a pointer to one cross.
const header = `package main

import (
	"structs"
	"unsafe"
)

type hostPoint struct {
	_    structs.HostLayout
	X, Y int32
}

type goPoint struct {
	X, Y int32
}

var _ unsafe.Pointer // used, whichever functions follow

func main() {}
`

// ANCHOR_END: signatures

// signature is the function's parameters and results, as Go writes them
// after its name.
func (s signature) signature() string {
	if s.results == "" {
		return "(" + s.params + ")"
	}
	return "(" + s.params + ") " + s.results
}

// exportName is the wasm export of the i-th signature.
func exportName(i int) string { return fmt.Sprintf("export%02d", i) }

// program is a reactor exporting each signature of which, one function per
// line, and the line of each function in main.go.
func program(which []int) (source string, lines map[int]int) {
	var text strings.Builder
	text.WriteString(header)
	lines = map[int]int{}
	for _, i := range which {
		s := signatures[i]
		body := "{}"
		if s.results != "" {
			body = "{ panic(0) }"
		}
		fmt.Fprintf(&text, "\n//go:wasmexport %s\n", exportName(i))
		lines[strings.Count(text.String(), "\n")+1] = i
		fmt.Fprintf(&text, "func %s %s\n", exportName(i)+s.signature(), body)
	}
	return text.String(), lines
}

// compilerError is one line of the compiler's output: ./main.go:LINE:COL: message.
var compilerError = regexp.MustCompile(`(?m)^\./main\.go:(\d+):\d+: (.*)$`)

func TestWhatWasmexportAccepts(t *testing.T) {
	goBin := booktest.GoCommand(t)
	var accepted, rejected []int
	for i, s := range signatures {
		if s.accepted {
			accepted = append(accepted, i)
		} else {
			rejected = append(rejected, i)
		}
	}
	verdicts := make([]string, len(signatures))

	// The accepted signatures, in one program: it builds, and each becomes
	// an export of the wasm types the table shows.
	source, _ := program(accepted)
	wasm, output, err := booktest.BuildReactor(t, goBin, map[string]string{"main.go": source})
	if err != nil {
		t.Fatalf("the accepted signatures did not build: %v\n%s\n%s", err, output, source)
	}
	exports := exportedTypes(t, wasm)
	for _, i := range accepted {
		wasmType, ok := exports[exportName(i)]
		if !ok {
			t.Fatalf("%s (%s) was not exported", exportName(i), signatures[i].goType)
		}
		verdicts[i] = "accepted, as `" + wasmType + "`"
	}

	// The rejected ones, in one program too (the compiler stops after 10
	// errors; there are fewer): the build fails, with one error per
	// function, found by its line.
	if len(rejected) >= 10 {
		t.Fatalf("%d rejected signatures: split them into programs of fewer than 10", len(rejected))
	}
	source, lines := program(rejected)
	_, output, err = booktest.BuildReactor(t, goBin, map[string]string{"main.go": source})
	if err == nil {
		t.Fatalf("a program of only rejected signatures built:\n%s", source)
	}
	for _, match := range compilerError.FindAllStringSubmatch(output, -1) {
		line, _ := strconv.Atoi(match[1])
		i, ok := lines[line]
		if !ok || verdicts[i] != "" {
			t.Fatalf("an error on line %d, which is no rejected function's, or its second:\n%s\n%s",
				line, output, source)
		}
		verdicts[i] = "`" + match[2] + "`"
	}
	for _, i := range rejected {
		if verdicts[i] == "" {
			t.Fatalf("no error for %s (%s):\n%s", exportName(i), signatures[i].goType, output)
		}
	}

	var table strings.Builder
	fmt.Fprintf(&table, "| Go type | Exported function | %s |\n|---|---|---|\n", runtime.Version())
	for i, s := range signatures {
		goType := "`" + s.goType + "`"
		if s.note != "" {
			goType += ", " + s.note
		}
		fmt.Fprintf(&table, "| %s | `func%s` | %s |\n", goType, s.signature(), verdicts[i])
	}
	booktest.ExpectFile(t, "ch14-signatures/go-wasmexport.md", table.String())
}

// exportedTypes is the wasm type of every function wasm exports, written
// like `(i32, i32) -> i64`.
func exportedTypes(t *testing.T, wasm []byte) map[string]string {
	t.Helper()
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	compiled, err := r.CompileModule(ctx, wasm)
	if err != nil {
		t.Fatal(err)
	}
	names := func(types []api.ValueType) string {
		out := make([]string, len(types))
		for i, valueType := range types {
			out[i] = api.ValueTypeName(valueType)
		}
		return "(" + strings.Join(out, ", ") + ")"
	}
	exports := map[string]string{}
	for name, function := range compiled.ExportedFunctions() {
		exports[name] = names(function.ParamTypes()) + " -> " + names(function.ResultTypes())
	}
	return exports
}

// The workaround go-modules#185 proposed for bindings whose exports took
// pointers //go:wasmexport refused: take unsafe.Pointer, convert it back to
// *uint8 inside the export, and lift the string from (pointer, length).
func TestAStringLiftedFromAnUnsafePointer(t *testing.T) {
	wasm := booktest.BuildTestdata(t, "count")
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	wasi_snapshot_preview1.MustInstantiate(ctx, r)
	module, err := r.InstantiateWithConfig(ctx, wasm, wazero.NewModuleConfig().WithStartFunctions("_initialize"))
	if err != nil {
		t.Fatal(err)
	}
	scratch, err := module.ExportedFunction("scratch").Call(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The host writes both strings into the guest's memory, then passes
	// (ptr, len) for each.
	text, sub := uint32(scratch[0]), uint32(scratch[0])+64
	if !module.Memory().WriteString(text, "banana") || !module.Memory().WriteString(sub, "an") {
		t.Fatal("the scratch buffer is outside memory")
	}
	count := module.ExportedFunction("count")
	results, err := count.Call(ctx, uint64(text), 6, uint64(sub), 2)
	if err != nil {
		t.Fatal(err)
	}
	if results[0] != 2 {
		t.Fatalf("count(banana, an) = %d", results[0])
	}
	wasmType := exportedTypes(t, wasm)["count"]
	booktest.ExpectFile(t, "ch14-signatures/go-unsafe-pointer.txt", fmt.Sprintf(
		"count, exported as %s: count(\"banana\", \"an\") = %d\n", wasmType, results[0]))
}

// wasmtime-py#233, from a Go host: what wasm-pack builds is half of a
// program, whose other half is wasm-bindgen's JavaScript glue. A host that
// is not JavaScript cannot instantiate it; the same function with plain
// exports (chapter 4's greet, with allocate and deallocate) needs nothing.
func TestAWasmBindgenModuleWithoutItsGlue(t *testing.T) {
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	wasi_snapshot_preview1.MustInstantiate(ctx, r)
	var report strings.Builder

	// ANCHOR: bindgen_in_wazero
	path := filepath.Join(booktest.ArtifactPath(t, "CH10_BINDGEN_GREETER_NODEJS"), "ch10_bindgen_greeter_bg.wasm")
	wasm, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	compiled, err := r.CompileModule(ctx, wasm)
	if err != nil {
		t.Fatal(err)
	}
	for _, function := range compiled.ImportedFunctions() { // what the glue provides
		module, name, _ := function.Import()
		fmt.Fprintf(&report, "imports %s.%s\n", module, name)
	}
	_, err = r.InstantiateModule(ctx, compiled, wazero.NewModuleConfig())
	// ANCHOR_END: bindgen_in_wazero
	if err == nil {
		t.Fatal("a wasm-bindgen module was instantiated without its glue")
	}
	fmt.Fprintf(&report, "InstantiateModule: %v\n", err)
	var helpers []string
	for name := range compiled.ExportedFunctions() {
		if strings.HasPrefix(name, "__wbindgen") {
			helpers = append(helpers, name)
		}
	}
	sort.Strings(helpers)
	fmt.Fprintf(&report, "exports for the glue: %s\n", strings.Join(helpers, ", "))

	// The same greet written with plain exports, as the thread ended.
	module := booktest.Instantiate(ctx, t, r, "CH04_PACKED_RETURN", booktest.Options{})
	guest, err := wazerohost.New(module, wazerohost.AllocateDeallocatePacked())
	if err != nil {
		t.Fatal(err)
	}
	greeting, err := guest.CallString(ctx, "greet", "Ferris") // allocate, greet, copy, deallocate both
	if err != nil || greeting != "Hello, Ferris!" {
		t.Fatalf("%q, %v", greeting, err)
	}
	fmt.Fprintf(&report, "chapter 4's greet, plain exports: %q\n", greeting)
	booktest.ExpectFile(t, "ch14-signatures/bindgen-without-glue.txt", report.String())
}
