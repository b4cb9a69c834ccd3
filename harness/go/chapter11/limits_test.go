// Chapter 11: readers' questions about wazero's api: an export that is not
// there, growing memory from the host, and a limit on how much memory a
// guest may take.
package chapter11_test

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"testing"
	"unsafe"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"example.com/wasm-memory-book/go/wazerohost"
	"example.com/wasm-memory-book/harness/booktest"
)

// panicOf runs f and returns what it panicked with, as `go` would print it,
// or "" if it returned.
func panicOf(f func()) (message string) {
	defer func() {
		if recovered := recover(); recovered != nil {
			message = fmt.Sprint("panic: ", recovered)
		}
	}()
	f()
	return ""
}

// A host written for TinyGo's exported malloc and free, run against a guest
// that does not export them (nottinygc#14): ExportedFunction returns nil,
// and the first Call panics in the host.
func TestAMissingExportIsNil(t *testing.T) {
	ctx := context.Background()
	r := newRuntime(t, nil)
	module := booktest.Instantiate(ctx, t, r, "CH06_GO_GREETER", booktest.Options{})

	malloc := module.ExportedFunction("malloc")
	crash := panicOf(func() {
		// ANCHOR: missing_export
		malloc := module.ExportedFunction("malloc") // nil: the guest has no export of that name
		results, err := malloc.Call(ctx, 16)        // panics: a method call on a nil api.Function
		// ANCHOR_END: missing_export
		t.Fatalf("malloc returned %v, %v", results, err)
	})
	if malloc != nil || crash == "" {
		t.Fatalf("malloc is %v and calling it gave %q", malloc, crash)
	}

	// ANCHOR: list_exports
	var allocators []string // what the guest exports to allocate and free
	for name := range module.ExportedFunctionDefinitions() {
		if strings.Contains(name, "alloc") || strings.Contains(name, "free") {
			allocators = append(allocators, name)
		}
	}
	// ANCHOR_END: list_exports
	sort.Strings(allocators)

	// The fix: call the allocator the guest does export, here the keepalive
	// package's allocate and deallocate.
	ptr := must(module.ExportedFunction("allocate").Call(ctx, 16))(t)[0]
	must(module.ExportedFunction("deallocate").Call(ctx, ptr, 16))(t)

	// The Go host package checks the exports once, when it is given the
	// guest, and says what is missing.
	_, refused := wazerohost.New(module, wazerohost.Convention{Allocator: wazerohost.MallocFree})
	expectKind(t, refused, wazerohost.MissingExport, `"malloc"`)

	booktest.ExpectFile(t, "ch11-a-go-host-with-wazero/missing-export.txt", fmt.Sprintf(
		"ExportedFunction(\"malloc\") == nil: %v\nmalloc.Call(ctx, 16): %s\n"+
			"the guest's allocator exports: %s\nallocate(16) = %#x, then deallocate: ok\n"+
			"wazerohost.New(module, wazerohost.Convention{Allocator: wazerohost.MallocFree}): %v\n",
		malloc == nil, crash, strings.Join(allocators, ", "), ptr, refused))
}

// wazero#483: growing a guest's memory from the host. The issue's
// workaround, an export that runs memory.grow, is chapter 2's grow_memory.
func TestTheHostGrowsMemory(t *testing.T) {
	ctx := context.Background()
	const limit = 24
	r := newRuntime(t, wazero.NewRuntimeConfig().WithMemoryLimitPages(limit))
	module := booktest.Instantiate(ctx, t, r, "CH02_PAGES_AND_GROW", booktest.Options{})
	guestPages := func() uint64 { return must(module.ExportedFunction("memory_pages").Call(ctx))(t)[0] }
	start := pages(module)

	// ANCHOR: host_grow
	memory := module.Memory()
	previous, ok := memory.Grow(2) // memory.grow, from the host: 2 more pages
	// ANCHOR_END: host_grow
	if !ok || previous != start || guestPages() != uint64(start)+2 {
		t.Fatalf("Grow(2) = %d, %v; the guest sees %d pages", previous, ok, guestPages())
	}
	afterHost := guestPages()

	// ANCHOR: export_grow
	// The workaround from before wazero had Memory.Grow: an export of the
	// guest that runs memory.grow (chapter 2's grow_memory).
	results, err := module.ExportedFunction("grow_memory").Call(ctx, 2)
	// ANCHOR_END: export_grow
	if err != nil || api.DecodeI32(results[0]) != int32(afterHost) || pages(module) != start+4 {
		t.Fatalf("grow_memory(2) = %d, %v; %d pages", api.DecodeI32(results[0]), err, pages(module))
	}
	afterExport := pages(module)

	// Past the runtime's limit, both refuse: Grow with false, memory.grow
	// with -1, and the memory keeps its size.
	_, hostOK := memory.Grow(limit)
	refused := must(module.ExportedFunction("grow_memory").Call(ctx, limit))(t)
	if hostOK || api.DecodeI32(refused[0]) != -1 || pages(module) != afterExport {
		t.Fatalf("growing past the limit: %v, %d; %d pages", hostOK, api.DecodeI32(refused[0]), pages(module))
	}

	booktest.ExpectFile(t, "ch11-a-go-host-with-wazero/host-grow.txt", fmt.Sprintf(
		"at the start: %d pages\n"+
			"memory.Grow(2) from the host: previous %d, ok %v; the guest's memory_pages() now says %d\n"+
			"grow_memory(2), the guest's export: returned %d; the memory has %d pages\n"+
			"past WithMemoryLimitPages(%d): memory.Grow(%d) ok %v; grow_memory(%d) returned %d\n",
		start, previous, ok, afterHost, api.DecodeI32(results[0]), afterExport,
		limit, limit, hostOK, limit, api.DecodeI32(refused[0])))
}

// size is a number of 64 KiB pages, and what it comes to in bytes.
func size(pages uint32) string {
	bytes := uint64(pages) << 16
	unit := "pages"
	if pages == 1 {
		unit = "page"
	}
	switch {
	case bytes >= 1<<30:
		return fmt.Sprintf("%d %s (%d GiB)", pages, unit, bytes>>30)
	case bytes >= 1<<20:
		return fmt.Sprintf("%d %s (%d MiB)", pages, unit, bytes>>20)
	}
	return fmt.Sprintf("%d %s (%d KiB)", pages, unit, bytes>>10)
}

// wazero#417: what the book's guests declare, and so how far each may grow
// when the host sets no limit.
func TestMostGuestsDeclareNoMaximum(t *testing.T) {
	ctx := context.Background()
	r := newRuntime(t, nil)
	var table strings.Builder
	table.WriteString("| Guest | Minimum | Maximum declared | How far it may grow in a default runtime |\n|---|---|---|---|\n")
	for _, guest := range []struct{ name, what string }{
		{"CH06_GO_GREETER", "Go (`go-greeter`)"},
		{"CH08_ROUND_TRIP", "Rust (`round-trip`)"},
		{"CH06_AS_GREETER", "AssemblyScript (`as-greeter.ts`)"},
		{"CH19_GROWABLE", "hand-written (`growable.wat`)"},
	} {
		compiled := must(r.CompileModule(ctx, booktest.Artifact(t, guest.name)))(t)
		memory := compiled.ExportedMemories()["memory"]
		maximum, declared := memory.Max()
		said := "none"
		if declared {
			said = size(maximum)
		}
		fmt.Fprintf(&table, "| %s | %s | %s | %s |\n", guest.what, size(memory.Min()), said, size(maximum))
	}
	booktest.ExpectFile(t, "ch11-a-go-host-with-wazero/declared-maximums.md", table.String())
}

// wazero#417 and tinygo#1327: a guest that keeps every buffer it hands out,
// called again and again by a host that never gives one back. Without a
// limit its memory grows as long as the host process can feed it; with
// WithMemoryLimitPages, the guest runs out and the host survives; the fix is
// to give each buffer back.
func TestAMemoryLimitStopsAGuestThatKeepsEverything(t *testing.T) {
	ctx := context.Background()
	const words = 10_000 // each greeting is about 60 KB
	var report strings.Builder

	// The symptom: 400 calls, nothing given back, nothing stops the growth.
	r := newRuntime(t, nil)
	module := booktest.Instantiate(ctx, t, r, "CH06_GO_GREETER", booktest.Options{})
	start := pages(module)
	for call := 0; call < 400; call++ {
		must(module.ExportedFunction("greet_kept").Call(ctx, words))(t)
	}
	if pages(module) < 256 {
		t.Fatalf("400 kept greetings took only %d pages", pages(module))
	}
	fmt.Fprintf(&report, "no limit: 400 calls of greet_kept, none given back: the memory grew from %s to %s\n",
		size(start), size(pages(module)))

	// ANCHOR: memory_limit
	// At most 256 pages, 16 MiB, for any memory of any module of this
	// runtime, whatever maximum the module declares.
	config := wazero.NewRuntimeConfig().WithMemoryLimitPages(256)
	limited := wazero.NewRuntimeWithConfig(ctx, config)
	// ANCHOR_END: memory_limit
	defer limited.Close(ctx)
	var stderr bytes.Buffer
	module = booktest.Instantiate(ctx, t, limited, "CH06_GO_GREETER",
		booktest.Options{Config: wazero.NewModuleConfig().WithStderr(&stderr)})
	var failed error
	call := 0
	for ; call < 1000 && failed == nil; call++ {
		_, failed = module.ExportedFunction("greet_kept").Call(ctx, words)
	}
	if failed == nil || !strings.Contains(stderr.String(), "fatal error: out of memory") {
		t.Fatalf("1000 kept greetings under a 16 MiB limit: %v\n%s", failed, stderr.String())
	}
	firstLines := func(text string, n int) string {
		return strings.Join(strings.SplitN(text, "\n", n+1)[:n], "\n  ")
	}
	fmt.Fprintf(&report, "WithMemoryLimitPages(256): call %d failed: %s\n  the guest's stderr: %s\n  memory: %s\n",
		call, firstLines(failed.Error(), 1), firstLines(stderr.String(), 2), size(pages(module)))

	// The fix: the host gives every greeting back once it has copied it.
	r = newRuntime(t, config)
	module = booktest.Instantiate(ctx, t, r, "CH06_GO_GREETER", booktest.Options{})
	guest := must(wazerohost.New(module, wazerohost.AllocateDeallocatePacked()))(t)
	greet := must(guest.OutputExport("greet_kept", api.ValueTypeI32))(t)
	for call := 0; call < 1000; call++ {
		must(greet.Call(ctx, words))(t) // copies the bytes out, then deallocate
	}
	if kept := live(ctx, t, module); kept != 0 || pages(module) >= 256 {
		t.Fatalf("%d greetings still kept, %d pages", kept, pages(module))
	}
	fmt.Fprintf(&report, "WithMemoryLimitPages(256), each greeting given back: 1000 calls, memory %s, %d buffers kept\n",
		size(pages(module)), live(ctx, t, module))

	// A module whose minimum is above the limit is refused when it is
	// compiled; one whose declared maximum is above it has that maximum
	// lowered to the limit.
	small := newRuntime(t, wazero.NewRuntimeConfig().WithMemoryLimitPages(16))
	_, tooBig := small.CompileModule(ctx, booktest.Artifact(t, "CH06_GO_GREETER"))
	if tooBig == nil {
		t.Fatal("a 33-page guest compiled under a 16-page limit")
	}
	lowered := newRuntime(t, wazero.NewRuntimeConfig().WithMemoryLimitPages(2))
	growable := must(lowered.CompileModule(ctx, booktest.Artifact(t, "CH19_GROWABLE")))(t)
	maximum, _ := growable.ExportedMemories()["memory"].Max()
	if maximum != 2 {
		t.Fatalf("growable.wat declares a maximum of 4 pages; under a limit of 2 it has %d", maximum)
	}
	fmt.Fprintf(&report, "the Go guest (a minimum of 33 pages) under WithMemoryLimitPages(16): %v\n"+
		"growable.wat (maximum 4 pages) under WithMemoryLimitPages(2): compiles, maximum %d pages\n",
		tooBig, maximum)
	booktest.ExpectFile(t, "ch11-a-go-host-with-wazero/memory-limit.txt", report.String())
}

// wazero#1330: WithMemoryCapacityFromMax reserves a memory's maximum up
// front, so that growing never moves it. A module that declares no maximum
// (most do not) got no reservation until wazero#1335 (v1.0.2), which
// reserves the runtime's WithMemoryLimitPages instead. Whether the memory
// moved is read from the address of its first byte.
func TestCapacityFromMaxWithoutADeclaredMaximum(t *testing.T) {
	ctx := context.Background()
	// address is where the memory's bytes are, in the host's address space.
	address := func(module api.Module) uintptr {
		view, _ := module.Memory().Read(0, 1)
		return uintptr(unsafe.Pointer(unsafe.SliceData(view)))
	}
	// growOneByOne grows the memory a page at a time up to its maximum, and
	// says how often it moved, and where it stopped.
	growOneByOne := func(module api.Module) (moves int, last uint32) {
		for {
			before := address(module)
			if _, ok := module.Memory().Grow(1); !ok {
				return moves, pages(module)
			}
			if address(module) != before {
				moves++
			}
		}
	}
	var report strings.Builder
	for _, guest := range []struct{ name, what string }{
		{"CH02_POINTER_IS_OFFSET", "Rust (chapter 2's counter)"},
		{"CH19_GROWABLE", "hand-written (`growable.wat`)"},
	} {
		for _, capacityFromMax := range []bool{false, true} {
			// ANCHOR: capacity_without_max
			config := wazero.NewRuntimeConfig().
				WithMemoryLimitPages(256).                 // the maximum of a module that declares none
				WithMemoryCapacityFromMax(capacityFromMax) // reserve that maximum up front
			// ANCHOR_END: capacity_without_max
			r := newRuntime(t, config)
			compiled := must(r.CompileModule(ctx, booktest.Artifact(t, guest.name)))(t)
			memory := compiled.ExportedMemories()["memory"]
			maximum, declared := memory.Max()
			module := booktest.Instantiate(ctx, t, r, guest.name, booktest.Options{})
			start := pages(module)
			moves, last := growOneByOne(module)
			if capacityFromMax && moves != 0 || !capacityFromMax && moves == 0 || last != maximum {
				t.Fatalf("%s, capacity from max %v: moved %d times, stopped at %d pages (maximum %d)",
					guest.name, capacityFromMax, moves, last, maximum)
			}
			said := "declares no maximum"
			if declared {
				said = "declares a maximum of " + size(maximum)
			}
			fmt.Fprintf(&report, "%s, which %s; WithMemoryLimitPages(256), WithMemoryCapacityFromMax(%v): "+
				"grown a page at a time from %d to %d pages, the memory moved %d times\n",
				guest.what, said, capacityFromMax, start, last, moves)
		}
	}
	booktest.ExpectFile(t, "ch11-a-go-host-with-wazero/capacity-from-max.txt", report.String())
}

// wazero#2308: how many pages a Go command needs to run. The reader's toy
// module, built with Go 1.21.7, did not run reliably under 600 pages; the
// wazero maintainer pointed at Go's linker and runtime (golang/go#69018),
// not at wazero. Built here with the Go running the test, and run, as the
// reader did, from one CompiledModule, under ever larger limits.
func TestTheSmallestMemoryAGoCommandRunsIn(t *testing.T) {
	ctx := context.Background()
	wasm := booktest.BuildTestdataCommand(t, "toycommand")
	cache := wazero.NewCompilationCache() // compile once, for every limit
	defer cache.Close(ctx)
	var report strings.Builder

	// run instantiates the command, which runs its _start, in a runtime
	// whose memories may take at most limit pages.
	run := func(limit uint32) (stdout, stderr string, err error) {
		r := newRuntime(t, wazero.NewRuntimeConfig().WithMemoryLimitPages(limit).WithCompilationCache(cache))
		wasi_snapshot_preview1.MustInstantiate(ctx, r)
		compiled, err := r.CompileModule(ctx, wasm)
		if err != nil {
			return "", "", err
		}
		var out, errOut bytes.Buffer
		// ANCHOR: instantiate_command
		_, err = r.InstantiateModule(ctx, compiled, wazero.NewModuleConfig().
			WithArgs("getSpec", "rid", "request").WithStdout(&out).WithStderr(&errOut).WithName(""))
		// ANCHOR_END: instantiate_command
		return out.String(), errOut.String(), err
	}

	compiled := must(newRuntime(t, wazero.NewRuntimeConfig().WithCompilationCache(cache)).CompileModule(ctx, wasm))(t)
	exports := make([]string, 0, 2)
	for name := range compiled.ExportedFunctions() {
		exports = append(exports, name)
	}
	minimum := compiled.ExportedMemories()["memory"].Min()
	_, declared := compiled.ExportedMemories()["memory"].Max()
	if declared || len(exports) != 1 || exports[0] != "_start" {
		t.Fatalf("a Go command declares a maximum (%v), or exports %v", declared, exports)
	}
	// mib is a number of pages in MiB, to two places.
	mib := func(pages uint32) string { return fmt.Sprintf("%d pages (%.2f MiB)", pages, float64(pages)/16) }
	fmt.Fprintf(&report, "the toy command, built by %s: exports _start only; its memory: a minimum of %s, no maximum\n",
		runtime.Version(), mib(minimum))

	_, _, tooSmall := run(minimum - 1)
	fmt.Fprintf(&report, "WithMemoryLimitPages(%d): %v\n", minimum-1, tooSmall)
	if tooSmall == nil {
		t.Fatalf("a module of %d pages compiled under a limit of %d", minimum, minimum-1)
	}
	// Each limit too small, grouped by the fatal error the guest reports.
	fatal := func(stderr string) string {
		for _, line := range strings.Split(stderr, "\n") {
			if strings.HasPrefix(line, "fatal error: ") {
				return line
			}
		}
		return ""
	}
	limit, from, said := minimum, minimum, ""
	report1 := func(to uint32) {
		if said != "" {
			fmt.Fprintf(&report, "WithMemoryLimitPages(%d to %d): module closed with exit_code(2); the guest's stderr: %s\n",
				from, to, said)
		}
	}
	for ; ; limit++ {
		stdout, stderr, err := run(limit)
		if err == nil {
			report1(limit - 1)
			if stdout != "[getSpec rid request]" {
				t.Fatalf("under %d pages the command printed %q", limit, stdout)
			}
			fmt.Fprintf(&report, "WithMemoryLimitPages(%d): runs, and prints %s\n", limit, stdout)
			break
		}
		if limit > minimum+64 || fatal(stderr) == "" || err.Error() != "module closed with exit_code(2)" {
			t.Fatalf("under %d pages: %v\n%s", limit, err, stderr)
		}
		if fatal(stderr) != said {
			report1(limit - 1)
			from, said = limit, fatal(stderr)
		}
	}
	fmt.Fprintf(&report, "so the command needs %s: %s for 100 instances at once\n", mib(limit), mib(100*limit))
	booktest.ExpectFile(t, "ch11-a-go-host-with-wazero/go-command-pages.txt", report.String())
}
