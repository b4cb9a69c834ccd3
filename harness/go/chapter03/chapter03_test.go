// Chapter 3: passing bytes in from a Go host (wazero), the twin of
// harness/rust/tests/chapters/ch03_passing_bytes_in.rs: the same compiled
// listings, the same steps, the same expected outputs.
package chapter03_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"example.com/wasm-memory-book/harness/booktest"
)

// ANCHOR: call_with_bytes
// callWithBytes calls the guest export name(ptr, len) on a copy of input
// placed in the guest's memory through its allocate and deallocate exports.
func callWithBytes(ctx context.Context, module api.Module, name string,
	input []byte) (result uint64, err error) {
	length := uint64(len(input))
	// 1. The guest reserves room in its memory. The host owns that buffer now.
	results, err := module.ExportedFunction("allocate").Call(ctx, length)
	if err != nil {
		return 0, err
	}
	ptr := results[0]
	if ptr == 0 {
		return 0, fmt.Errorf("the guest could not allocate %d bytes", length)
	}
	// 4. (deferred) The host frees its buffer, with the size it asked for,
	//    also when the call failed.
	defer func() {
		_, freeErr := module.ExportedFunction("deallocate").Call(ctx, ptr, length)
		err = errors.Join(err, freeErr)
	}()
	// 2. The host copies its bytes in. Write checks the bounds.
	if !module.Memory().Write(uint32(ptr), input) {
		return 0, fmt.Errorf("allocate returned %#x: %d bytes there are out of bounds", ptr, length)
	}
	// 3. The guest reads them in place.
	results, err = module.ExportedFunction(name).Call(ctx, ptr, length)
	if err != nil {
		return 0, err
	}
	return results[0], nil
}

// ANCHOR_END: call_with_bytes

// payload is a payload of length bytes, like the JSON of wasmtime-go#174.
func payload(length int) []byte {
	pattern := []byte(`{"key": "value"}, `)
	return bytes.Repeat(pattern, length/len(pattern)+1)[:length]
}

func TestTheRoundTrip(t *testing.T) {
	ctx, module := booktest.NewModule(t, "CH03_SUM_BYTES")
	// ANCHOR: round_trip
	sum, err := callWithBytes(ctx, module, "sum_bytes", []byte{1, 2, 3, 250})
	if err != nil || sum != 256 {
		t.Fatalf("sum_bytes: %d, %v", sum, err)
	}
	// ANCHOR_END: round_trip
}

func TestWhoOwnsTheBufferAtEachStep(t *testing.T) {
	ctx, module := booktest.NewModule(t, "CH03_SUM_BYTES")
	call := func(name string, params ...uint64) uint64 {
		results, err := module.ExportedFunction(name).Call(ctx, params...)
		if err != nil {
			t.Fatal(err)
		}
		if len(results) == 0 {
			return 0
		}
		return results[0]
	}
	input := []byte{1, 2, 3, 250}
	ptr := call("allocate", 4)
	module.Memory().Write(uint32(ptr), input)
	sum := call("sum_bytes", ptr, 4)
	call("deallocate", ptr, 4)
	if sum != 256 {
		t.Fatalf("sum %d", sum)
	}
	end := ptr + uint64(len(input))
	booktest.ExpectFile(t, "ch03-passing-bytes-in/round-trip.mmd", fmt.Sprintf("flowchart LR\n"+
		"  allocated[\"host: allocate(4)<br/>guest: %#x<br/>the host owns %#x..%#x\"]\n"+
		"  written[\"host writes % x<br/>at %#x\"]\n"+
		"  called[\"host: sum_bytes(%#x, 4)<br/>guest: %d<br/>the guest borrowed the bytes\"]\n"+
		"  freed[\"host: deallocate(%#x, 4)<br/>the guest's allocator owns %#x..%#x\"]\n"+
		"  allocated --> written --> called --> freed\n",
		ptr, ptr, end, input, ptr, ptr, sum, ptr, ptr, end))
}

// shoutAtZero is what became of a payload of length bytes written at
// address 0, then uppercased by chapter 8's Rust shout.
func shoutAtZero(t *testing.T, length int) string {
	ctx, module := booktest.NewModule(t, "CH08_RUST_SHOUT")
	input := payload(length)
	// ANCHOR: at_zero
	memory, shout := module.Memory(), module.ExportedFunction("shout")

	memory.Grow(64)        // 4 MiB more: the payload fits in memory
	memory.Write(0, input) // address 0: nobody allocated it
	results, err := shout.Call(ctx, 0, uint64(len(input)))
	// ANCHOR_END: at_zero
	if err != nil {
		return "the call traps"
	}
	ptr, size := uint32(results[0]), uint32(results[0]>>32)
	output, ok := memory.Read(ptr, size)
	wanted := bytes.ToUpper(input)
	if ok && bytes.Equal(output, wanted) {
		return "the right result"
	}
	first := 0
	for first < len(output) && first < len(wanted) && output[first] == wanted[first] {
		first++
	}
	return fmt.Sprintf("a wrong result, and no error: it differs from byte %#x on", first)
}

func TestAPayloadWrittenAtAddress0PavesOverTheGuest(t *testing.T) {
	report := "Chapter 8's Rust `shout`, the payload at address 0:\n"
	for _, kib := range []int{100, 1024, 1100} {
		report += fmt.Sprintf("- %d KiB: %s\n", kib, shoutAtZero(t, kib*1024))
	}
	ctx, module := booktest.NewModule(t, "CH08_RUST_SHOUT")
	input := payload(1100 * 1024)
	// ANCHOR: allocated
	// The same 1100 KiB where `allocate` puts them: the right result.
	packed, err := callWithBytes(ctx, module, "shout", input)
	if err != nil {
		t.Fatal(err)
	}

	// shout returns its result's address and length packed in a uint64
	// (chapter 4): copy the bytes out, then give the buffer back.
	ptr, length := uint32(packed), uint32(packed>>32)
	view, ok := module.Memory().Read(ptr, length)
	if !ok {
		t.Fatalf("shout returned %#x, %d bytes: out of bounds", ptr, length)
	}
	output := bytes.Clone(view) // Read is a view: copy before deallocate
	deallocate := module.ExportedFunction("deallocate")
	if _, err := deallocate.Call(ctx, uint64(ptr), uint64(length)); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(output, bytes.ToUpper(input)) {
		t.Fatal("a wrong result")
	}
	// ANCHOR_END: allocated
	report += "Chapter 8's Rust `shout`, the payload where `allocate` put it:\n- 1100 KiB: the right result\n"
	booktest.ExpectFile(t, "ch03-passing-bytes-in/payload-at-zero.txt", report)
}

func TestHostOwnedPagesAreLeftAlone(t *testing.T) {
	ctx, module := booktest.NewModule(t, "CH03_SUM_BYTES")
	// ANCHOR: host_owned_page
	const pageSize = 65536
	memory := module.Memory()

	// The host claims a page: it grows the memory and keeps the new page.
	pages, ok := memory.Grow(1)
	if !ok {
		t.Fatal("the memory did not grow")
	}
	hostPage := uint64(pages) * pageSize
	memory.Write(uint32(hostPage), []byte{1, 2, 3})
	sum, err := module.ExportedFunction("sum_bytes").Call(ctx, hostPage, 3)
	if err != nil || sum[0] != 6 {
		t.Fatalf("sum_bytes: %v, %v", sum, err)
	}

	// The guest allocates 1 MiB for itself: none of it is the host's page.
	for range 256 {
		results, err := module.ExportedFunction("allocate").Call(ctx, 4096)
		if err != nil {
			t.Fatal(err)
		}
		if ptr := results[0]; ptr+4096 > hostPage && ptr < hostPage+pageSize {
			t.Fatalf("allocate returned %#x, in the host's page", ptr)
		}
	}
	if kept, _ := memory.Read(uint32(hostPage), 3); !bytes.Equal(kept, []byte{1, 2, 3}) {
		t.Fatalf("the host's page holds % x", kept)
	}
	// ANCHOR_END: host_owned_page
}

func TestTheGuestCountsCharactersNotBytes(t *testing.T) {
	ctx, module := booktest.NewModule(t, "CH03_UTF8_STRINGS")
	// ANCHOR: count_chars
	// A Go string is bytes, UTF-8 by convention: its bytes are the string.
	text := "héllo, wörld"
	if len(text) != 14 { // bytes
		t.Fatalf("%d bytes", len(text))
	}
	chars, err := callWithBytes(ctx, module, "count_chars", []byte(text))
	if err != nil || int32(chars) != 12 {
		t.Fatalf("count_chars: %d, %v", int32(chars), err)
	}

	// Bytes that are not UTF-8 are refused by the guest, not trusted.
	chars, err = callWithBytes(ctx, module, "count_chars", []byte{'h', 0xff, 'i'})
	if err != nil || int32(chars) != -1 { // an i32 arrives as a uint64
		t.Fatalf("count_chars: %d, %v", int32(chars), err)
	}
	// ANCHOR_END: count_chars
}

var state = []byte("the host's state")

// rustDebug is Rust's {:?} of a string, as the Rust room writes it: NUL is \0.
func rustDebug(text string) string {
	return `"` + strings.ReplaceAll(text, "\x00", `\0`) + `"`
}

// hostPageAfter grows the memory by a page and writes the host's state
// there, before or after the guest starts (its _initialize); then the guest
// allocates 16 blocks of 4 KiB. It says what is left of the host's state.
func hostPageAfter(t *testing.T, name string, growBeforeStart bool) string {
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	// No start function: the host calls _initialize itself.
	module, err := r.InstantiateWithConfig(ctx, booktest.Artifact(t, name), wazero.NewModuleConfig().WithStartFunctions())
	if err != nil {
		t.Fatal(err)
	}
	// ANCHOR: grown_before_start
	const pageSize = 65536
	memory := module.Memory()
	// The guest's start-up code, if it has any (a Rust cdylib has none).
	start := module.ExportedFunction("_initialize")
	if start != nil && !growBeforeStart {
		if _, err := start.Call(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// The host claims a page, as the component adapter does for its state
	// and stack, and writes there.
	pages, _ := memory.Grow(1)
	hostPage := pages * pageSize
	memory.Write(hostPage, state)
	if start != nil && growBeforeStart {
		if _, err := start.Call(ctx); err != nil {
			t.Fatal(err)
		}
	}
	var blocks []uint32
	for range 16 {
		results, err := module.ExportedFunction("allocate").Call(ctx, 4096)
		if err != nil {
			t.Fatal(err)
		}
		blocks = append(blocks, uint32(results[0]))
	}
	kept, _ := memory.Read(hostPage, uint32(len(state)))
	// ANCHOR_END: grown_before_start
	var inHostPage []string
	for _, ptr := range blocks {
		if ptr < hostPage+pageSize && ptr+4096 > hostPage {
			inHostPage = append(inHostPage, fmt.Sprintf(`"%#x"`, ptr))
		}
	}
	return fmt.Sprintf("blocks in the host's page at %#x: [%s]; the host's state: %s",
		hostPage, strings.Join(inHostPage, ", "), rustDebug(string(kept)))
}

func TestAHeapThatEndsAtMemorySizeTakesTheHostsPage(t *testing.T) {
	before := hostPageAfter(t, "CH03_HEAP_TO_MEMORY_SIZE", true)
	after := hostPageAfter(t, "CH03_HEAP_TO_MEMORY_SIZE", false)
	rustBefore := hostPageAfter(t, "CH03_SUM_BYTES", true)
	if !strings.HasSuffix(rustBefore, `[]; the host's state: "the host's state"`) {
		t.Fatal(rustBefore)
	}
	booktest.ExpectFile(t, "ch03-passing-bytes-in/heap-to-memory-size.txt",
		"A heap that ends at memory.size (heap-to-memory-size.wat), 16 blocks of 4 KiB:\n"+
			"- the host's page grown before the guest starts: "+before+"\n"+
			"- the host's page grown after it started: "+after+"\n"+
			"Rust's allocator (sum-bytes), the same 16 blocks:\n"+
			"- the host's page grown before the first allocation: "+rustBefore+"\n")
}

// readAssemblyScriptString reads the AssemblyScript string at ptr: its byte
// length is the 4 bytes before it.
func readAssemblyScriptString(memory api.Memory, ptr uint32) string {
	length, _ := memory.ReadUint32Le(ptr - 4)
	data, _ := memory.Read(ptr, length)
	units := make([]uint16, length/2)
	for i := range units {
		units[i] = binary.LittleEndian.Uint16(data[2*i:])
	}
	return string(utf16.Decode(units))
}

// instantiateAsGreet instantiates the AssemblyScript guest with the
// env.abort it imports, which records the message and returns, as the
// wasmtime-dotnet reader's host did.
func instantiateAsGreet(t *testing.T) (context.Context, api.Module, *[]string) {
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	t.Cleanup(func() { r.Close(ctx) })
	aborts := &[]string{}
	_, err := r.NewHostModuleBuilder("env").NewFunctionBuilder().
		WithFunc(func(ctx context.Context, m api.Module, message, _, _, _ uint32) {
			*aborts = append(*aborts, readAssemblyScriptString(m.Memory(), message))
		}).Export("abort").Instantiate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return ctx, booktest.Instantiate(ctx, t, r, "CH03_AS_GREET", booktest.Options{}), aborts
}

func TestAPointerToRawBytesIsNotAString(t *testing.T) {
	ctx, module, aborts := instantiateAsGreet(t)
	// ANCHOR: raw_bytes
	const pageSize = 65536
	memory := module.Memory()
	// "world" as UTF-8, in a page the host grew for itself, and its address.
	pages, _ := memory.Grow(1)
	ptr := pages*pageSize + 16
	memory.Write(ptr, []byte("world"))
	_, err := module.ExportedFunction("greet").Call(ctx, uint64(ptr))
	if err == nil || !strings.HasPrefix(err.Error(), "wasm error: unreachable") {
		t.Fatalf("greet: %v", err)
	}
	// ANCHOR_END: raw_bytes
	if !slices.Equal(*aborts, []string{"a name cannot be empty"}) {
		t.Fatalf("aborts %q", *aborts)
	}
}

func TestAStringMadeWithNewAndPinnedForTheCall(t *testing.T) {
	ctx, module, aborts := instantiateAsGreet(t)
	// ANCHOR: as_string
	call := func(name string, params ...uint64) []uint64 {
		results, err := module.ExportedFunction(name).Call(ctx, params...)
		if err != nil {
			t.Fatal(err)
		}
		return results
	}
	// AssemblyScript's class id for `String`, `__new`'s second argument.
	const stringID = 2
	memory := module.Memory()

	// An object of the runtime, with room for the UTF-16 code units.
	units := utf16.Encode([]rune("world"))
	name := uint32(call("__new", uint64(2*len(units)), stringID)[0])
	for i, unit := range units {
		memory.WriteUint16Le(name+uint32(2*i), unit)
	}
	// Pinned: greet allocates, and an allocation may run the collector,
	// which knows of no reference to name but the pin.
	call("__pin", uint64(name))
	greeting := uint32(call("greet", uint64(name))[0])
	call("__unpin", uint64(name))
	// The result is an object of the collector: read it before the next
	// call. Its length in bytes is the 4 bytes before it.
	length, _ := memory.ReadUint32Le(greeting - 4)
	data, _ := memory.Read(greeting, length)
	text := make([]uint16, length/2)
	for i := range text {
		text[i] = binary.LittleEndian.Uint16(data[2*i:])
	}
	if string(utf16.Decode(text)) != "Hello, world!" {
		t.Fatalf("%q", string(utf16.Decode(text)))
	}
	// ANCHOR_END: as_string
	if len(*aborts) != 0 {
		t.Fatalf("aborts %q", *aborts)
	}
}
