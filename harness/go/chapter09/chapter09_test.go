// Chapter 9's host blocks under wazero: the same guests, inputs and
// expected outputs as the JavaScript host of harness/js/ch09_javascript_hosts.test.mjs.
package chapter09_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"example.com/wasm-memory-book/harness/booktest"
)

func TestARoundTripWithThePlainAPI(t *testing.T) {
	ctx, module := booktest.NewModule(t, "CH04_PACKED_RETURN")
	// ANCHOR: round_trip
	memory := module.Memory()
	allocate := module.ExportedFunction("allocate")
	deallocate := module.ExportedFunction("deallocate")
	greet := module.ExportedFunction("greet")

	// In: allocate in the guest, copy the name into its memory.
	name := []byte("Ferris")
	results, err := allocate.Call(ctx, uint64(len(name)))
	if err != nil {
		t.Fatal(err)
	}
	namePtr := uint32(results[0])
	if !memory.Write(namePtr, name) {
		t.Fatal("allocate returned a buffer outside memory")
	}

	// The call. Every result is a uint64 of raw bits: here the packed i64.
	results, err = greet.Call(ctx, uint64(namePtr), uint64(len(name)))
	if err != nil {
		t.Fatal(err)
	}
	packed := results[0]
	if _, err := deallocate.Call(ctx, uint64(namePtr), uint64(len(name))); err != nil {
		t.Fatal(err)
	}

	// Out: unpack, read (Read checks the range), copy, then free.
	ptr, length := uint32(packed), uint32(packed>>32)
	view, ok := memory.Read(ptr, length)
	if !ok {
		t.Fatalf("greet returned ptr %d, len %d: outside memory", ptr, length)
	}
	greeting := string(view) // string() copies
	if _, err := deallocate.Call(ctx, uint64(ptr), uint64(length)); err != nil {
		t.Fatal(err)
	}
	if greeting != "Hello, Ferris!" {
		t.Fatalf("greet returned %q", greeting)
	}
	// ANCHOR_END: round_trip
}

func TestTheNumbersOfListing9_1(t *testing.T) {
	ctx, module := booktest.NewModule(t, "CH09_NUMBERS")
	// ANCHOR: numbers_host
	nextI64 := module.ExportedFunction("next_i64")
	nextI32 := module.ExportedFunction("next_i32")
	// Parameters and results are uint64s holding the raw bits.
	results, err := nextI64.Call(ctx, api.EncodeI64(1<<53))
	if err != nil {
		t.Fatal(err)
	}
	exact := int64(results[0]) // all 64 bits: 2^53 + 1 is exact
	results, err = nextI64.Call(ctx, api.EncodeI64(math.MaxInt64))
	if err != nil {
		t.Fatal(err)
	}
	wrapped, wrappedUnsigned := int64(results[0]), results[0] // two readings of the same bits
	results, err = nextI32.Call(ctx, api.EncodeI32(math.MaxInt32))
	if err != nil {
		t.Fatal(err)
	}
	// An i32 result is zero-extended: raw, it is already the unsigned reading.
	pointer, pointerUnsigned := api.DecodeI32(results[0]), results[0]
	// ANCHOR_END: numbers_host
	if exact != 1<<53+1 || wrapped != math.MinInt64 || pointer != math.MinInt32 || pointerUnsigned != 1<<31 {
		t.Fatalf("exact %d, wrapped %d, pointer %d (%d)", exact, wrapped, pointer, pointerUnsigned)
	}
	booktest.ExpectFile(t, "ch09-javascript-hosts/numbers.txt",
		fmt.Sprintf("next_i64(2^53) = %d\nnext_i64(2^63 - 1) = %d, unsigned %d\nnext_i32(2^31 - 1) = %d, unsigned %d\n",
			exact, wrapped, wrappedUnsigned, pointer, pointerUnsigned))
}

func TestASliceFromReadIsStaleAfterTheGuestGrows(t *testing.T) {
	ctx, module := booktest.NewModule(t, "CH04_PACKED_RETURN")
	// ANCHOR: stale
	memory := module.Memory()
	view, _ := memory.Read(0, memory.Size()) // a slice of the memory itself, made before the call...
	copy(view[1024:], "Hello")
	pagesBefore := memory.Size() / 65536

	// ...which allocates 4 MiB, so the guest grows its memory.
	if _, err := module.ExportedFunction("allocate").Call(ctx, 4<<20); err != nil {
		t.Fatal(err)
	}

	// The memory moved to a larger array: the old slice keeps the old
	// length, and writes to it no longer reach the guest.
	if uint32(len(view)) != pagesBefore*65536 {
		t.Fatalf("the old slice has %d bytes", len(view))
	}
	view[1024] = 'J'

	// A fresh slice sees the memory as it is now.
	fresh, _ := memory.Read(0, memory.Size())
	pagesAfter := memory.Size() / 65536
	hello := string(fresh[1024:1029])
	// ANCHOR_END: stale
	booktest.ExpectFile(t, "ch09-javascript-hosts/stale-view.txt",
		fmt.Sprintf("before the call: %d pages\nafter allocate(4 MiB): %d pages\na fresh view reads %q at 1024\n",
			pagesBefore, pagesAfter, hello))
}

// ANCHOR: read_prefixed
// readPrefixed copies the bytes at a length-prefixed pointer. The 4-byte
// length is read from guest memory, so it is checked like the bytes it
// announces.
func readPrefixed(memory api.Memory, ptr uint32) ([]byte, error) {
	size := uint64(memory.Size())
	prefix, ok := memory.Read(ptr, 4)
	if !ok {
		return nil, fmt.Errorf("the length at %d runs past the end of memory (%d bytes)", ptr, size)
	}
	length := binary.LittleEndian.Uint32(prefix) // little-endian, as wasm is
	if uint64(ptr)+4+uint64(length) > size {
		return nil, fmt.Errorf("%d bytes at %d run past the end of memory (%d bytes)", length, uint64(ptr)+4, size)
	}
	bytes, _ := memory.Read(ptr+4, length)
	return append([]byte(nil), bytes...), nil // a copy: Read returns the memory itself
}

// ANCHOR_END: read_prefixed

func TestALengthPrefixIsOneMoreClaimToCheck(t *testing.T) {
	ctx, module := booktest.NewModule(t, "CH09_LENGTH_PREFIX")
	// ANCHOR: prefixed_calls
	greeting, err := module.ExportedFunction("greeting").Call(ctx)
	if err != nil {
		t.Fatal(err)
	}
	bytes, err := readPrefixed(module.Memory(), uint32(greeting[0]))
	if err != nil || string(bytes) != "Hello, prefix!" {
		t.Fatalf("greeting: %q, %v", bytes, err)
	}
	lying, err := module.ExportedFunction("lying_greeting").Call(ctx) // its prefix says 1 GiB
	if err != nil {
		t.Fatal(err)
	}
	_, refused := readPrefixed(module.Memory(), uint32(lying[0]))
	// ANCHOR_END: prefixed_calls
	if refused == nil {
		t.Fatal("the lying prefix was read")
	}
	booktest.ExpectFile(t, "ch09-javascript-hosts/length-prefix.txt",
		fmt.Sprintf("greeting: %q\nlying_greeting: %v\n", bytes, refused))
}

func TestBytesFromElsewhereOneCopyOrReadInPlace(t *testing.T) {
	ctx, module := booktest.NewModule(t, "CH03_SUM_BYTES")
	file, err := os.Open(booktest.ArtifactPath(t, "CH03_SUM_BYTES")) // any file: this one starts with "\x00asm"
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	// ANCHOR: bytes_in
	memory := module.Memory()
	allocate := module.ExportedFunction("allocate")
	deallocate := module.ExportedFunction("deallocate")
	sumBytes := module.ExportedFunction("sum_bytes")

	// A message that arrived in a slice of its own: one copy, with Write.
	message := []byte{1, 2, 3, 4}
	results, err := allocate.Call(ctx, uint64(len(message)))
	if err != nil {
		t.Fatal(err)
	}
	ptr := uint32(results[0])
	memory.Write(ptr, message)
	results, err = sumBytes.Call(ctx, uint64(ptr), uint64(len(message)))
	if err != nil {
		t.Fatal(err)
	}
	messageSum := uint32(results[0])
	if _, err := deallocate.Call(ctx, uint64(ptr), uint64(len(message))); err != nil {
		t.Fatal(err)
	}

	// Read returns a slice of the memory itself, so an io.Reader can fill
	// it with no copy: the bytes land in the guest's memory.
	results, err = allocate.Call(ctx, 4)
	if err != nil {
		t.Fatal(err)
	}
	at := uint32(results[0])
	view, _ := memory.Read(at, 4)
	if _, err := io.ReadFull(file, view); err != nil {
		t.Fatal(err)
	}
	results, err = sumBytes.Call(ctx, uint64(at), 4) // the guest reads the file's first bytes
	if err != nil {
		t.Fatal(err)
	}
	fileSum := uint32(results[0])
	if _, err := deallocate.Call(ctx, uint64(at), 4); err != nil {
		t.Fatal(err)
	}
	// ANCHOR_END: bytes_in
	booktest.ExpectFile(t, "ch09-javascript-hosts/bytes-in.txt",
		fmt.Sprintf("a message copied in: sum %d\n4 bytes read in place: sum %d\n", messageSum, fileSum))
}

func TestAGuestThatSaysWhenItGrew(t *testing.T) {
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	t.Cleanup(func() { r.Close(ctx) })
	guestWasm := booktest.Artifact(t, "CH09_GROW_NOTIFY")
	// ANCHOR: rebuild_on_grow
	var view []byte // one slice of the guest's memory, kept between calls
	var logged []string
	var grownTo []uint32
	consoleLog := func(ctx context.Context, m api.Module, ptr, length uint32) {
		logged = append(logged, string(view[ptr:ptr+length]))
	}
	// Called by the guest's allocator, inside the call, right after growth.
	memoryGrew := func(ctx context.Context, m api.Module, pages uint32) {
		view, _ = m.Memory().Read(0, m.Memory().Size())
		grownTo = append(grownTo, pages)
	}
	_, err := r.NewHostModuleBuilder("env").
		NewFunctionBuilder().WithFunc(consoleLog).Export("console_log").
		NewFunctionBuilder().WithFunc(memoryGrew).Export("memory_grew").
		Instantiate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	module, err := r.Instantiate(ctx, guestWasm)
	if err != nil {
		t.Fatal(err)
	}
	view, _ = module.Memory().Read(0, module.Memory().Size())
	for range 4 {
		if _, err := module.ExportedFunction("log_after_allocating").Call(ctx, 1<<20); err != nil {
			t.Fatal(err)
		}
	}
	// ANCHOR_END: rebuild_on_grow
	if len(grownTo) == 0 || grownTo[len(grownTo)-1] != module.Memory().Size()/65536 {
		t.Fatalf("grew to %v, and the memory has %d bytes", grownTo, module.Memory().Size())
	}
	quoted := make([]string, len(logged))
	for i, line := range logged {
		quoted[i] = strconv.Quote(line)
	}
	pages := make([]string, len(grownTo))
	for i, page := range grownTo {
		pages[i] = strconv.FormatUint(uint64(page), 10)
	}
	booktest.ExpectFile(t, "ch09-javascript-hosts/grow-notify.txt",
		fmt.Sprintf("logged: [%s]\ngrew to: %s pages\n", strings.Join(quoted, ","), strings.Join(pages, ", ")))
}
