// Chapter 12: host functions under wazero, the Go twin of the Rust host in
// harness/rust/tests/chapters/ch12_host_functions.rs. These tests are
// the chapter's code.
package chapter12_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"example.com/wasm-memory-book/go/wazerohost"
	"example.com/wasm-memory-book/harness/booktest"
)

// maxLog is the longest message log and try_log accept.
const maxLog = 4096

// ANCHOR: host
// host is what the host functions share: what the guest logged and the
// name it asks for. No module and no memory: each host function is passed
// the module calling it, and finds the memory there.
type host struct {
	logged []string
	name   string
}

// ANCHOR_END: host

// ANCHOR: log
// env.log reads a message the guest lends for the call.
// ReadArgumentString checks the range against the caller's memory as it
// is now (in 64 bits, where ptr + len cannot wrap), caps the length and
// validates UTF-8. A host function that panics traps the guest, and the
// export the host called returns the panic's error.
func (h *host) logMessage(ctx context.Context, m api.Module, ptr, length uint32) {
	message, err := guestCalling(m).ReadArgumentString("log", ptr, length)
	if err != nil {
		panic(err)
	}
	h.logged = append(h.logged, message)
}

// guestCalling wraps the module calling a host function, under the book's
// convention and log's cap on lengths. New calls nothing in the guest, so
// it is cheap enough for every call.
func guestCalling(m api.Module) *wazerohost.Guest {
	convention := wazerohost.AllocateDeallocatePacked()
	convention.MaxLen = maxLog
	guest, err := wazerohost.New(m, convention)
	if err != nil {
		panic(err)
	}
	return guest
}

// ANCHOR_END: log

// ANCHOR: try_log
// try_log(ptr, len) -> code makes the same checks, and answers with an
// error code instead of a trap, so that the guest decides what to do.
func (h *host) tryLog(ctx context.Context, m api.Module, ptr, length uint32) int32 {
	message, err := guestCalling(m).ReadArgumentString("try_log", ptr, length)
	switch {
	case errors.Is(err, wazerohost.NotUTF8):
		return 2
	case err != nil:
		return 1 // too long, or outside memory
	}
	h.logged = append(h.logged, message)
	return 0
}

// ANCHOR_END: try_log

// ANCHOR: fill_name
// fill_name(buf, capacity) -> len writes the name into the guest's buffer
// when it fits, and returns its length either way. WriteString checks the
// range, and returns false instead of writing past the end.
func (h *host) fillName(ctx context.Context, m api.Module, buf, capacity uint32) uint32 {
	length := uint32(len(h.name))
	if length <= capacity && !m.Memory().WriteString(buf, h.name) {
		panic(fmt.Errorf("fill_name: %d bytes at %#x are outside the guest's memory", length, buf))
	}
	return length
}

// ANCHOR_END: fill_name

// ANCHOR: fetch_name
// fetch_name() -> packed (ptr, len) calls the guest's own allocate from
// inside the host function, writes the name there and returns the buffer
// packed as the book packs, (len << 32) | ptr. The buffer is the guest's
// from then on: the host does not free it. (wazerohost's HandOver does
// the same three steps.)
func (h *host) fetchName(ctx context.Context, m api.Module) uint64 {
	length := uint32(len(h.name))
	ptr := allocateInCaller(ctx, m, length)
	// Nothing held across allocate, which may have grown the memory: the
	// write goes to the memory as it is now.
	if !m.Memory().WriteString(ptr, h.name) {
		panic(fmt.Errorf("fetch_name: allocate returned %#x, outside the guest's memory", ptr))
	}
	return wazerohost.PointerLow.Pack(ptr, length)
}

// allocateInCaller calls the calling guest's allocate(length): a host
// function may call back into the module that called it.
func allocateInCaller(ctx context.Context, m api.Module, length uint32) uint32 {
	allocate := m.ExportedFunction("allocate")
	if allocate == nil {
		panic(errors.New("the calling module exports no allocate"))
	}
	results, err := allocate.Call(ctx, uint64(length))
	if err != nil {
		panic(err)
	}
	ptr := uint32(results[0])
	if ptr == 0 {
		panic(fmt.Errorf("allocate(%d) returned 0: the guest is out of memory", length))
	}
	return ptr
}

// ANCHOR_END: fetch_name

// ANCHOR: host_module
// provideHost gives the runtime the four host functions as the module
// "env", which the guest imports. fetchName is a parameter so that a test
// can swap in a wrong one.
func provideHost(ctx context.Context, r wazero.Runtime, h *host,
	fetchName func(context.Context, api.Module) uint64) error {
	_, err := r.NewHostModuleBuilder("env").
		NewFunctionBuilder().WithFunc(h.logMessage).Export("log").
		NewFunctionBuilder().WithFunc(h.tryLog).Export("try_log").
		NewFunctionBuilder().WithFunc(h.fillName).Export("fill_name").
		NewFunctionBuilder().WithFunc(fetchName).Export("fetch_name").
		Instantiate(ctx)
	return err
}

// ANCHOR_END: host_module

// instantiate provides the host functions, then the guest that imports
// them, with the checked allocator's report_error.
func instantiate(ctx context.Context, t *testing.T, r wazero.Runtime, h *host,
	fetchName func(context.Context, api.Module) uint64) (module api.Module, messages *[]string) {
	if err := provideHost(ctx, r, h, fetchName); err != nil {
		t.Fatal(err)
	}
	messages = new([]string) // what the checked allocator reports
	module = booktest.Instantiate(ctx, t, r, "CH12_HOST_CALLS", booktest.Options{Messages: messages})
	return module, messages
}

// start instantiates the host, with the right fetch_name, and the guest,
// in a runtime of their own.
func start(t *testing.T) (context.Context, *host, api.Module) {
	ctx := context.Background()
	h := &host{name: "Ferris"}
	module, _ := instantiate(ctx, t, newRuntime(t), h, h.fetchName)
	return ctx, h, module
}

// newRuntime is a runtime closed when the test ends.
func newRuntime(t *testing.T) wazero.Runtime {
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	t.Cleanup(func() { r.Close(ctx) })
	return r
}

// call calls export, which must not fail, and returns its results.
func call(ctx context.Context, t *testing.T, module api.Module, export string, params ...uint64) []uint64 {
	t.Helper()
	results, err := module.ExportedFunction(export).Call(ctx, params...)
	if err != nil {
		t.Fatalf("%s: %v", export, err)
	}
	return results
}

// bookGuest wraps module under the book's convention, to call its exports
// that return a packed (ptr, len).
func bookGuest(t *testing.T, module api.Module) *wazerohost.Guest {
	t.Helper()
	guest, err := wazerohost.New(module, wazerohost.AllocateDeallocatePacked())
	if err != nil {
		t.Fatal(err)
	}
	return guest
}

// expectNothingLive fails unless the guest's checked allocator counts no
// live allocation: every buffer was freed, once.
func expectNothingLive(ctx context.Context, t *testing.T, module api.Module) {
	t.Helper()
	if live := call(ctx, t, module, "live")[0]; live != 0 {
		t.Fatalf("%d allocations are still live", live)
	}
}

func TestAHostFunctionReadsTheCallersMemory(t *testing.T) {
	ctx, h, module := start(t)
	call(ctx, t, module, "hello")
	if !slices.Equal(h.logged, []string{"hello from the guest"}) {
		t.Fatalf("logged %q", h.logged)
	}
}

func TestTheGuestLendsABufferAndTheHostFillsIt(t *testing.T) {
	ctx, h, module := start(t)
	// ANCHOR: call_filled
	greetFilled, err := bookGuest(t, module).OutputExport("greet_filled", api.ValueTypeI32) // (capacity)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := greetFilled.CallString(ctx, 64); err != nil || got != "Hello, Ferris!" {
		t.Fatalf("%q, %v", got, err)
	}
	if len(h.logged) != 0 { // 64 bytes were room enough
		t.Fatalf("logged %q", h.logged)
	}

	if got, err := greetFilled.CallString(ctx, 2); err != nil || got != "Hello, Ferris!" {
		t.Fatalf("%q, %v", got, err)
	}
	if !slices.Equal(h.logged, []string{"2 bytes are too few, the name needs 6"}) {
		t.Fatalf("logged %q", h.logged)
	}
	// ANCHOR_END: call_filled
	expectNothingLive(ctx, t, module)
}

func TestTheHostAllocatesWithTheGuestsAllocateAndTheGuestFrees(t *testing.T) {
	ctx, _, module := start(t)
	// ANCHOR: call_fetched
	greetFetched, err := bookGuest(t, module).OutputExport("greet_fetched")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := greetFetched.CallString(ctx); err != nil || got != "Hello, Ferris!" {
		t.Fatalf("%q, %v", got, err)
	}
	// The host freed the greeting; the guest freed the name the host
	// allocated for it. The checked allocator counts nothing live.
	expectNothingLive(ctx, t, module)
	// ANCHOR_END: call_fetched
}

func TestLyingArgumentsAreTheHostFunctionsError(t *testing.T) {
	ctx, h, module := start(t)
	size := module.Memory().Size()
	for _, test := range []struct {
		name        string
		ptr, length uint32
		kind        wazerohost.ErrorKind
		says        string
	}{
		{"past the end", size - 4, 8, wazerohost.OutOfBounds, fmt.Sprintf(
			`8 bytes at %#x, ending at %#x, past the end of its %d-byte memory`, size-4, uint64(size)+4, size)},
		// A careless ptr + len <= size computed in uint32 would see 8 and
		// accept it.
		{"wrapping 32 bits", math.MaxUint32 - 7, 16, wazerohost.Overflow,
			`16 bytes at 0xfffffff8: the end overflows a 32-bit address`},
		// -1 as the guest's i32: refused by the cap before the host looks
		// at memory or copies anything.
		{"a length of -1", 16, math.MaxUint32, wazerohost.TooLong,
			`4294967295 bytes at 0x10, more than the 4096 bytes the host accepts`},
	} {
		t.Run(test.name, func(t *testing.T) {
			_, err := module.ExportedFunction("log_raw").Call(ctx, uint64(test.ptr), uint64(test.length))
			// wazero wraps the host function's panic with the guest's stack
			// trace; errors.As finds the host function's own error.
			var refused *wazerohost.Error
			if !errors.As(err, &refused) || refused.Kind != wazerohost.BadArgument || !errors.Is(err, test.kind) {
				t.Fatalf("expected a BadArgument error wrapping %v, got %v", test.kind, err)
			}
			want := `bad argument: host function "log" was passed ` + test.says
			if message, _, _ := strings.Cut(err.Error(), " (recovered by wazero)"); message != want {
				t.Fatalf("the error says\n%s\nnot\n%s", message, want)
			}
		})
	}
	if len(h.logged) != 0 {
		t.Fatalf("logged %q", h.logged)
	}
}

func TestAnErrorCodeLeavesTheDecisionToTheGuest(t *testing.T) {
	ctx, h, module := start(t)
	size := uint64(module.Memory().Size())
	// ANCHOR: error_code
	tryLogRaw := module.ExportedFunction("try_log_raw")
	for _, args := range [][]uint64{{16, math.MaxUint32}, {size - 4, 8}} { // too long; outside memory
		results, err := tryLogRaw.Call(ctx, args...)
		if err != nil || results[0] != 1 {
			t.Fatalf("try_log_raw%v: code %v, error %v", args, results, err)
		}
	}
	// The calls returned: the guest goes on, and so does the host.
	if _, err := module.ExportedFunction("hello").Call(ctx); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(h.logged, []string{"hello from the guest"}) {
		t.Fatalf("logged %q", h.logged)
	}
	// ANCHOR_END: error_code
}

func TestBytesThatAreNotUTF8GetTheirOwnCode(t *testing.T) {
	ctx, h, module := start(t)
	guest := bookGuest(t, module)
	notUTF8, err := guest.CopyIn(ctx, []byte{0xff, 0xfe})
	if err != nil {
		t.Fatal(err)
	}
	if code := call(ctx, t, module, "try_log_raw", uint64(notUTF8.Ptr()), 2)[0]; code != 2 {
		t.Fatalf("code %d", code)
	}
	if err := guest.Release(ctx, notUTF8); err != nil {
		t.Fatal(err)
	}
	if len(h.logged) != 0 {
		t.Fatalf("logged %q", h.logged)
	}
	expectNothingLive(ctx, t, module)
}

// ANCHOR: host_address
// The mistake: fetch_name hands over where the name already is, the
// address of its bytes in the Go process, to save a copy. The guest can
// only reach offsets into its own memory, and takes that number for one.
// (PointerLow.Pack takes a uint32 pointer: a Go address, a uintptr of 64
// bits, is packed by hand.)
func (h *host) fetchNameAtGoAddress(ctx context.Context, m api.Module) uint64 {
	address := uintptr(unsafe.Pointer(unsafe.StringData(h.name)))
	return uint64(len(h.name))<<32 | uint64(address) // wrong: not a guest offset
}

// ANCHOR_END: host_address

// The name's bytes are a string literal's, in the read-only data of the
// test binary: the same address on every run of a build, unlike the heap,
// whose base the Go runtime randomizes at startup.
func TestAHostThatHandsOverAGoAddress(t *testing.T) {
	ctx := context.Background()
	h := &host{name: "Ferris"}
	var returned uint64
	module, messages := instantiate(ctx, t, newRuntime(t), h, func(ctx context.Context, m api.Module) uint64 {
		returned = h.fetchNameAtGoAddress(ctx, m)
		return returned
	})
	greetFetched, err := bookGuest(t, module).OutputExport("greet_fetched")
	if err != nil {
		t.Fatal(err)
	}
	_, err = greetFetched.CallString(ctx)

	// What the guest unpacked: the Go address as its ptr, past the end of
	// its memory, since a Go binary's data lies megabytes up the process's
	// address space and the guest's memory is about one megabyte.
	ptr, length := wazerohost.PointerLow.Unpack(returned)
	size := module.Memory().Size()
	goAddress := uintptr(unsafe.Pointer(unsafe.StringData(h.name)))
	if uint64(ptr) != uint64(goAddress)&math.MaxUint32 || uint64(ptr)+uint64(length) <= uint64(size) {
		t.Fatalf("expected the Go address %#x to fall past the end of the guest's %d-byte memory; "+
			"the guest unpacked %d bytes at %#x", goAddress, size, length, ptr)
	}
	// So the guest traps reading the name, before it could free it: the
	// checked allocator has nothing to report.
	const trap = "wasm error: out of bounds memory access"
	var failed *wazerohost.Error
	if !errors.As(err, &failed) || failed.Kind != wazerohost.CallFailed ||
		!strings.HasPrefix(failed.Err.Error(), trap+"\n") || len(*messages) != 0 {
		t.Fatalf("expected greet_fetched to trap with %q and nothing reported, got %v (reported %q)",
			trap, err, *messages)
	}
	trapped, _, _ := strings.Cut(err.Error(), "\n")
	booktest.ExpectFile(t, "ch12-host-functions/go-host-address.txt", fmt.Sprintf(
		"fetch_name returned (%d << 32) | the address of the name's bytes in the Go process\n"+
			"the guest unpacked len %d and, as its ptr, that address: past the end of its %d-byte memory\n"+
			"%s\n"+
			"reports from the checked allocator: %d (the guest trapped before it could free the name)\n",
		len(h.name), length, size, trapped, len(*messages)))
}
