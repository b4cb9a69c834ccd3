package wazerohost

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// PackingOrder says which half of a packed uint64 holds the pointer.
type PackingOrder int

const (
	// PointerLow is (len << 32) | ptr: the pointer in the low 32 bits.
	PointerLow PackingOrder = iota
	// PointerHigh is the order of wazero's examples: (ptr << 32) | len.
	PointerHigh
)

// Unpack splits packed into a pointer and a length.
func (o PackingOrder) Unpack(packed uint64) (ptr, length uint32) {
	low, high := uint32(packed), uint32(packed>>32)
	if o == PointerHigh {
		return high, low
	}
	return low, high
}

// Pack is the inverse of Unpack.
func (o PackingOrder) Pack(ptr, length uint32) uint64 {
	if o == PointerHigh {
		return uint64(ptr)<<32 | uint64(length)
	}
	return uint64(length)<<32 | uint64(ptr)
}

func (o PackingOrder) String() string {
	switch o {
	case PointerLow:
		return "PointerLow"
	case PointerHigh:
		return "PointerHigh"
	}
	return fmt.Sprintf("PackingOrder(%d)", int(o))
}

// Allocator says how the host gets buffers in the guest, and who frees them.
type Allocator int

const (
	// AllocateDeallocate: allocate(size) ptr and deallocate(ptr, size), as
	// Rust guests using wasm-memory-guest and Go guests using the keepalive
	// package export them. The
	// host frees inputs and results, with the size they have.
	AllocateDeallocate Allocator = iota
	// MallocFree: malloc(size) ptr and free(ptr), as C guests and TinyGo
	// export them. The host frees inputs and results.
	MallocFree
	// CabiRealloc: cabi_realloc(old, oldSize, align, newSize) ptr, the
	// canonical ABI's allocator. Inputs belong to the guest once passed;
	// results are freed by cabi_post_<export>(packed) when the guest exports
	// it. There is no free export.
	CabiRealloc
	// NoAllocator: the host never allocates or frees, for guests that only
	// return data they keep (static data, a collector's objects).
	NoAllocator
)

func (a Allocator) String() string {
	switch a {
	case AllocateDeallocate:
		return "AllocateDeallocate"
	case MallocFree:
		return "MallocFree"
	case CabiRealloc:
		return "CabiRealloc"
	case NoAllocator:
		return "NoAllocator"
	}
	return fmt.Sprintf("Allocator(%d)", int(a))
}

// defaultNames are the allocator's exports when the Convention names none.
func (a Allocator) defaultNames() (alloc, free string) {
	switch a {
	case AllocateDeallocate:
		return "allocate", "deallocate"
	case MallocFree:
		return "malloc", "free"
	case CabiRealloc:
		return "cabi_realloc", ""
	}
	return "", ""
}

// DefaultMaxLen is the longest result copied out unless the Convention
// says otherwise: 16 MiB.
const DefaultMaxLen = 16 << 20

// Convention is everything the host must know about how a guest shares
// memory. Nothing is guessed, and New refuses a Convention that contradicts
// itself (see Check).
type Convention struct {
	Allocator Allocator
	Order     PackingOrder
	// MaxLen caps the length of a result or of a host function's argument;
	// 0 means DefaultMaxLen.
	MaxLen uint32
	// Names of the allocator's exports; "" means the allocator's usual
	// ones (allocate/deallocate, malloc/free, cabi_realloc). CabiRealloc
	// and NoAllocator have no free export, and NoAllocator no allocator.
	AllocName, FreeName string
	// Memory is the name of the memory export; "" means "memory".
	Memory string
}

// AllocateDeallocatePacked is the convention of a guest that exports
// allocate(size) ptr and deallocate(ptr, size), and packs a result's
// (ptr, len) into one i64 with the pointer in the low 32 bits:
// (len << 32) | ptr.
func AllocateDeallocatePacked() Convention {
	return Convention{Allocator: AllocateDeallocate, Order: PointerLow}
}

// Check says why c cannot describe any guest, or returns nil. Every error is
// an *Error of kind InvalidConvention.
func (c Convention) Check() error {
	invalid := func(format string, args ...any) error {
		return &Error{Kind: InvalidConvention, Detail: fmt.Sprintf(format, args...)}
	}
	switch c.Allocator {
	case AllocateDeallocate, MallocFree, CabiRealloc, NoAllocator:
	default:
		return invalid("%v is not an Allocator", c.Allocator)
	}
	if c.Order != PointerLow && c.Order != PointerHigh {
		return invalid("%v is not a PackingOrder", c.Order)
	}
	for _, field := range []struct{ name, value string }{
		{"AllocName", c.AllocName}, {"FreeName", c.FreeName}, {"Memory", c.Memory},
	} {
		if field.value != "" && strings.TrimSpace(field.value) == "" {
			return invalid("%s is %q, an empty name: leave it \"\" for the usual one", field.name, field.value)
		}
		if !utf8.ValidString(field.value) {
			return invalid("%s is %q, which is not UTF-8 (wasm names are)", field.name, field.value)
		}
	}
	switch c.Allocator {
	case CabiRealloc:
		if c.FreeName != "" {
			return invalid("FreeName is %q, but CabiRealloc has no free export: "+
				"results go back through cabi_post_<export>", c.FreeName)
		}
	case NoAllocator:
		if c.AllocName != "" {
			return invalid("AllocName is %q, but NoAllocator has no allocator export", c.AllocName)
		}
		if c.FreeName != "" {
			return invalid("FreeName is %q, but NoAllocator has no free export", c.FreeName)
		}
	}
	c = c.withDefaults()
	if c.FreeName != "" && c.AllocName == c.FreeName {
		return invalid("the allocator and the free export are both %q", c.AllocName)
	}
	if c.Memory == c.AllocName || c.Memory == c.FreeName {
		return invalid("the memory and a function are both exported as %q, "+
			"and a module's exports have unique names", c.Memory)
	}
	return nil
}

// withDefaults is c with every "" and 0 replaced by what it means.
func (c Convention) withDefaults() Convention {
	alloc, free := c.Allocator.defaultNames()
	if c.AllocName == "" {
		c.AllocName = alloc
	}
	if c.FreeName == "" {
		c.FreeName = free
	}
	if c.Memory == "" {
		c.Memory = "memory"
	}
	if c.MaxLen == 0 {
		c.MaxLen = DefaultMaxLen
	}
	return c
}
