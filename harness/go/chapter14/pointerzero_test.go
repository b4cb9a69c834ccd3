package chapter14_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"example.com/wasm-memory-book/harness/booktest"
)

// tinygo#411: a host copies bytes to the start of the guest's memory and
// passes pointer 0. Address 0 is a legal address in WebAssembly, but a
// nil pointer in Go, so the guest panics; pointer 1 works, one byte short.
// Copying to an address the guest did not give overwrites whatever the
// linker put there; the fix is room from the guest's own allocator.
func TestPointerZeroIsNil(t *testing.T) {
	ctx := context.Background()
	wasm := booktest.BuildTestdata(t, "bytesin")
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	wasi_snapshot_preview1.MustInstantiate(ctx, r)
	compiled, err := r.CompileModule(ctx, wasm)
	if err != nil {
		t.Fatal(err)
	}
	// fresh is a new instance of the guest, whose stderr is kept: a Go
	// guest that panics exits, so each experiment gets its own.
	fresh := func() (api.Module, *bytes.Buffer) {
		var stderr bytes.Buffer
		module, err := r.InstantiateModule(ctx, compiled, wazero.NewModuleConfig().
			WithName("").WithStartFunctions("_initialize").WithStderr(&stderr))
		if err != nil {
			t.Fatal(err)
		}
		return module, &stderr
	}
	// outcome says what a call did, as the host sees it.
	outcome := func(results []uint64, err error, stderr *bytes.Buffer) string {
		said := strings.SplitN(stderr.String(), "\n", 2)[0]
		switch {
		case err != nil:
			return fmt.Sprintf("%s; the guest's stderr: %s", strings.SplitN(err.Error(), "\n", 2)[0], said)
		case said != "":
			return fmt.Sprintf("prints %q", said)
		}
		return fmt.Sprint("returns ", results)
	}
	// call calls an export, and says what happened.
	call := func(module api.Module, stderr *bytes.Buffer, name string, params ...uint64) string {
		results, err := module.ExportedFunction(name).Call(ctx, params...)
		return outcome(results, err, stderr)
	}
	data := []byte("data from life vm")
	n := uint64(len(data))
	var report strings.Builder

	module, stderr := fresh()
	before, _ := module.Memory().Read(0, 12288)
	untouched := bytes.Count(before, []byte{0}) == len(before)
	// ANCHOR: pointer_zero
	module.Memory().Write(0, data) // the reader's copy(vm.Memory, data)
	results, err := module.ExportedFunction("app_main").Call(ctx, 0, n)
	// ANCHOR_END: pointer_zero
	panicked := outcome(results, err, stderr)
	fmt.Fprintf(&report, "the host copies %q to address 0 and calls\n  app_main(0, %d): %s\n", data, n, panicked)
	if !strings.Contains(panicked, "panic: runtime error: unsafe.String: ptr is nil and len is not zero") {
		t.Fatalf("app_main(0, %d): %s", n, panicked)
	}
	module, stderr = fresh()
	module.Memory().Write(0, data)
	dereferenced := call(module, stderr, "first_byte", 0)
	fmt.Fprintf(&report, "  first_byte(0): %s\n", dereferenced)
	if !strings.Contains(dereferenced, "nil pointer dereference") {
		t.Fatalf("first_byte(0): %s", dereferenced)
	}
	module, stderr = fresh()
	module.Memory().Write(0, data)
	shifted := call(module, stderr, "app_main", 1, n-1)
	fmt.Fprintf(&report, "  app_main(1, %d): %s\n", n-1, shifted)
	if shifted != `prints "ata from life vm"` {
		t.Fatalf("app_main(1, %d): %s", n-1, shifted)
	}

	// What lay there: in a Go guest, nothing (Go's linker puts data at
	// 12288 or above); the guest's own variables are further up.
	module, stderr = fresh()
	labelAddress, err := module.ExportedFunction("label_address").Call(ctx)
	if err != nil {
		t.Fatal(err)
	}
	label := uint32(labelAddress[0])
	if !untouched || label < 12288 {
		t.Fatalf("bytes 0 to 12287 all zero: %v; label at %#x", untouched, label)
	}
	fmt.Fprintf(&report, "bytes 0 to 12287 of a fresh Go guest, before the copy: all zero; the guest's global label is at %#x\n", label)

	// A copy to an address the guest did not give: here one of its global
	// variables, which now says what the host wrote.
	module.Memory().Write(label, data)
	overwritten := call(module, stderr, "print_label")
	fmt.Fprintf(&report, "the same bytes copied to %#x instead: print_label %s\n", label, overwritten)
	if overwritten != `prints "data from life vms to the guest"` {
		t.Fatalf("print_label: %s", overwritten)
	}

	module, stderr = fresh()
	// ANCHOR: allocate_first
	allocated, err := module.ExportedFunction("allocate").Call(ctx, n) // room the guest gives
	if err != nil {
		t.Fatal(err)
	}
	ptr := allocated[0]
	module.Memory().Write(uint32(ptr), data)
	results, err = module.ExportedFunction("app_main").Call(ctx, ptr, n)
	if _, err := module.ExportedFunction("deallocate").Call(ctx, ptr, n); err != nil {
		t.Fatal(err)
	}
	// ANCHOR_END: allocate_first
	fixed := outcome(results, err, stderr)
	fmt.Fprintf(&report, "the fix: allocate(%d) = %#x, the bytes copied there, app_main(%#x, %d) %s\n", n, ptr, ptr, n, fixed)
	if fixed != `prints "data from life vm"` {
		t.Fatalf("app_main(%#x, %d): %s", ptr, n, fixed)
	}
	booktest.ExpectFile(t, "ch14-signatures/pointer-zero.txt", report.String())
}
