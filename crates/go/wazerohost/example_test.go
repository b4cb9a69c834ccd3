package wazerohost_test

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"example.com/wasm-memory-book/go/wazerohost"
)

// Chapter 11 of the book shows this example whole, so it instantiates the
// guest itself rather than through exampleGuest, as the others do.
// ANCHOR: example
func ExampleExport_CallString() {
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	wasm, err := os.ReadFile("testdata/guest.wasm")
	if err != nil {
		panic(err)
	}
	module, err := r.Instantiate(ctx, wasm)
	if err != nil {
		panic(err)
	}

	// allocate/deallocate, results packed pointer-low: (len << 32) | ptr.
	guest, err := wazerohost.New(module, wazerohost.AllocateDeallocatePacked())
	if err != nil {
		panic(err)
	}
	// Looked up and type-checked once: (ptr, len) -> packed (ptr, len).
	greet, err := guest.Export("greet")
	if err != nil {
		panic(err)
	}
	for _, name := range []string{"Ferris", "Gopher"} {
		greeting, err := greet.CallString(ctx, name)
		if err != nil {
			panic(err)
		}
		fmt.Println(greeting)
	}
	// Output:
	// Hello, Ferris!
	// Hello, Gopher!
}

// ANCHOR_END: example

// exampleGuest instantiates testdata/guest.wasm in r, with config (nil for
// the default), for the examples below.
func exampleGuest(ctx context.Context, r wazero.Runtime, config wazero.ModuleConfig) api.Module {
	wasm, err := os.ReadFile("testdata/guest.wasm")
	if err != nil {
		panic(err)
	}
	if config == nil {
		config = wazero.NewModuleConfig()
	}
	module, err := r.InstantiateWithConfig(ctx, wasm, config)
	if err != nil {
		panic(err)
	}
	return module
}

// New checks a module against a Convention once: the memory and the
// allocator's exports, with their types. A convention that does not fit
// the guest is refused with the reason.
func ExampleNew() {
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	module := exampleGuest(ctx, r, nil)

	guest, err := wazerohost.New(module, wazerohost.Convention{Allocator: wazerohost.MallocFree})
	if err != nil {
		panic(err)
	}
	convention := guest.Convention() // every default filled in
	fmt.Println(convention.AllocName, convention.FreeName, convention.Memory)

	_, err = wazerohost.New(module, wazerohost.Convention{Allocator: wazerohost.CabiRealloc})
	fmt.Println(err)
	// Output:
	// malloc free memory
	// the guest does not export "cabi_realloc", the allocator of CabiRealloc
}

// CallBytes is CallString for bytes. The guest's shout works only after
// _initialize, as a Go or TinyGo reactor's exports do: run it as the start
// function.
func ExampleExport_CallBytes() {
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	module := exampleGuest(ctx, r, wazero.NewModuleConfig().WithStartFunctions("_initialize"))

	guest, err := wazerohost.New(module, wazerohost.AllocateDeallocatePacked())
	if err != nil {
		panic(err)
	}
	shout, err := guest.Export("shout")
	if err != nil {
		panic(err)
	}
	shouted, err := shout.CallBytes(ctx, []byte("bytes in, bytes out"))
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s\n", shouted)
	// Output:
	// BYTES IN, BYTES OUT
}

// A buffer that outlives a call: copied in once, passed to an export that
// returns a buffer the host holds, read, and released, each once.
func ExampleGuest_CopyIn() {
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	guest, err := wazerohost.New(exampleGuest(ctx, r, nil), wazerohost.AllocateDeallocatePacked())
	if err != nil {
		panic(err)
	}

	name, err := guest.CopyIn(ctx, []byte("buffer"))
	if err != nil {
		panic(err)
	}
	greet, err := guest.OutputExport("greet", api.ValueTypeI32, api.ValueTypeI32)
	if err != nil {
		panic(err)
	}
	greeting, err := greet.CallBuffer(ctx, uint64(name.Ptr()), uint64(name.Len()))
	if err != nil {
		panic(err)
	}
	text, err := guest.ReadString(greeting)
	if err != nil {
		panic(err)
	}
	fmt.Println(text)
	fmt.Println(len(guest.Outstanding()), "buffers held")

	if err := errors.Join(guest.Release(ctx, name), guest.Release(ctx, greeting)); err != nil {
		panic(err)
	}
	fmt.Println(guest.CheckLeaks())
	fmt.Println(guest.Release(ctx, name))
	// Output:
	// Hello, buffer!
	// 2 buffers held
	// <nil>
	// the 6-byte buffer at 0x400 from "allocate" was already released
}

// A host function receives the module calling it, and the (ptr, len) of
// its argument: New on that module is cheap, and ReadArgumentString checks
// the range before it copies the bytes out. Here the host calls the
// function itself, as the guest would through an import.
func ExampleGuest_ReadArgumentString() {
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	module := exampleGuest(ctx, r, nil)

	// log(ptr, len), as wazero calls a function of a host module.
	log := func(ctx context.Context, m api.Module, ptr, length uint32) {
		guest, err := wazerohost.New(m, wazerohost.AllocateDeallocatePacked())
		if err != nil {
			panic(err) // a host function that panics traps the guest
		}
		message, err := guest.ReadArgumentString("log", ptr, length)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println("log:", message)
	}

	module.Memory().WriteString(0x400, "a message for the host")
	log(ctx, module, 0x400, 22)
	log(ctx, module, 0xfff0, 32) // a guest that lies
	// Output:
	// log: a message for the host
	// bad argument: host function "log" was passed 32 bytes at 0xfff0, ending at 0x10010, past the end of its 65536-byte memory
}

// Every error is an *Error with a Kind, and each kind is an error itself,
// for errors.Is; errors.As gives the fields.
func ExampleErrorKind() {
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	module := exampleGuest(ctx, r, nil) // _initialize not run: shout traps
	guest, err := wazerohost.New(module, wazerohost.AllocateDeallocatePacked())
	if err != nil {
		panic(err)
	}

	_, err = guest.CallString(ctx, "shout", "too early")
	fmt.Println(errors.Is(err, wazerohost.CallFailed), errors.Is(err, wazerohost.OutOfBounds))
	var refused *wazerohost.Error
	if errors.As(err, &refused) {
		fmt.Println(refused.Kind.String(), refused.Export)
	}
	// Output:
	// true false
	// CallFailed shout
}

// An export that takes numbers (here, nothing) and returns a buffer: the
// handle copies the result out, checked, and gives the buffer back.
func ExampleGuest_OutputExport() {
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	guest, err := wazerohost.New(exampleGuest(ctx, r, nil), wazerohost.AllocateDeallocatePacked())
	if err != nil {
		panic(err)
	}
	version, err := guest.OutputExport("version")
	if err != nil {
		panic(err)
	}
	text, err := version.CallString(ctx)
	if err != nil {
		panic(err)
	}
	fmt.Println(text)
	fmt.Println(guest.CheckLeaks())
	// Output:
	// guest 1.0
	// <nil>
}

// CheckedRange is the check every read makes of a (ptr, len) a guest hands
// over: the cap first, then the end, in 64 bits, against the memory.
func ExampleCheckedRange() {
	const memorySize = 65536 // one page
	for _, r := range []struct{ ptr, length uint32 }{
		{1024, 16},         // inside
		{65528, 16},        // past the end
		{0xfffffff0, 0x20}, // wraps around
		{1024, 1 << 20},    // longer than the cap
	} {
		end, err := wazerohost.CheckedRange("greet", r.ptr, r.length, memorySize, 64<<10)
		fmt.Println(end, err)
	}
	// Output:
	// 1040 <nil>
	// 0 "greet" returned 16 bytes at 0xfff8, ending at 0x10008, past the end of its 65536-byte memory
	// 0 "greet" returned 32 bytes at 0xfffffff0: the end overflows a 32-bit address
	// 0 "greet" returned 1048576 bytes at 0x400, more than the 65536 bytes the host accepts
}
