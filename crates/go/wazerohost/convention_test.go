package wazerohost_test

import (
	"testing"

	"example.com/wasm-memory-book/go/wazerohost"
)

// Every way a Convention can contradict itself is refused by Check, with a
// message that says why, and by New before it looks at the guest.
func TestConventionCheck(t *testing.T) {
	for _, valid := range []wazerohost.Convention{
		{}, // AllocateDeallocate, PointerLow, every name the usual one
		{Order: wazerohost.PointerHigh, AllocName: "alloc", FreeName: "dealloc", Memory: "heap", MaxLen: 1},
		{Allocator: wazerohost.CabiRealloc, AllocName: "realloc"},
		{Allocator: wazerohost.NoAllocator, Order: wazerohost.PointerHigh},
		// A name is refused only where it clashes: "free" names the
		// allocator here, and MallocFree's free export is renamed.
		{Allocator: wazerohost.MallocFree, AllocName: "free", FreeName: "release"},
	} {
		if err := valid.Check(); err != nil {
			t.Errorf("%+v: %v", valid, err)
		}
	}
	for _, test := range []struct {
		convention wazerohost.Convention
		message    string
	}{
		{wazerohost.Convention{Allocator: 7}, "invalid convention: Allocator(7) is not an Allocator"},
		{wazerohost.Convention{Order: 2}, "invalid convention: PackingOrder(2) is not a PackingOrder"},
		{wazerohost.Convention{AllocName: " "},
			`invalid convention: AllocName is " ", an empty name: leave it "" for the usual one`},
		{wazerohost.Convention{FreeName: "\t"},
			`invalid convention: FreeName is "\t", an empty name: leave it "" for the usual one`},
		{wazerohost.Convention{Memory: "\xff"},
			`invalid convention: Memory is "\xff", which is not UTF-8 (wasm names are)`},
		{wazerohost.Convention{Allocator: wazerohost.MallocFree, AllocName: "free"},
			`invalid convention: the allocator and the free export are both "free"`},
		{wazerohost.Convention{AllocName: "alloc", FreeName: "alloc"},
			`invalid convention: the allocator and the free export are both "alloc"`},
		{wazerohost.Convention{Allocator: wazerohost.CabiRealloc, FreeName: "cabi_free"},
			`invalid convention: FreeName is "cabi_free", but CabiRealloc has no free export: ` +
				`results go back through cabi_post_<export>`},
		{wazerohost.Convention{Allocator: wazerohost.NoAllocator, AllocName: "allocate"},
			`invalid convention: AllocName is "allocate", but NoAllocator has no allocator export`},
		{wazerohost.Convention{Allocator: wazerohost.NoAllocator, FreeName: "free"},
			`invalid convention: FreeName is "free", but NoAllocator has no free export`},
		{wazerohost.Convention{Memory: "deallocate"},
			`invalid convention: the memory and a function are both exported as "deallocate", ` +
				`and a module's exports have unique names`},
	} {
		expectMessage(t, test.convention.Check(), wazerohost.InvalidConvention, test.message)
		// New refuses it before it looks at the module, which may be nil.
		_, err := wazerohost.New(nil, test.convention)
		expectMessage(t, err, wazerohost.InvalidConvention, test.message)
	}
}

// AllocateDeallocatePacked is allocate/deallocate, pointer low; a Guest's
// Convention has every default filled in.
func TestConventionDefaults(t *testing.T) {
	want := wazerohost.Convention{Allocator: wazerohost.AllocateDeallocate, Order: wazerohost.PointerLow}
	if got := wazerohost.AllocateDeallocatePacked(); got != want {
		t.Fatalf("%+v", got)
	}
	module := instantiate(t, newRuntime(t, nil), guestWasm)
	for _, test := range []struct {
		convention wazerohost.Convention
		want       wazerohost.Convention
	}{
		{wazerohost.AllocateDeallocatePacked(), wazerohost.Convention{Allocator: wazerohost.AllocateDeallocate,
			MaxLen: wazerohost.DefaultMaxLen, AllocName: "allocate", FreeName: "deallocate", Memory: "memory"}},
		{wazerohost.Convention{Allocator: wazerohost.MallocFree, Order: wazerohost.PointerHigh, MaxLen: 10},
			wazerohost.Convention{Allocator: wazerohost.MallocFree, Order: wazerohost.PointerHigh,
				MaxLen: 10, AllocName: "malloc", FreeName: "free", Memory: "memory"}},
		{wazerohost.Convention{Allocator: wazerohost.NoAllocator}, wazerohost.Convention{
			Allocator: wazerohost.NoAllocator, MaxLen: wazerohost.DefaultMaxLen, Memory: "memory"}},
	} {
		guest := must(wazerohost.New(module, test.convention))(t)
		if got := guest.Convention(); got != test.want {
			t.Errorf("%+v: %+v", test.convention, got)
		}
		if guest.Module() != module || guest.Memory() != module.Memory() {
			t.Error("the guest wraps another module or memory")
		}
	}
}

func TestNamesOfAllocatorsAndOrders(t *testing.T) {
	for value, name := range map[interface{ String() string }]string{
		wazerohost.AllocateDeallocate: "AllocateDeallocate", wazerohost.MallocFree: "MallocFree",
		wazerohost.CabiRealloc: "CabiRealloc", wazerohost.NoAllocator: "NoAllocator", wazerohost.Allocator(9): "Allocator(9)",
		wazerohost.PointerLow: "PointerLow", wazerohost.PointerHigh: "PointerHigh", wazerohost.PackingOrder(5): "PackingOrder(5)",
	} {
		if got := value.String(); got != name {
			t.Errorf("%s, not %s", got, name)
		}
	}
}
