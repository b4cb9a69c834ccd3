package wazerohost_test

// Properties of the checks (testing/quick), and a fuzz target against the
// liar (testdata/liar.wasm), a guest that returns whatever it is told to.
// The fuzz target's seeds run with the other tests; to fuzz it for a
// bounded time: go test -run '^$' -fuzz '^FuzzLiar$' -fuzztime 20s .
// A finding is written to testdata/fuzz/FuzzLiar/, and runs as a seed from
// then on.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"reflect"
	"strings"
	"testing"
	"testing/quick"
	"unicode/utf8"

	"github.com/tetratelabs/wazero"

	"example.com/wasm-memory-book/go/wazerohost"
)

// quickCases is how many cases each property runs.
const quickCases = 100_000

// edgy is a uint32 near the values where arithmetic goes wrong, or any.
func edgy(r *rand.Rand) uint32 {
	switch r.Intn(4) {
	case 0:
		return uint32(r.Intn(64))
	case 1:
		return ^uint32(0) - uint32(r.Intn(64))
	case 2:
		return uint32(r.Intn(5))*65536 + uint32(r.Intn(129)) - 64
	default:
		return r.Uint32()
	}
}

// edgyValues fills every argument of a property, all uint32s, with edgy
// values.
func edgyValues(values []reflect.Value, r *rand.Rand) {
	for i := range values {
		values[i] = reflect.ValueOf(edgy(r))
	}
}

// TestCheckedRangeProperties: CheckedRange accepts exactly the ranges that
// end inside memory with a length within the cap; each refusal is the first
// rule broken (the cap, then 32-bit overflow, then the end of memory), an
// *Error that carries the values it was given and names them.
func TestCheckedRangeProperties(t *testing.T) {
	property := func(ptr, length, memorySize, maxLen uint32) bool {
		size := uint64(memorySize) % (5 * 65536)
		end, err := wazerohost.CheckedRange("lie", ptr, length, size, maxLen)
		wide := uint64(ptr) + uint64(length)
		if err == nil {
			return length <= maxLen && wide <= size && uint64(end) == wide
		}
		var refused *wazerohost.Error
		if !errors.As(err, &refused) || refused.Ptr != ptr || refused.Len != length {
			return false
		}
		if !strings.Contains(err.Error(), fmt.Sprintf("%d bytes at %#x", length, ptr)) {
			return false
		}
		switch {
		case length > maxLen:
			return refused.Kind == wazerohost.TooLong && refused.MaxLen == maxLen
		case wide > 1<<32-1:
			return refused.Kind == wazerohost.Overflow
		default:
			return refused.Kind == wazerohost.OutOfBounds && wide > size && refused.MemorySize == size
		}
	}
	config := &quick.Config{MaxCount: quickCases, Values: edgyValues}
	if err := quick.Check(property, config); err != nil {
		t.Fatal(err)
	}
}

// TestPackingProperties: Pack and Unpack are inverses in both orders, and
// the two orders are each other's halves swapped.
func TestPackingProperties(t *testing.T) {
	property := func(ptr, length uint32, packed uint64) bool {
		for _, order := range []wazerohost.PackingOrder{wazerohost.PointerLow, wazerohost.PointerHigh} {
			p, l := order.Unpack(order.Pack(ptr, length))
			q, m := order.Unpack(packed)
			if p != ptr || l != length || order.Pack(q, m) != packed {
				return false
			}
		}
		low, high := wazerohost.PointerLow.Unpack(packed)
		p, l := wazerohost.PointerHigh.Unpack(packed)
		return p == high && l == low
	}
	if err := quick.Check(property, &quick.Config{MaxCount: quickCases}); err != nil {
		t.Fatal(err)
	}
}

// FuzzLiar calls the liar through the utility, with whatever lie and
// allocation the fuzzer picks, and checks the invariants of the Rust
// property test: no panic, no byte read from outside memory or past the
// cap, no free of a range outside memory, no buffer left held, and an
// error that names the values.
func FuzzLiar(f *testing.F) {
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	f.Cleanup(func() { r.Close(ctx) })
	compiled := must(r.CompileModule(ctx, must(os.ReadFile(liarWasm))(f)))(f)
	pack := wazerohost.PointerLow.Pack
	f.Add(uint8(0), false, false, uint32(0), pack(65528, 16), uint32(1024), false, []byte(nil))
	f.Add(uint8(1), false, true, uint32(0), pack(2048, 4), uint32(1024), false, []byte(nil))
	f.Add(uint8(0), true, false, uint32(8), pack(3072, 12), uint32(1024), true, []byte("input"))
	f.Add(uint8(2), false, true, uint32(0), pack(1024, 5), uint32(1024), true, []byte("same"))
	f.Add(uint8(0), false, false, uint32(0), pack(0, ^uint32(0)), uint32(65534), true, []byte("at the end"))
	f.Fuzz(func(t *testing.T, growth uint8, pointerHigh, asString bool, maxLen uint32,
		returned uint64, allocation uint32, withInput bool, input []byte) {
		module, err := r.InstantiateModule(ctx, compiled, wazero.NewModuleConfig().WithName(""))
		if err != nil {
			t.Fatal(err)
		}
		defer module.Close(ctx)
		call(ctx, t, module, "grow", uint64(growth%3))
		call(ctx, t, module, "tell", uint64(allocation), returned)
		order := wazerohost.PointerLow
		if pointerHigh {
			order = wazerohost.PointerHigh
		}
		convention := wazerohost.Convention{Allocator: wazerohost.AllocateDeallocate, Order: order, MaxLen: maxLen}
		guest, err := wazerohost.New(module, convention)
		if err != nil {
			t.Fatal(err)
		}
		out, err := callLiar(ctx, guest, withInput, asString, input)
		if outside := call(ctx, t, module, "frees_outside"); outside != 0 {
			t.Fatalf("the host freed %d ranges outside memory", outside)
		}
		if err := guest.CheckLeaks(); err != nil {
			t.Fatal(err)
		}
		ptr, length := order.Unpack(returned)
		if err == nil {
			memory, ok := module.Memory().Read(ptr, length)
			if !ok || !bytes.Equal(out, memory) {
				t.Fatalf("returned %d bytes that are not the %d at %#x inside memory", len(out), length, ptr)
			}
			if effective := cap32(maxLen); length > effective {
				t.Fatalf("read %d bytes, past the cap of %d", length, effective)
			}
			return
		}
		var refused *wazerohost.Error
		if !errors.As(err, &refused) {
			t.Fatalf("not a *wazerohost.Error: %v", err)
		}
		switch refused.Kind {
		case wazerohost.OutOfBounds, wazerohost.Overflow, wazerohost.TooLong, wazerohost.NotUTF8, wazerohost.OverlapsHeldBuffer:
			if !strings.Contains(err.Error(), fmt.Sprintf("%#x", refused.Ptr)) {
				t.Fatalf("the error does not name its pointer: %v", err)
			}
		case wazerohost.AllocationFailed:
		default:
			t.Fatalf("an error the read paths do not make: %v", err)
		}
	})
}

// callLiar calls the liar's lie_about with input, or its lie, through
// the utility, reading bytes or a string.
func callLiar(ctx context.Context, guest *wazerohost.Guest, withInput, asString bool, input []byte) ([]byte, error) {
	if withInput {
		export, err := guest.Export("lie_about")
		if err != nil {
			return nil, err
		}
		if asString && utf8.Valid(input) {
			text, err := export.CallString(ctx, string(input))
			return []byte(text), err
		}
		return export.CallBytes(ctx, input)
	}
	export, err := guest.OutputExport("lie")
	if err != nil {
		return nil, err
	}
	if asString {
		text, err := export.CallString(ctx)
		return []byte(text), err
	}
	return export.Call(ctx)
}

// cap32 is the cap a Convention's MaxLen means: 0 is the default.
func cap32(maxLen uint32) uint32 {
	if maxLen == 0 {
		return wazerohost.DefaultMaxLen
	}
	return maxLen
}
