// Chapter 5: who frees what, from wazero. Each anchor shown on the page has
// a twin in the wasmtime, JavaScript and Python rooms that asserts the same
// thing on the same compiled listing, and writes the same expected file.
package chapter05_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"example.com/wasm-memory-book/harness/booktest"
)

// ANCHOR: report_error
// instantiateReporting instantiates wasm in r with the import its allocator
// and its panic hook report through, wasm_memory.report_error(ptr, len).
// Each message is appended to *messages, for the host to read after the trap.
func instantiateReporting(ctx context.Context, r wazero.Runtime, wasm []byte, messages *[]string) (api.Module, error) {
	_, err := r.NewHostModuleBuilder("wasm_memory").NewFunctionBuilder().
		WithFunc(func(ctx context.Context, caller api.Module, ptr, length uint32) {
			// Read checks the range: a message is a (ptr, len) like any other.
			bytes, ok := caller.Memory().Read(ptr, length)
			if !ok {
				*messages = append(*messages, fmt.Sprintf("(%d bytes at %#x, outside memory)", length, ptr))
				return
			}
			*messages = append(*messages, string(bytes))
		}).Export("report_error").Instantiate(ctx)
	if err != nil {
		return nil, err
	}
	return r.Instantiate(ctx, wasm)
}

// call calls an export that must not fail, and returns its results.
func call(ctx context.Context, t *testing.T, module api.Module, export string, params ...uint64) []uint64 {
	t.Helper()
	results, err := module.ExportedFunction(export).Call(ctx, params...)
	if err != nil {
		t.Fatalf("%s: %v", export, err)
	}
	return results
}

// ANCHOR_END: report_error

func TestStdsAllocatorTrapsOnSomeWrongSizesInEveryBuild(t *testing.T) {
	ctx := context.Background()
	releaseWasm := booktest.Artifact(t, "CH05_WRONG_FREE")
	debugWasm := booktest.Artifact(t, "CH05_WRONG_FREE_DEBUG")
	traps := 0
	// ANCHOR: wrong_size
	report := ""
	for _, sizes := range [][2]uint64{{64, 14}, {14, 0x8000_0000}} {
		allocated, freed := sizes[0], sizes[1]
		report += fmt.Sprintf("allocate(%d), then deallocate(ptr, %d):\n", allocated, freed)
		for _, build := range []struct {
			name string
			wasm []byte
		}{{"release", releaseWasm}, {"debug", debugWasm}} {
			// A fresh instance each time: after a trap, the heap is
			// whatever the allocator left half done.
			r := wazero.NewRuntime(ctx)
			var messages []string
			module, err := instantiateReporting(ctx, r, build.wasm, &messages)
			if err != nil {
				t.Fatal(err)
			}
			results, err := module.ExportedFunction("allocate").Call(ctx, allocated)
			if err != nil {
				t.Fatal(err)
			}
			outcome := "quiet"
			if _, trap := module.ExportedFunction("deallocate").Call(ctx, results[0], freed); trap != nil {
				// The panic hook reported the message before the trap.
				outcome = strings.ReplaceAll(strings.Join(messages, " "), "\n", " ")
				traps++
			}
			report += fmt.Sprintf("  %s: %s\n", build.name, outcome)
			r.Close(ctx)
		}
	}
	// ANCHOR_END: wrong_size
	if traps != 4 {
		t.Fatalf("%d traps:\n%s", traps, report)
	}
	booktest.ExpectFile(t, "ch05-who-frees-what/wrong-size-free.txt", report)
}

func TestMismatchedSizesAndDoubleFreesAreCaught(t *testing.T) {
	ctx := context.Background()
	checkedWasm := booktest.Artifact(t, "CH05_CHECKED_ALLOCATOR")
	// ANCHOR: checked
	report := ""

	// Listing 5-1 hands over 14 bytes of a 64-byte buffer.
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	var messages []string
	module, err := instantiateReporting(ctx, r, checkedWasm, &messages)
	if err != nil {
		t.Fatal(err)
	}
	namePtr := call(ctx, t, module, "allocate", 6)[0]
	module.Memory().Write(uint32(namePtr), []byte("Ferris"))
	packed := call(ctx, t, module, "greet_with_spare_capacity", namePtr, 6)[0]
	call(ctx, t, module, "deallocate", namePtr, 6)
	ptr, length := uint32(packed), uint32(packed>>32)
	if _, err := module.ExportedFunction("deallocate").Call(ctx, uint64(ptr), uint64(length)); err == nil {
		t.Fatal("the wrong-size free passed")
	}
	report += fmt.Sprintf("deallocate(%#x, %d): %s\n", ptr, length, strings.Join(messages, " "))

	// A block freed twice, in a fresh instance.
	r2 := wazero.NewRuntime(ctx)
	defer r2.Close(ctx)
	messages = nil
	module, err = instantiateReporting(ctx, r2, checkedWasm, &messages)
	if err != nil {
		t.Fatal(err)
	}
	block := call(ctx, t, module, "allocate", 14)[0]
	call(ctx, t, module, "deallocate", block, 14) // its one owner, with its size: quiet
	if _, err := module.ExportedFunction("deallocate").Call(ctx, block, 14); err == nil {
		t.Fatal("the second free passed")
	}
	report += fmt.Sprintf("deallocate(%#x, 14) again: %s\n", block, strings.Join(messages, " "))
	// ANCHOR_END: checked

	booktest.ExpectFile(t, "ch05-who-frees-what/checked-allocator.txt", report)
}

func TestAGrownBlockMayMoveAndItsOldPlaceIsReused(t *testing.T) {
	ctx, module := booktest.NewModule(t, "CH05_REALLOCATE")
	// ANCHOR: moved
	memory := module.Memory()
	report := ""

	old := call(ctx, t, module, "allocate", 16)[0]
	memory.Write(uint32(old), []byte("0123456789abcdef"))
	neighbour := call(ctx, t, module, "allocate", 16)[0]
	report += fmt.Sprintf("allocate(16) = %#x, then %#x\n", old, neighbour)

	// The block cannot grow where it is: the neighbour is in the way.
	newPtr := call(ctx, t, module, "reallocate", old, 16, 64)[0]
	moved, _ := memory.Read(uint32(newPtr), 16)
	report += fmt.Sprintf("reallocate(%#x, 16, 64) = %#x, holding %q\n", old, newPtr, moved)

	// `old` is free now, and the next allocation of its size gets it.
	other := call(ctx, t, module, "allocate", 16)[0]
	memory.Write(uint32(other), []byte("someone else's.."))
	atOld, _ := memory.Read(uint32(old), 16)
	report += fmt.Sprintf("allocate(16) = %#x: at %#x the host now reads %q\n", other, old, atOld)

	// The host's rule: after a reallocation, only the new pointer.
	call(ctx, t, module, "deallocate", newPtr, 64)
	call(ctx, t, module, "deallocate", other, 16)
	call(ctx, t, module, "deallocate", neighbour, 16)
	// ANCHOR_END: moved

	if newPtr == old || other != old {
		t.Fatalf("old %#x, new %#x, other %#x", old, newPtr, other)
	}
	booktest.ExpectFile(t, "ch05-who-frees-what/reallocate-moved.txt", report)
}
