// Command greet-host runs a greet guest under wazero:
//
//	greet-host GUEST.wasm [NAME [ROUNDS]]
//
// It writes NAME (default "world") into the guest's memory, calls greet, and
// prints the greeting the guest returns, after checking it. On failure it
// prints one line starting with "error: " to stderr and exits with status 1.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// maxLen is the longest greeting this host copies out. It is checked before
// anything else, so a guest cannot make the host allocate what it likes.
const maxLen = 1 << 20

func main() {
	if len(os.Args) < 2 || len(os.Args) > 4 {
		fail(fmt.Errorf("usage: %s GUEST.wasm [NAME [ROUNDS]]", os.Args[0]))
	}
	name, rounds := "world", 1
	if len(os.Args) >= 3 {
		name = os.Args[2]
	}
	if len(os.Args) == 4 {
		n, err := strconv.Atoi(os.Args[3])
		if err != nil || n < 1 {
			fail(fmt.Errorf("ROUNDS must be a positive integer, not %s", os.Args[3]))
		}
		rounds = n
	}
	greeting, each, err := run(context.Background(), os.Args[1], name, rounds)
	if err != nil {
		fail(err)
	}
	fmt.Println(greeting)
	if rounds > 1 {
		fmt.Fprintf(os.Stderr, "bench: %d round trips, %d ns each\n", rounds, each.Nanoseconds())
	}
}

// fail prints err as one line and exits: wazero's trap errors carry a wasm
// stack trace on the lines after the first.
func fail(err error) {
	line, _, _ := strings.Cut(err.Error(), "\n")
	fmt.Fprintln(os.Stderr, "error: "+line)
	os.Exit(1)
}

// run returns the greeting, and the time a round trip took (the mean of
// rounds of them, on one instance).
func run(ctx context.Context, path, name string, rounds int) (string, time.Duration, error) {
	wasm, err := os.ReadFile(path)
	if err != nil {
		return "", 0, err
	}
	// Closing the runtime frees everything, the guest's memory included: on
	// an error, the host returns without freeing what it still holds.
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)

	// WASI preview 1, always: a Go reactor imports it (clocks, random
	// bytes, fd_write for a panic's message), and a guest that imports
	// nothing ignores it. It grants only what the module config does: no
	// files, no arguments, no environment, and output discarded (add
	// WithStderr(os.Stderr) to see a guest's panic while debugging).
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, r); err != nil {
		return "", 0, err
	}
	// No start functions: wazero would run _start by default, which runs a
	// command's main and exits. A reactor exports _initialize instead, which
	// must run once before any other export; the host calls it itself.
	module, err := r.InstantiateWithConfig(ctx, wasm, wazero.NewModuleConfig().WithStartFunctions())
	if err != nil {
		return "", 0, fmt.Errorf("cannot instantiate %s: %w", path, err)
	}
	if initialize := module.ExportedFunction("_initialize"); initialize != nil {
		if _, err := initialize.Call(ctx); err != nil {
			return "", 0, fmt.Errorf("_initialize failed: %w", err)
		}
	}

	i32, i64 := api.ValueTypeI32, api.ValueTypeI64
	greet, err := export(module, "greet", []api.ValueType{i32, i32}, []api.ValueType{i64})
	if err != nil {
		return "", 0, err
	}
	allocate, err := export(module, "allocate", []api.ValueType{i32}, []api.ValueType{i32})
	if err != nil {
		return "", 0, err
	}
	deallocate, err := export(module, "deallocate", []api.ValueType{i32, i32}, nil)
	if err != nil {
		return "", 0, err
	}
	memory := module.ExportedMemory("memory")
	if memory == nil {
		return "", 0, errors.New("the guest does not export `memory`")
	}

	// One round trip: the name in, the greeting out.
	roundTrip := func() (string, error) {
		// The host allocates the name in the guest, with the guest's
		// allocator, and writes it there (Write copies). It frees it after
		// greet: the guest neither frees nor keeps its input.
		nameLen := uint32(len(name))
		results, err := allocate.Call(ctx, uint64(nameLen))
		if err != nil {
			return "", fmt.Errorf("allocate failed: %w", err)
		}
		namePtr := uint32(results[0])
		if namePtr == 0 && nameLen > 0 {
			return "", fmt.Errorf("allocate returned ptr=0 for len=%d: the guest could not allocate", nameLen)
		}
		if size := memorySize(memory); uint64(namePtr)+uint64(nameLen) > size {
			return "", fmt.Errorf("allocate returned ptr=%d for len=%d, outside the guest's memory of %d bytes",
				namePtr, nameLen, size)
		}
		memory.Write(namePtr, []byte(name)) // in bounds: checked above

		results, err = greet.Call(ctx, uint64(namePtr), uint64(nameLen))
		if err != nil {
			return "", fmt.Errorf("greet failed: %w", err)
		}
		// The name is freed before the greeting is read: guest code runs in
		// between, so the guest must keep the greeting alive until the host
		// frees it too (a Go guest's collector could reclaim it otherwise).
		if _, err := deallocate.Call(ctx, uint64(namePtr), uint64(nameLen)); err != nil {
			return "", fmt.Errorf("deallocate failed: %w", err)
		}

		// greet packs its answer as (len << 32) | ptr: the pointer in the low
		// 32 bits, the length in the high 32, both unsigned.
		ptr, length := uint32(results[0]), uint32(results[0]>>32)

		// The checks, before reading anything. (With the book's package
		// example.com/wasm-memory-book/go/wazerohost, wazerohost.CheckedRange
		// does the first two, and Export.CallString the whole round trip.)
		if length > maxLen {
			return "", fmt.Errorf("greet returned len=%d, more than the %d bytes this host accepts", length, maxLen)
		}
		// The memory's size now, after greet ran (it may have grown), and the
		// end in 64 bits, where ptr + len cannot wrap around.
		if size := memorySize(memory); uint64(ptr)+uint64(length) > size {
			return "", fmt.Errorf("greet returned ptr=%d len=%d, outside the guest's memory of %d bytes",
				ptr, length, size)
		}
		// Read returns a view of the guest's memory, not a copy: a
		// memory.grow may leave it pointing at the old memory. So it is
		// checked and copied (string copies) before the host runs guest code
		// again.
		view, _ := memory.Read(ptr, length) // in bounds: checked above
		if !utf8.Valid(view) {
			return "", errors.New("greet returned bytes that are not valid UTF-8")
		}
		greeting := string(view)

		// The greeting is the host's now: it gives the buffer back with the
		// length greet returned.
		if _, err := deallocate.Call(ctx, uint64(ptr), uint64(length)); err != nil {
			return "", fmt.Errorf("deallocate failed: %w", err)
		}
		return greeting, nil
	}

	// ROUNDS is for comparing hosts (the book's ci/bench uses it): it repeats
	// the round trip and times it. A reader can drop it and call roundTrip.
	var greeting string
	start := time.Now() // time.Since reads the monotonic clock
	for range rounds {
		if greeting, err = roundTrip(); err != nil {
			return "", 0, err
		}
	}
	return greeting, time.Since(start) / time.Duration(rounds), nil
}

// export looks a function up and checks its type once: calling a function
// of another type would fail, or return fewer results than the host reads.
func export(module api.Module, name string, params, results []api.ValueType) (api.Function, error) {
	function := module.ExportedFunction(name)
	if function == nil {
		return nil, fmt.Errorf("the guest does not export `%s`", name)
	}
	definition := function.Definition()
	if !slices.Equal(definition.ParamTypes(), params) || !slices.Equal(definition.ResultTypes(), results) {
		return nil, fmt.Errorf("the guest's `%s` is %s, not %s", name,
			signature(definition.ParamTypes(), definition.ResultTypes()), signature(params, results))
	}
	return function, nil
}

func signature(params, results []api.ValueType) string {
	names := func(types []api.ValueType) string {
		var list []string
		for _, t := range types {
			list = append(list, api.ValueTypeName(t))
		}
		return "(" + strings.Join(list, ", ") + ")"
	}
	return names(params) + " -> " + names(results)
}

// memorySize is the memory's size in bytes. Size() is a uint32, which wraps
// to 0 at 4 GiB; the page count does not.
func memorySize(memory api.Memory) uint64 {
	pages, _ := memory.Grow(0)
	return uint64(pages) << 16
}
