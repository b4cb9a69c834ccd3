// Chapter 2: linear memory from a Go host (wazero), the twin of
// harness/rust/tests/chapters/ch02_linear_memory.rs: the same compiled
// listings, the same steps, the same expected outputs where the answer does
// not depend on the host.
package chapter02_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"

	"example.com/wasm-memory-book/harness/booktest"
)

func hex6(n uint64) string { return fmt.Sprintf("0x%06x", n) }

func TestTheHostReadsAndWritesAtTheAddress(t *testing.T) {
	ctx, module := booktest.NewModule(t, "CH02_POINTER_IS_OFFSET")
	// ANCHOR: pointer
	counterAddress := module.ExportedFunction("counter_address")
	increment := module.ExportedFunction("increment")
	memory := module.Memory()

	if _, err := increment.Call(ctx); err != nil {
		t.Fatal(err)
	}
	results, err := counterAddress.Call(ctx)
	if err != nil {
		t.Fatal(err)
	}
	at := uint32(results[0])

	// ReadUint32Le copies 4 bytes out, little-endian; ok is false out of bounds.
	if counter, ok := memory.ReadUint32Le(at); !ok || counter != 1 {
		t.Fatalf("counter %d, ok %v", counter, ok)
	}

	// WriteUint32Le writes them; the guest sees the new value.
	if !memory.WriteUint32Le(at, 41) {
		t.Fatal("out of bounds")
	}
	results, err = increment.Call(ctx)
	if err != nil || results[0] != 42 {
		t.Fatalf("increment: %v, %v", results, err)
	}

	// Read returns a slice of the memory itself, not a copy.
	view, ok := memory.Read(at, 4)
	if !ok || !bytes.Equal(view, []byte{42, 0, 0, 0}) {
		t.Fatalf("% x, ok %v", view, ok)
	}
	// ANCHOR_END: pointer
}

func TestStaticsSitBetweenTheStackAndTheHeap(t *testing.T) {
	ctx, module := booktest.NewModule(t, "CH02_POINTER_IS_OFFSET")
	results, err := module.ExportedFunction("counter_address").Call(ctx)
	if err != nil {
		t.Fatal(err)
	}
	counter := results[0]
	dataEnd := uint64(uint32(module.ExportedGlobal("__data_end").Get()))
	heapBase := uint64(uint32(module.ExportedGlobal("__heap_base").Get()))
	memorySize := uint64(module.Memory().Size())
	stackSize := uint64(1 << 20)
	if !(stackSize <= counter && counter+4 <= dataEnd && dataEnd <= heapBase && heapBase < memorySize) {
		t.Fatalf("counter %#x, __data_end %#x, __heap_base %#x, memory %#x", counter, dataEnd, heapBase, memorySize)
	}
	booktest.ExpectFile(t, "ch02-linear-memory/pointer-is-offset.txt",
		"stack (grows down)   0x000000 .. "+hex6(stackSize)+"\n"+
			"COUNTER              "+hex6(counter)+" .. "+hex6(counter+4)+"\n"+
			"__data_end           "+hex6(dataEnd)+"\n"+
			"__heap_base          "+hex6(heapBase)+"\n"+
			fmt.Sprintf("end of memory        %s  (%d pages)\n", hex6(memorySize), memorySize/65536))
	booktest.ExpectFile(t, "ch02-linear-memory/layout.mmd",
		"block-beta\n  columns 4\n  "+
			`stack["stack, grows down\n0x000000 .. `+hex6(stackSize)+`"] `+
			`statics["statics: COUNTER\n`+hex6(counter)+" .. "+hex6(dataEnd)+`"] `+
			`heap["heap\n`+hex6(heapBase)+` (__heap_base) .."] `+
			`grown["pages memory.grow adds\nfrom `+hex6(memorySize)+`"]`+"\n")
}

func TestGuestAndHostGrowTheSameMemoryUpToALimit(t *testing.T) {
	wasm := booktest.Artifact(t, "CH02_PAGES_AND_GROW")
	ctx := context.Background()
	// ANCHOR: grow
	const pageSize = 65536
	// The host caps every memory of this runtime at 20 pages.
	r := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithMemoryLimitPages(20))
	defer r.Close(ctx)
	module, err := r.Instantiate(ctx, wasm)
	if err != nil {
		t.Fatal(err)
	}
	memoryPages := module.ExportedFunction("memory_pages")
	growMemory := module.ExportedFunction("grow_memory")
	memory := module.Memory()

	// 16 pages: 1 MiB of stack, and this guest has no statics.
	if pages, _ := memoryPages.Call(ctx); pages[0] != 16 || memory.Size() != 16*pageSize {
		t.Fatalf("%d pages, %d bytes", pages[0], memory.Size())
	}

	// The guest grows by 2 pages; `memory.grow` returns the old size.
	if old, _ := growMemory.Call(ctx, 2); old[0] != 16 {
		t.Fatalf("grew from %d pages", old[0])
	}
	// The host grows the same memory; the guest sees it at once.
	if old, ok := memory.Grow(1); !ok || old != 18 {
		t.Fatalf("grew from %d pages, ok %v", old, ok)
	}
	if pages, _ := memoryPages.Call(ctx); pages[0] != 19 {
		t.Fatalf("%d pages", pages[0])
	}

	if old, _ := growMemory.Call(ctx, 1); old[0] != 19 { // to 20 pages: allowed
		t.Fatalf("grew from %d pages", old[0])
	}
	// To 21: refused, no trap. An i32 result arrives as a uint64.
	if old, err := growMemory.Call(ctx, 1); err != nil || int32(old[0]) != -1 {
		t.Fatalf("grow_memory(1) = %d, %v", int32(old[0]), err)
	}
	if memory.Size() != 20*pageSize { // and nothing changed
		t.Fatalf("%d bytes", memory.Size())
	}

	// The same request from the host: Grow says no with ok == false.
	if _, ok := memory.Grow(1); ok {
		t.Fatal("grew past the limit")
	}
	// ANCHOR_END: grow
}

func TestAViewMadeBeforeTheGuestGrowsTheMemoryGoesStale(t *testing.T) {
	ctx, module := booktest.NewModule(t, "CH02_PAGES_AND_GROW")
	// ANCHOR: stale
	memory := module.Memory()

	before, _ := memory.Read(0, memory.Size()) // a slice of the memory itself
	length := len(before)
	if _, err := module.ExportedFunction("grow_memory").Call(ctx, 1); err != nil {
		t.Fatal(err)
	}

	// Growing moved the memory to a larger array: the old slice keeps the
	// old length, and no longer sees the memory's bytes.
	memory.WriteByte(0, 1)
	if len(before) != length || before[0] != 0 {
		t.Fatalf("len %d, first byte %d", len(before), before[0])
	}

	// A slice made after the call sees the grown memory.
	after, _ := memory.Read(0, memory.Size())
	if len(after) != length+65536 || after[0] != 1 {
		t.Fatalf("len %d, first byte %d", len(after), after[0])
	}
	// ANCHOR_END: stale
}

func TestTheHostDecodesAReprCStruct(t *testing.T) {
	ctx, module := booktest.NewModule(t, "CH02_STRUCT_LAYOUT")
	// ANCHOR: decode
	call := func(name string) uint32 {
		results, err := module.ExportedFunction(name).Call(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return uint32(results[0])
	}
	// The guest's compiler decided the layout; the host checks it agrees.
	if size, align := call("sample_size"), call("sample_align"); size != 12 || align != 4 {
		t.Fatalf("size %d, align %d", size, align)
	}
	valueAt, scaleAt := call("sample_value_offset"), call("sample_scale_offset")
	if valueAt != 4 || scaleAt != 8 {
		t.Fatalf("value at %d, scale at %d", valueAt, scaleAt)
	}
	// Without `#[repr(C)]` Rust reordered the fields and dropped a padding gap.
	if size := call("default_repr_size"); size != 8 {
		t.Fatalf("size %d", size)
	}

	address := call("sample_address")
	data, ok := module.Memory().Read(address, 12)
	if !ok {
		t.Fatal("out of bounds")
	}
	// Little-endian: the least significant byte comes first.
	if !bytes.Equal(data[4:8], []byte{0x44, 0x33, 0x22, 0x11}) {
		t.Fatalf("% x", data[4:8])
	}
	kind := data[0]
	value := binary.LittleEndian.Uint32(data[4:8])
	scale := binary.LittleEndian.Uint16(data[8:10])
	if kind != 7 || value != 0x1122_3344 || scale != 0xabcd {
		t.Fatalf("kind %d, value %#x, scale %#x", kind, value, scale)
	}
	// ANCHOR_END: decode
	hexBytes := make([]string, len(data))
	for i, b := range data {
		hexBytes[i] = fmt.Sprintf("%02x", b)
	}
	booktest.ExpectFile(t, "ch02-linear-memory/sample.txt", fmt.Sprintf(
		"Sample at %#x: %s\nkind %d, value %#x, scale %#x\n", address, strings.Join(hexBytes, " "), kind, value, scale))
}

func TestTheGuestTrapsAndTheHostReadSaysNo(t *testing.T) {
	ctx, module := booktest.NewModule(t, "CH02_OUT_OF_BOUNDS")
	// ANCHOR: out_of_bounds
	loadByte := module.ExportedFunction("load_byte")
	memory := module.Memory()
	end := memory.Size()

	// The last byte is fine, and so is address 0: wasm has no null page.
	if b, err := loadByte.Call(ctx, uint64(end-1)); err != nil || b[0] != 0 {
		t.Fatalf("%v, %v", b, err)
	}
	if _, err := loadByte.Call(ctx, 0); err != nil {
		t.Fatal(err)
	}

	// One past the end: the guest's load traps, and Call returns an error.
	_, trap := loadByte.Call(ctx, uint64(end))
	if trap == nil {
		t.Fatal("no trap")
	}

	// The host's own accesses are checked too: ok is false.
	if _, ok := memory.Read(end-2, 4); ok {
		t.Fatal("read past the end")
	}
	// ANCHOR_END: out_of_bounds
	firstLine, _, _ := strings.Cut(trap.Error(), "\n")
	booktest.ExpectFile(t, "ch02-linear-memory/out-of-bounds-wazero.txt", fmt.Sprintf(
		"guest load_byte(%#x): %s\nhost memory.Read(%#x, 4): ok == false\n", end, firstLine, end-2))
}
