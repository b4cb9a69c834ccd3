package wazerohost_test

import (
	"context"
	"testing"

	"example.com/wasm-memory-book/go/wazerohost"
)

// A host function's (ptr, len) argument is checked like a result: against
// the memory as it is now and the cap. A refusal is BadArgument, naming the
// host function, and wraps the check that failed.
func TestReadArgument(t *testing.T) {
	ctx := context.Background()
	module := instantiate(t, newRuntime(t, nil), guestWasm)
	guest := must(wazerohost.New(module, wazerohost.Convention{MaxLen: 1 << 10}))(t)
	message := must(guest.CopyIn(ctx, []byte("log me\xff")))(t) // at 0x400

	if text := must(guest.ReadArgumentString("log", message.Ptr(), 6))(t); text != "log me" {
		t.Fatal(text)
	}
	if bytes := must(guest.ReadArgument("log", message.Ptr(), 7))(t); string(bytes) != "log me\xff" {
		t.Fatalf("%q", bytes)
	}
	for _, test := range []struct {
		ptr, length uint32
		kind        wazerohost.ErrorKind
		message     string
	}{
		{65534, 4, wazerohost.OutOfBounds, `bad argument: host function "log" was passed 4 bytes at 0xfffe, ` +
			`ending at 0x10002, past the end of its 65536-byte memory`},
		{0xfffffff0, 32, wazerohost.Overflow,
			`bad argument: host function "log" was passed 32 bytes at 0xfffffff0: the end overflows a 32-bit address`},
		{0, 1<<10 + 1, wazerohost.TooLong,
			`bad argument: host function "log" was passed 1025 bytes at 0x0, more than the 1024 bytes the host accepts`},
		{0x400, 7, wazerohost.NotUTF8,
			`bad argument: host function "log" was passed 7 bytes at 0x400 that are not UTF-8`},
	} {
		_, err := guest.ReadArgumentString("log", test.ptr, test.length)
		bad := expectMessage(t, err, wazerohost.BadArgument, test.message)
		check := expectKind(t, err, test.kind)
		if bad.Export != "log" || bad.Ptr != test.ptr || bad.Len != test.length || check.Ptr != test.ptr {
			t.Fatalf("%#v wrapping %#v", bad, check)
		}
	}
	// The bytes stay the guest's: reading them freed nothing.
	if n := live(ctx, t, module); n != 1 {
		t.Fatalf("%d live", n)
	}
	if err := guest.Release(ctx, message); err != nil {
		t.Fatal(err)
	}
}

// HandOver allocates in the guest with its own allocator, for a host
// function to return: the guest owns the buffer from then on, so the
// ledger does not list it, and the guest frees it.
func TestHandOver(t *testing.T) {
	ctx := context.Background()
	module := instantiate(t, newRuntime(t, nil), guestWasm)
	guest := must(wazerohost.New(module, wazerohost.AllocateDeallocatePacked()))(t)
	ptr, length := must2(guest.HandOver(ctx, []byte("~plugin~")))(t)
	if bytes, _ := module.Memory().Read(ptr, length); string(bytes) != "~plugin~" {
		t.Fatalf("%q", bytes)
	}
	if n := live(ctx, t, module); n != 1 || len(guest.Outstanding()) != 0 || guest.CheckLeaks() != nil {
		t.Fatalf("%d live, %v", n, guest.Outstanding())
	}
	call(ctx, t, module, "deallocate", uint64(ptr), uint64(length)) // what the guest does with it
	if n := live(ctx, t, module); n != 0 {
		t.Fatalf("%d live", n)
	}
}
