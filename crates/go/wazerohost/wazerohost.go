// Package wazerohost is the host side of sharing memory with wasm guests,
// for Go hosts on wazero: the Go counterpart of the book's Rust crate
// wasm-memory-host.
//
// A guest hands the host numbers; this package turns them into bytes without
// trusting them. Every (ptr, len) a guest returns is checked against the
// memory's current size, with arithmetic that cannot overflow, and against a
// length cap before the host allocates; strings are checked to be UTF-8;
// errors name the export, the pointer, the length and the memory size.
// CallBytes writes its input through the guest's allocator, calls, unpacks
// the result in the order the Convention names, copies it out (a copy, never
// a view that a memory.grow would disconnect), and frees what the
// convention says the host frees, also when the call fails.
package wazerohost

import (
	"context"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/tetratelabs/wazero/api"
)

// PackingOrder says which half of a packed uint64 holds the pointer.
type PackingOrder int

const (
	// PointerLow is this book's order: (len << 32) | ptr.
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

// Allocator says how the host gets buffers in the guest, and who frees them.
type Allocator int

const (
	// AllocateDeallocate: allocate(size) ptr and deallocate(ptr, size), as
	// the book's Rust guests and the Go keepalive package export them. The
	// host frees inputs and results.
	AllocateDeallocate Allocator = iota
	// MallocFree: malloc(size) ptr and free(ptr), as C guests and TinyGo
	// export them. The host frees inputs and results.
	MallocFree
	// CabiRealloc: cabi_realloc(old, oldSize, align, newSize) ptr, the
	// canonical ABI's allocator. Inputs belong to the guest once passed;
	// results are freed by cabi_post_<export>(packed) when the guest exports it.
	CabiRealloc
	// NoAllocator: the host never allocates or frees, for guests that only
	// return static data. CallBytes cannot pass input to such a guest.
	NoAllocator
)

// DefaultMaxLen is the longest result copied out unless the Convention
// says otherwise: 16 MiB.
const DefaultMaxLen = 16 << 20

// Convention is everything the host must know about how a guest shares
// memory. Nothing is guessed.
type Convention struct {
	Allocator Allocator
	Order     PackingOrder
	// MaxLen caps the length of a result; 0 means DefaultMaxLen.
	MaxLen uint32
	// Names of the allocator's exports; empty means the usual ones.
	AllocName, FreeName string
}

// Book is this book's convention: allocate/deallocate, pointer low.
var Book = Convention{Allocator: AllocateDeallocate, Order: PointerLow}

// ErrorKind says what went wrong.
type ErrorKind int

const (
	// MissingExport: the guest lacks an export the convention needs.
	MissingExport ErrorKind = iota
	// WrongSignature: an export has other types than the convention says.
	WrongSignature
	// InputTooLarge: an input longer than a 32-bit memory can hold.
	InputTooLarge
	// AllocationFailed: the guest's allocator returned 0.
	AllocationFailed
	// OutOfBounds: a (ptr, len) ends past the end of the guest's memory.
	OutOfBounds
	// Overflow: ptr + len does not fit in 32 bits.
	Overflow
	// TooLong: a length over the convention's cap.
	TooLong
	// NotUTF8: bytes that should be a string are not UTF-8.
	NotUTF8
	// CallFailed: a call into the guest trapped or failed.
	CallFailed
	// NoAllocatorToWrite: input for a guest whose convention has no allocator.
	NoAllocatorToWrite
)

// Error is every error of this package. Err, when set, is the cause (the
// trap, for CallFailed).
type Error struct {
	Kind       ErrorKind
	Export     string
	Ptr, Len   uint32
	MemorySize uint64
	MaxLen     uint32
	// InputLen is the length of an input that is too large (InputTooLarge).
	InputLen int
	Err      error
}

func (e *Error) Error() string {
	switch e.Kind {
	case MissingExport:
		return fmt.Sprintf("the guest does not export %q, which this convention needs", e.Export)
	case WrongSignature:
		return fmt.Sprintf("%q does not have the type this convention expects: %v", e.Export, e.Err)
	case InputTooLarge:
		return fmt.Sprintf("an input of %d bytes is too large for a 32-bit guest (%q)", e.InputLen, e.Export)
	case AllocationFailed:
		return fmt.Sprintf("%q could not allocate %d bytes (it returned 0)", e.Export, e.Len)
	case OutOfBounds:
		return fmt.Sprintf("%q returned %d bytes at %#x, ending at %#x, past the end of its %d-byte memory",
			e.Export, e.Len, e.Ptr, uint64(e.Ptr)+uint64(e.Len), e.MemorySize)
	case Overflow:
		return fmt.Sprintf("%q returned %d bytes at %#x: the end overflows a 32-bit address", e.Export, e.Len, e.Ptr)
	case TooLong:
		return fmt.Sprintf("%q returned %d bytes at %#x, more than the %d bytes the host accepts",
			e.Export, e.Len, e.Ptr, e.MaxLen)
	case NotUTF8:
		return fmt.Sprintf("%q returned %d bytes at %#x that are not UTF-8", e.Export, e.Len, e.Ptr)
	case NoAllocatorToWrite:
		return fmt.Sprintf("cannot pass input to %q: this guest's convention has no allocator", e.Export)
	default:
		return fmt.Sprintf("calling %q failed: %v", e.Export, e.Err)
	}
}

func (e *Error) Unwrap() error { return e.Err }

// ANCHOR: checked_range
// CheckedRange checks a (ptr, len) that export returned against the memory
// size and the cap, and returns the end of the range. The cap comes first,
// before any arithmetic or allocation; the end is computed in 64 bits, where
// ptr + len cannot wrap.
func CheckedRange(export string, ptr, length uint32, memorySize uint64, maxLen uint32) (end uint32, err error) {
	if length > maxLen {
		return 0, &Error{Kind: TooLong, Export: export, Ptr: ptr, Len: length, MaxLen: maxLen}
	}
	wide := uint64(ptr) + uint64(length)
	if wide > 1<<32-1 {
		return 0, &Error{Kind: Overflow, Export: export, Ptr: ptr, Len: length}
	}
	if wide > memorySize {
		return 0, &Error{Kind: OutOfBounds, Export: export, Ptr: ptr, Len: length, MemorySize: memorySize}
	}
	return uint32(wide), nil
}

// ANCHOR_END: checked_range

// Guest is a module instance and the convention it follows. It keeps no
// view of memory: every read takes memory as it is now, and returns a copy.
type Guest struct {
	module     api.Module
	convention Convention
	alloc      api.Function
	free       api.Function
}

// New checks that module exports what convention needs, with the right
// types, and wraps it.
func New(module api.Module, convention Convention) (*Guest, error) {
	if convention.MaxLen == 0 {
		convention.MaxLen = DefaultMaxLen
	}
	names := map[Allocator][2]string{
		AllocateDeallocate: {"allocate", "deallocate"},
		MallocFree:         {"malloc", "free"},
		CabiRealloc:        {"cabi_realloc", ""},
	}[convention.Allocator]
	if convention.AllocName == "" {
		convention.AllocName = names[0]
	}
	if convention.FreeName == "" {
		convention.FreeName = names[1]
	}
	if module.Memory() == nil {
		return nil, &Error{Kind: MissingExport, Export: "memory"}
	}
	guest := &Guest{module: module, convention: convention}
	if convention.Allocator == NoAllocator {
		return guest, nil
	}
	var err error
	allocParams := []api.ValueType{api.ValueTypeI32}
	if convention.Allocator == CabiRealloc {
		allocParams = []api.ValueType{api.ValueTypeI32, api.ValueTypeI32, api.ValueTypeI32, api.ValueTypeI32}
	}
	if guest.alloc, err = export(module, convention.AllocName, allocParams, []api.ValueType{api.ValueTypeI32}); err != nil {
		return nil, err
	}
	switch convention.Allocator {
	case AllocateDeallocate:
		guest.free, err = export(module, convention.FreeName, []api.ValueType{api.ValueTypeI32, api.ValueTypeI32}, nil)
	case MallocFree:
		guest.free, err = export(module, convention.FreeName, []api.ValueType{api.ValueTypeI32}, nil)
	}
	if err != nil {
		return nil, err
	}
	return guest, nil
}

// ANCHOR: call_bytes
// CallBytes passes input to export, which takes (ptr, len) and returns a
// packed (ptr, len), and returns a copy of the result. The input is freed
// whatever happens, the result as soon as it is copied; the first error is
// the one returned.
func (g *Guest) CallBytes(ctx context.Context, export string, input []byte) (result []byte, err error) {
	inPtr, err := g.write(ctx, input)
	if err != nil {
		return nil, err
	}
	// A canonical-ABI guest owns its input once called; otherwise the host
	// frees it, after the call, whatever the call did.
	if g.convention.Allocator != CabiRealloc {
		defer func() { err = errors.Join(err, g.release(ctx, inPtr, uint32(len(input)))) }()
	}
	function := g.module.ExportedFunction(export)
	if function == nil {
		return nil, &Error{Kind: MissingExport, Export: export}
	}
	results, err := function.Call(ctx, uint64(inPtr), uint64(len(input)))
	if err != nil {
		return nil, &Error{Kind: CallFailed, Export: export, Err: err}
	}
	if len(results) != 1 {
		return nil, &Error{Kind: WrongSignature, Export: export, Err: fmt.Errorf("%d results, not one packed i64", len(results))}
	}
	ptr, length := g.convention.Order.Unpack(results[0])
	result, readErr := g.Read(export, ptr, length)
	var bounds *Error
	if errors.As(readErr, &bounds) && (bounds.Kind == OutOfBounds || bounds.Kind == Overflow) {
		return nil, readErr // not a buffer the guest allocated: nothing to free
	}
	return result, errors.Join(readErr, g.releaseResult(ctx, export, results[0], ptr, length))
}

// ANCHOR_END: call_bytes

// CallString is CallBytes with a string in and a string out, which must be
// UTF-8.
func (g *Guest) CallString(ctx context.Context, export, input string) (string, error) {
	bytes, err := g.CallBytes(ctx, export, []byte(input))
	if err != nil {
		return "", err
	}
	if !utf8.Valid(bytes) {
		return "", &Error{Kind: NotUTF8, Export: export, Len: uint32(len(bytes))}
	}
	return string(bytes), nil
}

// ANCHOR: read
// Read copies length bytes at ptr, which export returned, out of the
// guest's memory, after checking them.
func (g *Guest) Read(export string, ptr, length uint32) ([]byte, error) {
	memory := g.module.Memory()
	pages, _ := memory.Grow(0) // Size() overflows at 4 GiB; pages do not
	if _, err := CheckedRange(export, ptr, length, uint64(pages)*65536, g.convention.MaxLen); err != nil {
		return nil, err
	}
	view, _ := memory.Read(ptr, length)      // in bounds: checked above
	return append([]byte(nil), view...), nil // a copy, never the view
}

// ANCHOR_END: read

// ReadString is Read, and the bytes must be UTF-8.
func (g *Guest) ReadString(export string, ptr, length uint32) (string, error) {
	bytes, err := g.Read(export, ptr, length)
	if err != nil {
		return "", err
	}
	if !utf8.Valid(bytes) {
		return "", &Error{Kind: NotUTF8, Export: export, Ptr: ptr, Len: length}
	}
	return string(bytes), nil
}

// write allocates a buffer for input in the guest and copies input into it.
func (g *Guest) write(ctx context.Context, input []byte) (uint32, error) {
	if g.convention.Allocator == NoAllocator {
		return 0, &Error{Kind: NoAllocatorToWrite, Export: "the allocator"}
	}
	if uint64(len(input)) > 1<<32-1 {
		return 0, &Error{Kind: InputTooLarge, Export: g.convention.AllocName, InputLen: len(input)}
	}
	size := uint64(len(input))
	params := []uint64{size}
	if g.convention.Allocator == CabiRealloc {
		params = []uint64{0, 0, 1, size}
	}
	results, err := g.alloc.Call(ctx, params...)
	if err != nil {
		return 0, &Error{Kind: CallFailed, Export: g.convention.AllocName, Err: err}
	}
	ptr := uint32(results[0])
	if ptr == 0 && size > 0 {
		return 0, &Error{Kind: AllocationFailed, Export: g.convention.AllocName, Len: uint32(size)}
	}
	if !g.module.Memory().Write(ptr, input) {
		pages, _ := g.module.Memory().Grow(0)
		return 0, &Error{Kind: OutOfBounds, Export: g.convention.AllocName, Ptr: ptr, Len: uint32(size), MemorySize: uint64(pages) * 65536}
	}
	return ptr, nil
}

// release gives back a buffer the host allocated.
func (g *Guest) release(ctx context.Context, ptr, length uint32) error {
	var err error
	switch g.convention.Allocator {
	case AllocateDeallocate:
		_, err = g.free.Call(ctx, uint64(ptr), uint64(length))
	case MallocFree:
		_, err = g.free.Call(ctx, uint64(ptr))
	}
	if err != nil {
		return &Error{Kind: CallFailed, Export: g.convention.FreeName, Err: err}
	}
	return nil
}

// releaseResult gives back a result export handed over.
func (g *Guest) releaseResult(ctx context.Context, export string, packed uint64, ptr, length uint32) error {
	switch g.convention.Allocator {
	case NoAllocator:
		return nil
	case AllocateDeallocate, MallocFree:
		return g.release(ctx, ptr, length)
	}
	postReturn := g.module.ExportedFunction("cabi_post_" + export)
	if postReturn == nil {
		return nil // the guest keeps its results
	}
	if _, err := postReturn.Call(ctx, packed); err != nil {
		return &Error{Kind: CallFailed, Export: "cabi_post_" + export, Err: err}
	}
	return nil
}

// export is name, with these parameter and result types.
func export(module api.Module, name string, params, results []api.ValueType) (api.Function, error) {
	function := module.ExportedFunction(name)
	if function == nil {
		return nil, &Error{Kind: MissingExport, Export: name}
	}
	definition := function.Definition()
	if !sameTypes(definition.ParamTypes(), params) || !sameTypes(definition.ResultTypes(), results) {
		return nil, &Error{Kind: WrongSignature, Export: name, Err: fmt.Errorf(
			"it takes %v and returns %v, not %v and %v", names(definition.ParamTypes()),
			names(definition.ResultTypes()), names(params), names(results))}
	}
	return function, nil
}

func sameTypes(a, b []api.ValueType) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func names(types []api.ValueType) []string {
	out := make([]string, len(types))
	for i, t := range types {
		out[i] = api.ValueTypeName(t)
	}
	return out
}
