// Chapter 17's Go hosts: the task (shout, checksum) in the Extism model,
// through Extism's Go SDK on wazero; the hand-written model on raw wazero;
// the utility refusing the lying guest; wazero refusing a component; and
// the Go rows of the chapter's benchmark. The other models' hosts are in
// harness/rust/tests/chapters/ch17_choosing_a_model.rs.
package chapter17_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"testing"

	extism "github.com/extism/go-sdk"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"example.com/wasm-memory-book/go/wazerohost"
	"example.com/wasm-memory-book/harness/booktest"
)

// ANCHOR: new_plugin
// newPlugin loads the plug-in with Extism's Go SDK, which makes a wazero
// runtime of its own and instantiates three modules in it: the kernel
// (whose memory holds every input and output), extism:host/env (Go
// functions that forward the plug-in's imports to the kernel) and the
// plug-in.
func newPlugin(tb testing.TB) *extism.Plugin {
	tb.Helper()
	ctx := context.Background()
	manifest := extism.Manifest{Wasm: []extism.Wasm{
		extism.WasmData{Data: booktest.Artifact(tb, "CH17_EXTISM_SHOUT")},
	}}
	plugin, err := extism.NewPlugin(ctx, manifest, extism.PluginConfig{}, nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { plugin.Close(ctx) })
	return plugin
}

// ANCHOR_END: new_plugin

// ANCHOR: call
// call calls export with input and returns its output, failing on an
// error or on an exit code other than 0. Call copies the input into the
// kernel's memory and the output out of it: the slice it returns is the
// host's own.
func call(tb testing.TB, plugin *extism.Plugin, export string, input []byte) []byte {
	tb.Helper()
	exitCode, output, err := plugin.Call(export, input)
	if err != nil || exitCode != 0 {
		tb.Fatalf("%s: exit code %d, error %v", export, exitCode, err)
	}
	return output
}

// ANCHOR_END: call

func TestExtismShoutUppercases(t *testing.T) {
	plugin := newPlugin(t)
	for input, expected := range map[string]string{
		"hello": "HELLO",
		"grüße": "GRÜSSE", // ß becomes two letters: the output is longer
		"":      "",
	} {
		if output := string(call(t, plugin, "shout", []byte(input))); output != expected {
			t.Errorf("shout(%q) = %q, expected %q", input, output, expected)
		}
	}
}

func TestExtismShoutRefusesTextThatIsNotUTF8(t *testing.T) {
	// The macro's conversion to String fails, and the plug-in reports it
	// with error_set and exit code -1, which Call turns into an error.
	exitCode, output, err := newPlugin(t).Call("shout", []byte{0xff})
	if err == nil || int32(exitCode) != -1 || len(output) != 0 {
		t.Fatalf("exit code %d, %d bytes of output, error %v", int32(exitCode), len(output), err)
	}
}

func TestExtismChecksumIsFourLittleEndianBytes(t *testing.T) {
	plugin := newPlugin(t)
	for _, input := range [][]byte{{1, 2, 255}, {}, bytes.Repeat([]byte{'x'}, 1<<20)} {
		output := call(t, plugin, "checksum", input)
		if len(output) != 4 {
			t.Fatalf("checksum of %d bytes: %d bytes of output, expected 4", len(input), len(output))
		}
		if sum := binary.LittleEndian.Uint32(output); sum != expectedChecksum(input) {
			t.Errorf("checksum of %d bytes = %d, expected %d", len(input), sum, expectedChecksum(input))
		}
	}
}

// expectedChecksum is the task's checksum computed by the host: the
// wrapping sum of every byte.
func expectedChecksum(input []byte) uint32 {
	var sum uint32
	for _, b := range input {
		sum += uint32(b)
	}
	return sum
}

// TestExtismLie calls the liar: its output_set names 16 bytes from the
// start of an 8-byte block. The kernel checks a range against the region
// its allocator manages, not against the block, so the call stands, and
// the host gets the block and the 8 bytes after it as the output.
func TestExtismLie(t *testing.T) {
	// ANCHOR: lie
	exitCode, output, err := newPlugin(t).Call("lie", nil)
	if err != nil || exitCode != 0 || len(output) != 16 || !bytes.HasPrefix(output, []byte("SHOUTED!")) {
		t.Fatalf("exit code %d, output %q, error %v", exitCode, output, err)
	}
	// ANCHOR_END: lie
	booktest.ExpectFile(t, "ch17-choosing-a-model/liar-extism.txt", fmt.Sprintf(
		"no error: exit code %d and %d bytes of output, the plug-in's 8-byte block and the %d bytes after it\n",
		exitCode, len(output), len(output)-8))
}

// ANCHOR: lie_outside
// TestExtismLieOutsideTheKernelMemory calls the bigger liar: its range is
// outside the kernel's memory, so the kernel ignores the call, the output
// is still the empty one the call began with, and the host sees a success.
func TestExtismLieOutsideTheKernelMemory(t *testing.T) {
	exitCode, output, err := newPlugin(t).Call("lie_outside", nil)
	if err != nil || exitCode != 0 || len(output) != 0 {
		t.Fatalf("exit code %d, %d bytes of output, error %v", exitCode, len(output), err)
	}
}

// ANCHOR_END: lie_outside

// block is the size of the kernel blocks that allocate_and_keep and
// allocate_and_free allocate: 64 KiB, one page.
const block = 64 << 10

// kernelMemorySizes calls export(count) calls times on a new plug-in, and
// returns the size of the kernel's memory before the first call (at
// index 0) and after each. Plugin.Memory is the kernel's memory, not the
// plug-in's.
func kernelMemorySizes(t *testing.T, export string, count uint32, calls int) []uint32 {
	t.Helper()
	plugin := newPlugin(t)
	input := binary.LittleEndian.AppendUint32(nil, count) // a u32 input is 4 bytes, little-endian
	sizes := []uint32{plugin.Memory().Size()}
	for range calls {
		call(t, plugin, export, input)
		sizes = append(sizes, plugin.Memory().Size())
	}
	return sizes
}

func TestKernelMemoryIsResetAtTheStartOfEveryCall(t *testing.T) {
	// Each call keeps its block, and the next call's reset takes it back:
	// the memory grows for the first call only.
	sizes := kernelMemorySizes(t, "allocate_and_keep", 1, 10)
	if sizes[1] <= sizes[0] {
		t.Fatalf("the first call did not grow the kernel's memory: %v", sizes)
	}
	for _, size := range sizes[2:] {
		if size != sizes[1] {
			t.Fatalf("the kernel's memory grew after the first call: %v", sizes)
		}
	}
}

func TestBlocksKeptInOneCallGrowKernelMemory(t *testing.T) {
	sizes := kernelMemorySizes(t, "allocate_and_keep", 16, 1)
	if grown := sizes[1] - sizes[0]; grown < 16*block {
		t.Fatalf("16 blocks of %d bytes kept, and the kernel's memory grew by %d bytes only", block, grown)
	}
}

func TestBlocksFreedInOneCallAreReused(t *testing.T) {
	// Each block is freed before the next is allocated, so the next one
	// reuses it: room for one block is enough.
	sizes := kernelMemorySizes(t, "allocate_and_free", 16, 1)
	if grown := sizes[1] - sizes[0]; grown > block {
		t.Fatalf("16 blocks of %d bytes freed one by one, and the kernel's memory grew by %d bytes", block, grown)
	}
}

// TestKernelMemoryFigures writes the sizes the three tests above compare,
// for the chapter.
func TestKernelMemoryFigures(t *testing.T) {
	kept := kernelMemorySizes(t, "allocate_and_keep", 1, 10)
	rows := []struct {
		what string
		size uint32
	}{
		{"before any call", kept[0]},
		{"after allocate_and_keep(1), 1 call", kept[1]},
		{"after allocate_and_keep(1), 10 calls", kept[10]},
		{"after allocate_and_keep(16), 1 call", kernelMemorySizes(t, "allocate_and_keep", 16, 1)[1]},
		{"after allocate_and_free(16), 1 call", kernelMemorySizes(t, "allocate_and_free", 16, 1)[1]},
	}
	text := "The kernel's memory, in a new plug-in for each row:\n"
	for _, row := range rows {
		text += fmt.Sprintf("%-38s %9d bytes (%d pages)\n", row.what, row.size, row.size/(64<<10))
	}
	booktest.ExpectFile(t, "ch17-choosing-a-model/extism-memory.txt", text)
}

// handWritten calls the hand-written guest (CH17_HAND_WRITTEN) the way
// chapters 3 to 5 do, with wazero's API and nothing else: the host
// allocates the input in the guest's memory, and frees both buffers.
// Every function is looked up once, and called with one stack.
type handWritten struct {
	allocate, deallocate, shout, checksum api.Function
	memory                                api.Memory
	stack                                 []uint64
}

func newHandWritten(tb testing.TB) (*handWritten, api.Module) {
	tb.Helper()
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	tb.Cleanup(func() { r.Close(ctx) })
	module := booktest.Instantiate(ctx, tb, r, "CH17_HAND_WRITTEN", booktest.Options{})
	return &handWritten{
		allocate:   module.ExportedFunction("allocate"),
		deallocate: module.ExportedFunction("deallocate"),
		shout:      module.ExportedFunction("shout"),
		checksum:   module.ExportedFunction("checksum"),
		memory:     module.Memory(),
		stack:      make([]uint64, 2),
	}, module
}

// callShout: allocate, write the input, shout, copy the result out, free
// the result and the input.
func (h *handWritten) callShout(ctx context.Context, input []byte) ([]byte, error) {
	ptr, err := h.copyIn(ctx, input)
	if err != nil {
		return nil, err
	}
	h.stack[0], h.stack[1] = uint64(ptr), uint64(len(input))
	if err := h.shout.CallWithStack(ctx, h.stack); err != nil {
		return nil, err
	}
	resultPtr, resultLen := uint32(h.stack[0]), uint32(h.stack[0]>>32) // pointer low
	view, ok := h.memory.Read(resultPtr, resultLen)
	if !ok {
		return nil, fmt.Errorf("shout returned %d bytes at %#x, outside memory", resultLen, resultPtr)
	}
	output := bytes.Clone(view)
	return output, errors.Join(h.free(ctx, resultPtr, resultLen), h.free(ctx, ptr, uint32(len(input))))
}

// callChecksum: allocate, write the input, checksum, free the input.
func (h *handWritten) callChecksum(ctx context.Context, input []byte) (uint32, error) {
	ptr, err := h.copyIn(ctx, input)
	if err != nil {
		return 0, err
	}
	h.stack[0], h.stack[1] = uint64(ptr), uint64(len(input))
	if err := h.checksum.CallWithStack(ctx, h.stack); err != nil {
		return 0, err
	}
	sum := uint32(h.stack[0])
	return sum, h.free(ctx, ptr, uint32(len(input)))
}

// copyIn allocates len(input) bytes in the guest and writes input there.
func (h *handWritten) copyIn(ctx context.Context, input []byte) (uint32, error) {
	h.stack[0] = uint64(len(input))
	if err := h.allocate.CallWithStack(ctx, h.stack); err != nil {
		return 0, err
	}
	ptr := uint32(h.stack[0])
	if !h.memory.Write(ptr, input) {
		return 0, fmt.Errorf("allocate returned %#x, outside memory", ptr)
	}
	return ptr, nil
}

func (h *handWritten) free(ctx context.Context, ptr, length uint32) error {
	h.stack[0], h.stack[1] = uint64(ptr), uint64(length)
	return h.deallocate.CallWithStack(ctx, h.stack)
}

func TestHandWrittenOnRawWazeroFreesEverything(t *testing.T) {
	ctx := context.Background()
	guest, module := newHandWritten(t)
	shouted, err := guest.callShout(ctx, []byte("grüße"))
	if err != nil || string(shouted) != "GRÜSSE" {
		t.Fatalf("shout: %q, %v", shouted, err)
	}
	input := []byte{1, 2, 255}
	if sum, err := guest.callChecksum(ctx, input); err != nil || sum != expectedChecksum(input) {
		t.Fatalf("checksum: %d, %v", sum, err)
	}
	live, err := module.ExportedFunction("live").Call(ctx)
	if err != nil || live[0] != 0 {
		t.Fatalf("live: %v, %v: the host did not free everything", live, err)
	}
}

// sink and sumSink keep the benchmarks' outputs alive, so that none is
// optimized away.
var (
	sink    []byte
	sumSink uint32
)

// BenchmarkModels runs the task in each model a Go host has, on inputs of
// 'x' bytes, for the chapter's table. Its names are
// BenchmarkModels/<operation>/<model>/<size in bytes>, where the models
// are:
//
//   - host_copy: the input copied by the host (append to a new slice),
//     the floor, for both operations;
//   - raw_wazero: the hand-written guest called with wazero's API
//     (handWritten above);
//   - extism: the Extism plug-in, through Plugin.Call.
func BenchmarkModels(b *testing.B) {
	ctx := context.Background()
	models := []struct {
		name string
		// run returns a function that runs operation once on input.
		run func(b *testing.B, operation string) func(input []byte) error
	}{
		{"host_copy", func(*testing.B, string) func([]byte) error {
			return func(input []byte) error {
				sink = append([]byte(nil), input...)
				return nil
			}
		}},
		{"raw_wazero", func(b *testing.B, operation string) func([]byte) error {
			guest, _ := newHandWritten(b)
			if operation == "shout" {
				return func(input []byte) (err error) {
					sink, err = guest.callShout(ctx, input)
					return err
				}
			}
			return func(input []byte) (err error) {
				sumSink, err = guest.callChecksum(ctx, input)
				return err
			}
		}},
		{"extism", func(b *testing.B, operation string) func([]byte) error {
			plugin := newPlugin(b)
			return func(input []byte) (err error) {
				_, sink, err = plugin.Call(operation, input)
				return err
			}
		}},
	}
	for _, operation := range []string{"shout", "checksum"} {
		for _, model := range models {
			for _, size := range []int{16, 1 << 10, 64 << 10, 1 << 20} {
				name := operation + "/" + model.name + "/" + strconv.Itoa(size)
				b.Run(name, func(b *testing.B) {
					input := bytes.Repeat([]byte{'x'}, size)
					run := model.run(b, operation) // outside the timed loop
					b.SetBytes(int64(size))
					for b.Loop() {
						if err := run(input); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		}
	}
}

// TestWazeroRefusesAComponent compiles chapter 16's component with
// wazero: it runs core modules only, so a Go host cannot take the
// Component Model's place in this chapter's table.
func TestWazeroRefusesAComponent(t *testing.T) {
	ctx := context.Background()
	// ANCHOR: wazero_component
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	_, err := r.CompileModule(ctx, booktest.Artifact(t, "CH16_SHOUTER_COMPONENT"))
	if err == nil {
		t.Fatal("wazero compiled a component")
	}
	// ANCHOR_END: wazero_component
	booktest.ExpectFile(t, "ch17-choosing-a-model/wazero-component.txt", err.Error()+"\n")
}

// TestWazerohostRefusesTheLie runs the chapter's hand-written liar under
// the Go utility: the lie is an error that says what was wrong.
func TestWazerohostRefusesTheLie(t *testing.T) {
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	module := booktest.Instantiate(ctx, t, r, "CH17_LYING_SHOUT", booktest.Options{})
	guest, err := wazerohost.New(module, wazerohost.AllocateDeallocatePacked())
	if err != nil {
		t.Fatal(err)
	}
	shout, err := guest.Export("shout")
	if err != nil {
		t.Fatal(err)
	}
	_, err = shout.CallString(ctx, "hello")
	if err == nil {
		t.Fatal("the lie was not refused")
	}
	booktest.ExpectFile(t, "ch17-choosing-a-model/liar-utility-go.txt", "error: "+err.Error()+"\n")
}
