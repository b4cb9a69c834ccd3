package wazerohost_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"example.com/wasm-memory-book/go/wazerohost"
)

// The buffers the host holds: copied in, written, read, released once, to
// the guest they came from, and listed until then.
func TestBuffers(t *testing.T) {
	ctx := context.Background()
	r := newRuntime(t, nil)
	module := instantiate(t, r, guestWasm)
	guest := must(wazerohost.New(module, wazerohost.AllocateDeallocatePacked()))(t)

	input := must(guest.CopyIn(ctx, []byte("hello")))(t)
	if err := guest.Write(input, []byte("howdy")); err != nil {
		t.Fatal(err)
	}
	greet := must(guest.OutputExport("greet", i32, i32))(t)
	result := must(greet.CallBuffer(ctx, uint64(input.Ptr()), uint64(input.Len())))(t)
	if text := must(guest.ReadString(result))(t); text != "Hello, howdy!" {
		t.Fatal(text)
	}
	if bytes := must(guest.Read(input))(t); string(bytes) != "howdy" {
		t.Fatalf("%q", bytes)
	}
	for _, test := range []struct {
		buffer              *wazerohost.Buffer
		ptr, length         uint32
		export, description string
	}{
		{input, 0x400, 5, "allocate", `the 5-byte buffer at 0x400 from "allocate"`},
		{result, 0x408, 13, "greet", `the 13-byte buffer at 0x408 from "greet"`},
	} {
		b := test.buffer
		if b.Ptr() != test.ptr || b.Len() != test.length || b.Export() != test.export || b.String() != test.description {
			t.Errorf("%#x %d %q %q", b.Ptr(), b.Len(), b.Export(), b)
		}
	}
	if outstanding := guest.Outstanding(); len(outstanding) != 2 || outstanding[0] != input || outstanding[1] != result {
		t.Fatalf("%v", outstanding)
	}
	expectMessage(t, guest.CheckLeaks(), wazerohost.Leaks, `2 buffers were not released: `+
		`the 5-byte buffer at 0x400 from "allocate"; the 13-byte buffer at 0x408 from "greet"`)
	if err := errors.Join(guest.Release(ctx, input), guest.Release(ctx, result)); err != nil {
		t.Fatal(err)
	}
	if n := live(ctx, t, module); n != 0 || guest.CheckLeaks() != nil || len(guest.Outstanding()) != 0 {
		t.Fatalf("%d live, %v", n, guest.CheckLeaks())
	}
}

// Each misuse of a buffer is refused with its own error, and changes
// nothing in the guest.
func TestBufferMisuse(t *testing.T) {
	ctx := context.Background()
	r := newRuntime(t, nil)
	module := instantiate(t, r, guestWasm)
	guest := must(wazerohost.New(module, wazerohost.AllocateDeallocatePacked()))(t)
	held := must(guest.CopyIn(ctx, []byte("hello")))(t) // at 0x400

	expectMessage(t, guest.Write(held, []byte("hello!")), wazerohost.DoesNotFit,
		`6 bytes do not fit in the 5-byte buffer at 0x400 from "allocate"`)
	expectMessage(t, second(guest.Adopt("greet", held.Ptr()+2, 8)), wazerohost.OverlapsHeldBuffer,
		`8 bytes at 0x402 from "greet" overlap the 5-byte buffer at 0x400 from "allocate", which the host already holds`)
	expectMessage(t, second(guest.Adopt("greet", 65530, 8)), wazerohost.OutOfBounds,
		`"greet" returned 8 bytes at 0xfffa, ending at 0x10002, past the end of its 65536-byte memory`)
	leaks := expectMessage(t, guest.CheckLeaks(), wazerohost.Leaks,
		`1 buffer was not released: the 5-byte buffer at 0x400 from "allocate"`)
	if len(leaks.Buffers) != 1 || leaks.Buffers[0] != held {
		t.Fatal(leaks.Buffers)
	}

	// A buffer goes back only to the guest it came from.
	other := must(wazerohost.New(instantiate(t, r, guestWasm), wazerohost.AllocateDeallocatePacked()))(t)
	foreign := expectMessage(t, other.Release(ctx, held), wazerohost.ForeignBuffer,
		`the 5-byte buffer at 0x400 from "allocate" did not come from this guest: `+
			`a buffer goes back only to the guest it came from`)
	if foreign.Buffers[0] != held {
		t.Fatal(foreign.Buffers)
	}
	expectMessage(t, guest.Release(ctx, nil), wazerohost.ForeignBuffer,
		`a nil buffer did not come from this guest: a buffer goes back only to the guest it came from`)

	// Once only.
	if err := guest.Release(ctx, held); err != nil {
		t.Fatal(err)
	}
	const released = `the 5-byte buffer at 0x400 from "allocate" was already released`
	expectMessage(t, guest.Release(ctx, held), wazerohost.AlreadyReleased, released)
	expectMessage(t, second(guest.Read(held)), wazerohost.AlreadyReleased, released)
	expectMessage(t, second(guest.ReadString(held)), wazerohost.AlreadyReleased, released)
	expectMessage(t, guest.Write(held, nil), wazerohost.AlreadyReleased, released)
	if n := live(ctx, t, module); n != 0 || guest.CheckLeaks() != nil {
		t.Fatalf("%d live, %v", n, guest.CheckLeaks())
	}

	// Bytes that are not UTF-8 are refused as a string, not as bytes.
	notText := must(guest.CopyIn(ctx, []byte{'a', 0xff}))(t)
	expectMessage(t, second(guest.ReadString(notText)), wazerohost.NotUTF8,
		`"allocate" returned 2 bytes at 0x408 that are not UTF-8`)
	if bytes := must(guest.Read(notText))(t); string(bytes) != "a\xff" {
		t.Fatalf("%q", bytes)
	}
	if err := guest.Release(ctx, notText); err != nil {
		t.Fatal(err)
	}
}

// A (ptr, len) the host got some other way than through the package (here,
// a raw call of greet) is adopted after the checks, and released like any
// other; under NoAllocator, Release gives it back to nobody.
func TestAdopt(t *testing.T) {
	ctx := context.Background()
	module := instantiate(t, newRuntime(t, nil), guestWasm)
	guest := must(wazerohost.New(module, wazerohost.AllocateDeallocatePacked()))(t)
	name := must(guest.CopyIn(ctx, []byte("raw")))(t)
	packed := call(ctx, t, module, "greet", uint64(name.Ptr()), uint64(name.Len()))
	ptr, length := wazerohost.PointerLow.Unpack(packed)
	adopted := must(guest.Adopt("greet", ptr, length))(t)
	if text := must(guest.ReadString(adopted))(t); text != "Hello, raw!" || adopted.Export() != "greet" {
		t.Fatal(text, adopted)
	}
	if err := errors.Join(guest.Release(ctx, adopted), guest.Release(ctx, name)); err != nil {
		t.Fatal(err)
	}
	if n := live(ctx, t, module); n != 0 {
		t.Fatalf("%d live", n)
	}

	keeper := must(wazerohost.New(module, wazerohost.Convention{Allocator: wazerohost.NoAllocator}))(t)
	kept := must(keeper.Adopt("version", 32, 9))(t) // the guest's static data, which version copies
	if text := must(keeper.ReadString(kept))(t); text != "guest 1.0" {
		t.Fatal(text)
	}
	if err := keeper.Release(ctx, kept); err != nil { // to nobody
		t.Fatal(err)
	}
	if n := live(ctx, t, module); n != 0 || keeper.CheckLeaks() != nil {
		t.Fatalf("%d live, %v", n, keeper.CheckLeaks())
	}
}

// canonicalGuest shows the guest fixture to the package as a canonical-ABI
// guest: with an export cabi_realloc, which the fixture lacks, made of its
// allocate, and cabi_post_greet, made of its deallocate. The host functions
// record what they are called with.
type canonicalGuest struct {
	api.Module
	exports map[string]api.Function
}

func (g canonicalGuest) ExportedFunction(name string) api.Function {
	if function, ok := g.exports[name]; ok {
		return function
	}
	return g.Module.ExportedFunction(name)
}

func (g canonicalGuest) ExportedFunctionDefinitions() map[string]api.FunctionDefinition {
	definitions := maps.Clone(g.Module.ExportedFunctionDefinitions())
	for name, function := range g.exports {
		definitions[name] = function.Definition()
	}
	return definitions
}

// newCanonicalGuest instantiates the guest fixture as a canonicalGuest, and
// returns it with the values cabi_post_greet was passed.
func newCanonicalGuest(ctx context.Context, t *testing.T, r wazero.Runtime) (canonicalGuest, *[]uint64) {
	module := instantiate(t, r, guestWasm)
	allocate, deallocate := module.ExportedFunction("allocate"), module.ExportedFunction("deallocate")
	var posted []uint64
	// A host function that panics traps the call that called it.
	realloc := func(ctx context.Context, old, oldSize, align, newSize uint32) uint32 {
		if old != 0 || oldSize != 0 || align != 1 {
			panic(fmt.Sprintf("cabi_realloc(%d, %d, %d, %d): only new buffers of bytes", old, oldSize, align, newSize))
		}
		results, err := allocate.Call(ctx, uint64(newSize))
		if err != nil {
			panic(err)
		}
		return uint32(results[0])
	}
	postGreet := func(ctx context.Context, packed uint64) {
		posted = append(posted, packed)
		ptr, length := wazerohost.PointerLow.Unpack(packed)
		if _, err := deallocate.Call(ctx, uint64(ptr), uint64(length)); err != nil {
			panic(err)
		}
	}
	// Compiled and instantiated in two steps: a host module that Instantiate
	// makes refuses ExportedFunction.
	compiled := must(r.NewHostModuleBuilder("canonical").
		NewFunctionBuilder().WithFunc(realloc).Export("cabi_realloc").
		NewFunctionBuilder().WithFunc(postGreet).Export("cabi_post_greet").
		Compile(ctx))(t)
	host := must(r.InstantiateModule(ctx, compiled, wazero.NewModuleConfig()))(t)
	exports := map[string]api.Function{}
	for _, name := range []string{"cabi_realloc", "cabi_post_greet"} {
		exports[name] = host.ExportedFunction(name)
	}
	return canonicalGuest{module, exports}, &posted
}

// Under the canonical ABI the host frees nothing it allocates: an input
// belongs to the export it is passed to, and a result goes back through
// cabi_post_<export>, with exactly what the export returned. So the package
// refuses to hold an input (CopyIn) or a range it cannot give back (Adopt).
func TestCanonicalABI(t *testing.T) {
	ctx := context.Background()
	module, posted := newCanonicalGuest(ctx, t, newRuntime(t, nil))
	guest := must(wazerohost.New(module, wazerohost.Convention{Allocator: wazerohost.CabiRealloc}))(t)
	expectKind(t, second(guest.Adopt("greet", 16, 4)), wazerohost.Unsupported, "Adopt is not supported here",
		"cabi_post_<export>", "OutputExport.CallBuffer")
	expectKind(t, second(guest.CopyIn(ctx, []byte("component"))), wazerohost.Unsupported,
		"CopyIn is not supported here", "Export.CallBytes")

	greet := must(guest.Export("greet"))(t)
	for range 3 {
		if got := must(greet.CallString(ctx, "component"))(t); got != "Hello, component!" {
			t.Fatal(got)
		}
	}
	// HandOver: the export takes the input over; CallBuffer's result goes
	// back through cabi_post_greet when released.
	ptr, length := must2(guest.HandOver(ctx, []byte("buffer")))(t)
	result := must(must(guest.OutputExport("greet", i32, i32))(t).CallBuffer(ctx, uint64(ptr), uint64(length)))(t)
	if text := must(guest.ReadString(result))(t); text != "Hello, buffer!" {
		t.Fatal(text)
	}
	if err := guest.Release(ctx, result); err != nil {
		t.Fatal(err)
	}
	// The fixture's greet does not free its input, as a canonical-ABI
	// export would: the four inputs are still live, and nothing else.
	if n := live(ctx, t, module); n != 4 || len(*posted) != 4 {
		t.Fatalf("%d live, cabi_post_greet called %d times", n, len(*posted))
	}
	if want := wazerohost.PointerLow.Pack(result.Ptr(), result.Len()); (*posted)[3] != want {
		t.Fatalf("cabi_post_greet got %#x, not what greet returned, %#x", (*posted)[3], want)
	}
}
