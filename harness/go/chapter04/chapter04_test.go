// Chapter 4: returning bytes out, from wazero. Each anchor shown on the page
// has a twin in the wasmtime, JavaScript and Python rooms that asserts the
// same thing on the same compiled listing, and writes the same expected file.
package chapter04_test

import (
	"encoding/binary"
	"fmt"
	"math"
	"testing"
	"unicode/utf8"

	"example.com/wasm-memory-book/go/wazerohost"
	"example.com/wasm-memory-book/harness/booktest"
)

// ANCHOR: checked_range
// maxLen is the most bytes this host copies out of a guest in one read.
const maxLen = 64 * 1024

// checkedRange says where length bytes at ptr lie in a memory of memorySize
// bytes, or why the host refuses them. The cap comes first, before any
// arithmetic or allocation; the end is computed in 64 bits, where it cannot
// wrap around.
func checkedRange(ptr, length uint32, memorySize uint64) (start, end uint32, err error) {
	if length > maxLen {
		return 0, 0, fmt.Errorf("%d bytes at %#x: more than the %d bytes the host accepts", length, ptr, maxLen)
	}
	wide := uint64(ptr) + uint64(length)
	if wide > math.MaxUint32 {
		return 0, 0, fmt.Errorf("%d bytes at %#x: the end overflows a 32-bit address", length, ptr)
	}
	if wide > memorySize {
		return 0, 0, fmt.Errorf("%d bytes at %#x: past the end of the %d-byte memory", length, ptr, memorySize)
	}
	return ptr, uint32(wide), nil
}

// ANCHOR_END: checked_range

// The short check agrees with the utility's full one on every edge.
func TestTheShortCheckAgreesWithTheUtility(t *testing.T) {
	const size = 1114112
	for _, c := range [][2]uint32{{0, 0}, {0x10fff8, 8}, {0x10fff8, 16}, {0xfffffff0, 0x20},
		{1024, maxLen}, {1024, maxLen + 1}, {1024, 3 << 30}, {size, 0}} {
		_, _, short := checkedRange(c[0], c[1], size)
		_, full := wazerohost.CheckedRange("export", c[0], c[1], size, maxLen)
		if (short == nil) != (full == nil) {
			t.Errorf("(%#x, %d): %v, but the utility says %v", c[0], c[1], short, full)
		}
	}
}

func TestTheHostUnpacksReadsAndFrees(t *testing.T) {
	ctx, module := booktest.NewModule(t, "CH04_PACKED_RETURN")
	// ANCHOR: read_packed
	memory := module.Memory()
	allocate := module.ExportedFunction("allocate")
	deallocate := module.ExportedFunction("deallocate")
	greet := module.ExportedFunction("greet")

	// The name goes in as in chapter 3, and is freed after the call.
	name := []byte("Ferris")
	results, err := allocate.Call(ctx, uint64(len(name)))
	if err != nil {
		t.Fatal(err)
	}
	namePtr := results[0]
	memory.Write(uint32(namePtr), name)
	results, err = greet.Call(ctx, namePtr, uint64(len(name)))
	if err != nil {
		t.Fatal(err)
	}
	packed := results[0]
	if _, err := deallocate.Call(ctx, namePtr, uint64(len(name))); err != nil {
		t.Fatal(err)
	}

	// This book's order: pointer low, length high.
	ptr, length := uint32(packed), uint32(packed>>32)
	start, end, err := checkedRange(ptr, length, uint64(memory.Size()))
	if err != nil {
		t.Fatalf("greet returned %v", err)
	}
	view, _ := memory.Read(start, end-start)
	greeting := string(view) // a copy: the view dies with the buffer
	// The buffer is the host's now: free it with the length the guest gave.
	if _, err := deallocate.Call(ctx, uint64(ptr), uint64(length)); err != nil {
		t.Fatal(err)
	}

	if greeting != "Hello, Ferris!" {
		t.Fatalf("greet returned %q", greeting)
	}
	// ANCHOR_END: read_packed
}

func TestTheWrongBitOrderIsCaught(t *testing.T) {
	ctx, module := booktest.NewModule(t, "CH04_PACKED_RETURN")
	memory := module.Memory()
	results, err := module.ExportedFunction("allocate").Call(ctx, 6)
	if err != nil {
		t.Fatal(err)
	}
	memory.Write(uint32(results[0]), []byte("Ferris"))
	results, err = module.ExportedFunction("greet").Call(ctx, results[0], 6)
	if err != nil {
		t.Fatal(err)
	}
	packed := results[0]

	// ANCHOR: wrong_order
	// wazero's examples put the pointer in the high bits. Read this
	// book's packing that way and the two numbers trade places:
	ptr, length := uint32(packed>>32), uint32(packed)
	_, _, refused := checkedRange(ptr, length, uint64(memory.Size()))
	// ANCHOR_END: wrong_order

	if refused == nil {
		t.Fatal("the swapped (ptr, len) passed the check")
	}
	booktest.ExpectFile(t, "ch04-returning-bytes-out/packed-return.txt",
		fmt.Sprintf("packed = 0x%016x\n%v\n", packed, refused))
}

func TestTwoResultsArriveAsTwoValues(t *testing.T) {
	ctx, module := booktest.NewModule(t, "CH04_MULTI_VALUE")
	// ANCHOR: call_multi_value
	memory := module.Memory()

	// wazero returns every result in one slice.
	results, err := module.ExportedFunction("greeting").Call(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ptr, length := uint32(results[0]), uint32(results[1])
	start, end, err := checkedRange(ptr, length, uint64(memory.Size()))
	if err != nil {
		t.Fatalf("greeting returned %v", err)
	}
	if view, _ := memory.Read(start, end-start); string(view) != "Hello, multi-value!" {
		t.Fatalf("greeting returned %q", view)
	}
	// ANCHOR_END: call_multi_value
}

func TestTheHostPassesTheOutPointerFirst(t *testing.T) {
	ctx, module := booktest.NewModule(t, "CH04_OUT_POINTER")
	// ANCHOR: call_hidden
	allocate := module.ExportedFunction("allocate")
	deallocate := module.ExportedFunction("deallocate")
	uppercase := module.ExportedFunction("uppercase")
	memory := module.Memory()
	alloc := func(size uint64) uint64 {
		results, err := allocate.Call(ctx, size)
		if err != nil {
			t.Fatal(err)
		}
		return results[0]
	}

	textPtr := alloc(5)
	memory.Write(uint32(textPtr), []byte("shout"))
	// 8 bytes for the returned `GuestSlice { ptr, len }`.
	out := alloc(8)

	// The hidden out-pointer comes first, before the Rust parameters.
	if _, err := uppercase.Call(ctx, out, textPtr, 5); err != nil {
		t.Fatal(err)
	}

	slot, _ := memory.Read(uint32(out), 8)
	ptr := binary.LittleEndian.Uint32(slot[0:4])
	length := binary.LittleEndian.Uint32(slot[4:8])
	start, end, err := checkedRange(ptr, length, uint64(memory.Size()))
	if err != nil {
		t.Fatalf("uppercase returned %v", err)
	}
	view, _ := memory.Read(start, end-start)
	shouted := string(view)

	// Three buffers, three owners' duties: all three are the host's.
	for _, buffer := range [][2]uint64{{uint64(ptr), uint64(length)}, {out, 8}, {textPtr, 5}} {
		if _, err := deallocate.Call(ctx, buffer[0], buffer[1]); err != nil {
			t.Fatal(err)
		}
	}
	if shouted != "SHOUT" {
		t.Fatalf("uppercase returned %q", shouted)
	}
	// ANCHOR_END: call_hidden
}

func TestEveryLieIsCaughtWithItsOwnError(t *testing.T) {
	ctx, module := booktest.NewModule(t, "CH04_LYING_GUEST")
	// ANCHOR: lies
	memory := module.Memory()
	report := ""
	for _, export := range []string{"ends_past_memory", "length_wraps_around", "huge_length", "invalid_utf8"} {
		results, err := module.ExportedFunction(export).Call(ctx)
		if err != nil {
			t.Fatal(err)
		}
		ptr, length := uint32(results[0]), uint32(results[0]>>32)
		start, end, refused := checkedRange(ptr, length, uint64(memory.Size()))
		if refused == nil {
			// In bounds: the bytes must still be the UTF-8 the host expects.
			if view, _ := memory.Read(start, end-start); utf8.Valid(view) {
				t.Fatalf("%s told the truth: %q", export, view)
			}
			refused = fmt.Errorf("%d bytes at %#x: not UTF-8", length, ptr)
		}
		report += fmt.Sprintf("%s: %v\n", export, refused)
	}
	// ANCHOR_END: lies
	booktest.ExpectFile(t, "ch04-returning-bytes-out/lying-guest.txt", report)
}
