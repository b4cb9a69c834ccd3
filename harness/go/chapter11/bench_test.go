package chapter11_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"example.com/wasm-memory-book/go/wazerohost"
	"example.com/wasm-memory-book/harness/booktest"
)

// sink keeps the benchmarks' copies alive, so that none is optimized away.
var sink []byte

// BenchmarkRoundTrip measures a round trip of n bytes through the
// round-trip guest (CH08_ROUND_TRIP), under wazero's default runtime (its
// compiler, where the platform has one). ci/bench turns the output into the
// table of chapter 11; the rows are:
//
//   - copy: a host copy of the same bytes (append to a new slice), the floor;
//   - raw: the sequence written by hand with wazero's API and no checks:
//     allocate, Memory.Write, echo, read and copy, deallocate both;
//   - utility: Export.CallBytes on echo, which does the same with every check;
//   - reused: a buffer copied in once (CopyIn); each round trip is
//     Guest.Write, a call of echo_into, Guest.Read;
//   - bare: a call of noop, the cost of entering the guest at all.
func BenchmarkRoundTrip(b *testing.B) {
	ctx := context.Background()
	sizes := []struct {
		name string
		n    int
	}{{"16B", 16}, {"1KiB", 1 << 10}, {"64KiB", 64 << 10}, {"1MiB", 1 << 20}, {"16MiB", 16 << 20}}
	instantiate := func(b *testing.B) (*wazerohost.Guest, api.Module) {
		r := wazero.NewRuntime(ctx)
		b.Cleanup(func() { r.Close(ctx) })
		module := booktest.Instantiate(ctx, b, r, "CH08_ROUND_TRIP", booktest.Options{})
		return must(wazerohost.New(module, wazerohost.AllocateDeallocatePacked()))(b), module
	}
	for _, size := range sizes {
		input := bytes.Repeat([]byte{'x'}, size.n)
		b.Run("copy/"+size.name, func(b *testing.B) {
			b.SetBytes(int64(size.n))
			for b.Loop() {
				sink = append([]byte(nil), input...)
			}
		})
		b.Run("raw/"+size.name, func(b *testing.B) {
			_, module := instantiate(b)
			benchmarkRaw(ctx, b, module, input)
		})
		b.Run("utility/"+size.name, func(b *testing.B) {
			guest, _ := instantiate(b)
			echo := must(guest.Export("echo"))(b)
			b.SetBytes(int64(size.n))
			for b.Loop() {
				out, err := echo.CallBytes(ctx, input)
				if err != nil {
					b.Fatal(err)
				}
				sink = out
			}
		})
		b.Run("reused/"+size.name, func(b *testing.B) {
			guest, module := instantiate(b)
			buffer := must(guest.CopyIn(ctx, input))(b)
			output := must(guest.CopyIn(ctx, input))(b)
			echoInto := module.ExportedFunction("echo_into")
			stack := make([]uint64, 3)
			b.SetBytes(int64(size.n))
			for b.Loop() {
				if err := guest.Write(buffer, input); err != nil {
					b.Fatal(err)
				}
				stack[0], stack[1], stack[2] = uint64(buffer.Ptr()), uint64(buffer.Len()), uint64(output.Ptr())
				if err := echoInto.CallWithStack(ctx, stack); err != nil {
					b.Fatal(err)
				}
				out, err := guest.Read(output)
				if err != nil {
					b.Fatal(err)
				}
				sink = out
			}
			if err := errors.Join(guest.Release(ctx, buffer), guest.Release(ctx, output)); err != nil {
				b.Fatal(err)
			}
		})
	}
	b.Run("bare/16B", func(b *testing.B) {
		_, module := instantiate(b)
		noop := module.ExportedFunction("noop")
		for b.Loop() {
			if err := noop.CallWithStack(ctx, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// ANCHOR: raw
// benchmarkRaw is the round trip written by hand: what Export.CallBytes
// does, without its checks. Every function is looked up once and called
// with a stack kept across calls, as the utility does.
func benchmarkRaw(ctx context.Context, b *testing.B, module api.Module, input []byte) {
	allocate := module.ExportedFunction("allocate")
	deallocate := module.ExportedFunction("deallocate")
	echo := module.ExportedFunction("echo")
	memory := module.Memory()
	stack := make([]uint64, 2)
	n := uint64(len(input))
	b.SetBytes(int64(n))
	for b.Loop() {
		stack[0] = n
		if err := allocate.CallWithStack(ctx, stack); err != nil {
			b.Fatal(err)
		}
		in := stack[0]
		memory.Write(uint32(in), input)
		stack[0], stack[1] = in, n
		if err := echo.CallWithStack(ctx, stack); err != nil {
			b.Fatal(err)
		}
		ptr, length := uint32(stack[0]), uint32(stack[0]>>32) // pointer low
		view, _ := memory.Read(ptr, length)
		sink = append([]byte(nil), view...)
		stack[0], stack[1] = uint64(ptr), uint64(length)
		if err := deallocate.CallWithStack(ctx, stack); err != nil {
			b.Fatal(err)
		}
		stack[0], stack[1] = in, n
		if err := deallocate.CallWithStack(ctx, stack); err != nil {
			b.Fatal(err)
		}
	}
}

// ANCHOR_END: raw
