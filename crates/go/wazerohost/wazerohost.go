// Package wazerohost is the host side of sharing memory with wasm guests,
// for Go hosts on wazero: the Go counterpart of the Rust crate
// wasm-memory-host, with the same concepts under the same names.
//
// A guest hands the host numbers; this package turns them into bytes without
// trusting them. Every (ptr, len) a guest returns, or passes to a host
// function, is checked against the memory's current size, with arithmetic
// that cannot overflow, and against a length cap before the host allocates;
// strings are checked to be UTF-8; errors name the export, the pointer, the
// length and the memory size, and work with errors.Is and errors.As.
//
// New checks a module against a Convention once. Export and OutputExport
// look an export up and check its type once, and return a handle to call
// many times: it writes the input through the guest's allocator, calls,
// unpacks the result in the order the Convention names, copies it out (a
// copy, never a view that a memory.grow would disconnect), and frees what
// the convention says the host frees, also when the call fails. A buffer the
// host keeps across calls is a *Buffer: CopyIn, Adopt and CallBuffer hand
// one out, Release gives it back, once, to the guest it came from, and
// CheckLeaks says which are still held.
//
// A Guest and its handles, like the wazero module under them, are not safe
// for concurrent use, and a handle must not be called again while it is
// running (from a host function it called): each keeps the stack of its
// calls. Inside a host function, wrap the calling module with New, which is
// cheap, and use that Guest.
package wazerohost

import (
	"context"
	"fmt"
	"slices"
	"unicode/utf8"

	"github.com/tetratelabs/wazero/api"
)

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

// Guest is a module instance and the convention it follows, checked against
// each other once, by New. It keeps no view of memory: every read takes
// memory as it is now, and returns a copy.
type Guest struct {
	module     api.Module
	memory     api.Memory
	convention Convention // every default filled in
	alloc      api.Function
	free       api.Function
	// The stacks of the allocator's calls, reused: no allocation per call.
	allocStack [4]uint64
	freeStack  [2]uint64
	// held is the ledger: the buffers the host holds, oldest first.
	held []*Buffer
}

// New checks convention (Convention.Check), and that module exports the
// memory and the allocator's functions it names, with the right types, and
// wraps module. It calls nothing in the guest, so it is cheap enough to call
// in a host function, on the api.Module the host function receives.
func New(module api.Module, convention Convention) (*Guest, error) {
	if err := convention.Check(); err != nil {
		return nil, err
	}
	convention = convention.withDefaults()
	memory := module.ExportedMemory(convention.Memory)
	if memory == nil {
		return nil, &Error{Kind: MissingExport, Export: convention.Memory, Detail: "the memory this convention names"}
	}
	guest := &Guest{module: module, memory: memory, convention: convention}
	if convention.Allocator == NoAllocator {
		return guest, nil
	}
	// Checked against the definitions: an api.Function comes with a stack
	// of its own (10 KiB in wazero 1.12), which a Guest made in a host
	// function may never need, so each is made on first use.
	definitions := module.ExportedFunctionDefinitions()
	allocParams, freeParams := oneI32, twoI32
	switch convention.Allocator {
	case MallocFree:
		freeParams = oneI32
	case CabiRealloc:
		allocParams = fourI32
	}
	err := checkType(definitions[convention.AllocName], convention.AllocName,
		role{"the allocator of", convention.Allocator.String()}, allocParams, oneI32)
	if err == nil && convention.FreeName != "" {
		err = checkType(definitions[convention.FreeName], convention.FreeName,
			role{"the free export of", convention.Allocator.String()}, freeParams, nil)
	}
	if err != nil {
		return nil, err
	}
	return guest, nil
}

// Module is the module the guest wraps.
func (g *Guest) Module() api.Module { return g.module }

// Memory is the guest's memory, the one its Convention names.
func (g *Guest) Memory() api.Memory { return g.memory }

// Convention is the guest's convention, with every default filled in.
func (g *Guest) Convention() Convention { return g.convention }

// CallBytes is Export(export) and CallBytes on it: for a single call. It
// looks the export up each time; keep the handle instead to call it again.
func (g *Guest) CallBytes(ctx context.Context, export string, input []byte) ([]byte, error) {
	handle, err := g.Export(export)
	if err != nil {
		return nil, err
	}
	return handle.CallBytes(ctx, input)
}

// CallString is Export(export) and CallString on it: for a single call.
func (g *Guest) CallString(ctx context.Context, export, input string) (string, error) {
	handle, err := g.Export(export)
	if err != nil {
		return "", err
	}
	return handle.CallString(ctx, input)
}

// memorySize is the size of the memory now, in bytes. Size() wraps at
// 4 GiB, pages do not.
func (g *Guest) memorySize() uint64 {
	pages, _ := g.memory.Grow(0)
	return uint64(pages) << 16
}

// check is CheckedRange against the memory as it is now.
func (g *Guest) check(export string, ptr, length, maxLen uint32) error {
	_, err := CheckedRange(export, ptr, length, g.memorySize(), maxLen)
	return err
}

// allocate reserves size bytes in the guest, through its allocator, and
// checks the answer like any other (ptr, len) the guest hands over;
// operation is who asks, for errors.
func (g *Guest) allocate(ctx context.Context, operation string, size int) (uint32, error) {
	c := &g.convention
	if c.Allocator == NoAllocator {
		return 0, &Error{Kind: NoAllocatorToWrite, Export: operation, operation: true}
	}
	if uint64(size) > 1<<32-1 {
		return 0, &Error{Kind: InputTooLarge, Export: c.AllocName, InputLen: size}
	}
	stack := g.allocStack[:]
	if c.Allocator == CabiRealloc {
		stack[0], stack[1], stack[2], stack[3] = 0, 0, 1, uint64(size) // (old, old size, align, new size)
	} else {
		stack[0] = uint64(size)
	}
	if g.alloc == nil {
		g.alloc = g.module.ExportedFunction(c.AllocName) // checked by New
	}
	if err := g.alloc.CallWithStack(ctx, stack); err != nil {
		return 0, &Error{Kind: CallFailed, Export: c.AllocName, Err: err}
	}
	ptr := uint32(stack[0])
	if ptr == 0 && size > 0 {
		return 0, &Error{Kind: AllocationFailed, Export: c.AllocName, Len: uint32(size)}
	}
	if err := g.check(c.AllocName, ptr, uint32(size), 1<<32-1); err != nil {
		return 0, err // not memory the guest has: nothing to free
	}
	return ptr, nil
}

// deallocate gives back length bytes at ptr through the free export, if
// the convention has one.
func (g *Guest) deallocate(ctx context.Context, ptr, length uint32) error {
	stack := g.freeStack[:]
	stack[0], stack[1] = uint64(ptr), uint64(length)
	if g.free == nil && g.convention.FreeName != "" {
		g.free = g.module.ExportedFunction(g.convention.FreeName) // checked by New
	}
	var err error
	switch g.convention.Allocator {
	case AllocateDeallocate:
		err = g.free.CallWithStack(ctx, stack)
	case MallocFree:
		err = g.free.CallWithStack(ctx, stack[:1])
	default:
		return nil
	}
	if err != nil {
		return &Error{Kind: CallFailed, Export: g.convention.FreeName, Err: err}
	}
	return nil
}

// copyIn allocates room for input in the guest and copies input there.
func copyIn[In ~string | ~[]byte](ctx context.Context, g *Guest, operation string, input In) (uint32, error) {
	ptr, err := g.allocate(ctx, operation, len(input))
	if err != nil {
		return 0, err
	}
	// An allocator that hands out bytes the host holds is refused before
	// the host writes over them.
	if held := g.overlapping(ptr, uint32(len(input))); held != nil {
		return 0, &Error{Kind: OverlapsHeldBuffer, Export: g.convention.AllocName, Ptr: ptr, Len: uint32(len(input)),
			Buffers: []*Buffer{held}}
	}
	view, _ := g.memory.Read(ptr, uint32(len(input))) // in bounds: allocate checked it
	copy(view, input)
	return ptr, nil
}

// Buffer is a buffer in a guest's memory that the host holds, and must give
// back with Release: one it copied in (CopyIn), one an export returned
// (OutputExport.CallBuffer), or one the host took over (Adopt). The Guest's
// ledger lists it until then (Outstanding).
type Buffer struct {
	guest       *Guest
	ptr, length uint32
	export      string        // who made it, under its real name
	result      *OutputExport // the export that returned it, for CallBuffer
	packed      uint64        // what that export returned, for cabi_post_<export>
	released    bool
}

// Ptr is the buffer's address in the guest's memory.
func (b *Buffer) Ptr() uint32 { return b.ptr }

// Len is the buffer's length in bytes.
func (b *Buffer) Len() uint32 { return b.length }

// Export is the export that made the buffer: the allocator, or the export
// that returned it or was named to Adopt.
func (b *Buffer) Export() string { return b.export }

func (b *Buffer) String() string {
	if b == nil {
		return "a nil buffer"
	}
	return fmt.Sprintf("the %d-byte buffer at %#x from %q", b.length, b.ptr, b.export)
}

// overlapping is the held buffer that shares a byte with the length bytes
// at ptr, or nil.
func (g *Guest) overlapping(ptr, length uint32) *Buffer {
	start, end := uint64(ptr), uint64(ptr)+uint64(length)
	for _, held := range g.held {
		// Empty buffers overlap nothing: there are no bytes to share.
		if start < uint64(held.ptr)+uint64(held.length) && uint64(held.ptr) < end {
			return held
		}
	}
	return nil
}

// hold enters a buffer in the ledger, unless it overlaps one already held:
// giving back the same bytes twice is a double free.
func (g *Guest) hold(buffer *Buffer) error {
	if held := g.overlapping(buffer.ptr, buffer.length); held != nil {
		return &Error{Kind: OverlapsHeldBuffer, Export: buffer.export, Ptr: buffer.ptr, Len: buffer.length,
			Buffers: []*Buffer{held}}
	}
	g.held = append(g.held, buffer)
	return nil
}

// mine checks that buffer came from g and is still held.
func (g *Guest) mine(buffer *Buffer) error {
	if buffer == nil || buffer.guest != g {
		return &Error{Kind: ForeignBuffer, Buffers: []*Buffer{buffer}}
	}
	if buffer.released {
		return &Error{Kind: AlreadyReleased, Buffers: []*Buffer{buffer}}
	}
	return nil
}

// CopyIn allocates len(input) bytes in the guest, copies input there, and
// returns the buffer, which the host holds until Release. Under CabiRealloc
// it is Unsupported: the canonical ABI has no free export, and an input
// belongs to the export it is passed to (use Export.CallBytes).
func (g *Guest) CopyIn(ctx context.Context, input []byte) (*Buffer, error) {
	if g.convention.Allocator == CabiRealloc {
		return nil, &Error{Kind: Unsupported, Export: "CopyIn", operation: true, Detail: "under CabiRealloc the host frees " +
			"nothing it allocates: an input belongs to the export it is passed to (use Export.CallBytes)"}
	}
	ptr, err := copyIn(ctx, g, "CopyIn", input)
	if err != nil {
		return nil, err
	}
	buffer := &Buffer{guest: g, ptr: ptr, length: uint32(len(input)), export: g.convention.AllocName}
	if err := g.hold(buffer); err != nil {
		return nil, err // the allocator handed out bytes the host holds: not freed
	}
	return buffer, nil
}

// Adopt takes over length bytes at ptr, which export handed over, after
// checking them like a result: the host then holds them, and Release gives
// them back through the convention's free export (under NoAllocator, to
// nobody). It is refused if they overlap a buffer already held, and under
// CabiRealloc (Unsupported): there, cabi_post_<export> must receive exactly
// what the export returned, which only OutputExport.CallBuffer knows.
func (g *Guest) Adopt(export string, ptr, length uint32) (*Buffer, error) {
	if g.convention.Allocator == CabiRealloc {
		return nil, &Error{Kind: Unsupported, Export: "Adopt", operation: true, Detail: "under CabiRealloc a result goes back " +
			"through cabi_post_<export>, which must receive exactly what the export returned: " +
			"call it with OutputExport.CallBuffer"}
	}
	if err := g.check(export, ptr, length, g.convention.MaxLen); err != nil {
		return nil, err
	}
	buffer := &Buffer{guest: g, ptr: ptr, length: length, export: export}
	if err := g.hold(buffer); err != nil {
		return nil, err
	}
	return buffer, nil
}

// Write copies data to the start of a held buffer, which must have room.
func (g *Guest) Write(buffer *Buffer, data []byte) error {
	if err := g.mine(buffer); err != nil {
		return err
	}
	if uint64(len(data)) > uint64(buffer.length) {
		return &Error{Kind: DoesNotFit, InputLen: len(data), Buffers: []*Buffer{buffer}}
	}
	if err := g.check(buffer.export, buffer.ptr, buffer.length, 1<<32-1); err != nil {
		return err
	}
	view, _ := g.memory.Read(buffer.ptr, uint32(len(data))) // in bounds: checked above
	copy(view, data)
	return nil
}

// Read copies a held buffer out of the guest's memory, checked against the
// memory as it is now: a copy, never a view that a memory.grow would
// disconnect.
func (g *Guest) Read(buffer *Buffer) ([]byte, error) {
	if err := g.mine(buffer); err != nil {
		return nil, err
	}
	if err := g.check(buffer.export, buffer.ptr, buffer.length, 1<<32-1); err != nil {
		return nil, err
	}
	view, _ := g.memory.Read(buffer.ptr, buffer.length) // in bounds: checked above
	return clone(view), nil
}

// ReadString is Read, and the bytes must be UTF-8.
func (g *Guest) ReadString(buffer *Buffer) (string, error) {
	bytes, err := g.Read(buffer)
	if err != nil {
		return "", err
	}
	if !utf8.Valid(bytes) {
		return "", &Error{Kind: NotUTF8, Export: buffer.export, Ptr: buffer.ptr, Len: buffer.length}
	}
	return string(bytes), nil
}

// Release gives a held buffer back to the guest it came from, once: through
// the free export, or cabi_post_<export> for a result under CabiRealloc.
// Whatever the guest does, the host no longer holds the buffer afterwards.
func (g *Guest) Release(ctx context.Context, buffer *Buffer) error {
	if err := g.mine(buffer); err != nil {
		return err
	}
	buffer.released = true
	g.held = slices.DeleteFunc(g.held, func(held *Buffer) bool { return held == buffer })
	if buffer.result != nil {
		return buffer.result.releaseResult(ctx, buffer.packed, buffer.ptr, buffer.length)
	}
	return g.deallocate(ctx, buffer.ptr, buffer.length)
}

// Outstanding lists the buffers the host holds, oldest first.
func (g *Guest) Outstanding() []*Buffer { return slices.Clone(g.held) }

// CheckLeaks returns an error of kind Leaks listing the buffers still held,
// or nil.
func (g *Guest) CheckLeaks() error {
	if len(g.held) == 0 {
		return nil
	}
	return &Error{Kind: Leaks, Buffers: g.Outstanding()}
}

// ReadArgument copies length bytes at ptr, which the guest passed to the
// host function named function, out of the guest's memory, checked like a
// result. A failed check is an error of kind BadArgument naming function,
// which wraps the check (OutOfBounds, Overflow, TooLong). The bytes stay the
// guest's.
func (g *Guest) ReadArgument(function string, ptr, length uint32) ([]byte, error) {
	if err := g.check(function, ptr, length, g.convention.MaxLen); err != nil {
		err.(*Error).argument = true
		return nil, &Error{Kind: BadArgument, Export: function, Ptr: ptr, Len: length, Err: err}
	}
	view, _ := g.memory.Read(ptr, length) // in bounds: checked above
	return clone(view), nil
}

// ReadArgumentString is ReadArgument, and the bytes must be UTF-8.
func (g *Guest) ReadArgumentString(function string, ptr, length uint32) (string, error) {
	bytes, err := g.ReadArgument(function, ptr, length)
	if err != nil {
		return "", err
	}
	if !utf8.Valid(bytes) {
		return "", &Error{Kind: BadArgument, Export: function, Ptr: ptr, Len: length,
			Err: &Error{Kind: NotUTF8, Export: function, Ptr: ptr, Len: length, argument: true}}
	}
	return string(bytes), nil
}

// ANCHOR: hand_over
// HandOver allocates len(data) bytes through the guest's own allocator,
// copies data there, and returns where, for a host function to return to
// the guest. Ownership: the guest owns the buffer from then on, and frees
// it with its own free export (or hands it back as a result, which the
// host then frees like any other); the host must not release it, and the
// ledger does not list it.
func (g *Guest) HandOver(ctx context.Context, data []byte) (ptr, length uint32, err error) {
	ptr, err = copyIn(ctx, g, "HandOver", data)
	if err != nil {
		return 0, 0, err
	}
	return ptr, uint32(len(data)), nil
}

// ANCHOR_END: hand_over

// clone is a copy of view that shares nothing with the guest's memory.
func clone(view []byte) []byte {
	bytes := make([]byte, len(view))
	copy(bytes, view)
	return bytes
}

// The types of the exports this package calls.
var (
	oneI32  = []api.ValueType{api.ValueTypeI32}
	twoI32  = []api.ValueType{api.ValueTypeI32, api.ValueTypeI32}
	fourI32 = []api.ValueType{api.ValueTypeI32, api.ValueTypeI32, api.ValueTypeI32, api.ValueTypeI32}
	oneI64  = []api.ValueType{api.ValueTypeI64}
)

// role is what an export is for, put in words only for an error: New runs
// in host functions, and should not format strings it will not show.
type role struct{ what, of string }

func (r role) String() string {
	if r.of == "" {
		return r.what
	}
	return r.what + " " + r.of
}

// lookUp is the function exported as name, with these parameter and result
// types.
func lookUp(module api.Module, name string, r role, params, results []api.ValueType) (api.Function, error) {
	function := module.ExportedFunction(name)
	if function == nil {
		return nil, &Error{Kind: MissingExport, Export: name, Detail: r.String()}
	}
	if err := checkType(function.Definition(), name, r, params, results); err != nil {
		return nil, err
	}
	return function, nil
}

// checkType checks that definition, exported as name, exists and has these
// parameter and result types.
func checkType(definition api.FunctionDefinition, name string, r role, params, results []api.ValueType) error {
	if definition == nil {
		return &Error{Kind: MissingExport, Export: name, Detail: r.String()}
	}
	if !slices.Equal(definition.ParamTypes(), params) || !slices.Equal(definition.ResultTypes(), results) {
		return &Error{Kind: WrongSignature, Export: name, Detail: fmt.Sprintf(
			"%v: it takes %v and returns %v, not %v and %v", r, names(definition.ParamTypes()),
			names(definition.ResultTypes()), names(params), names(results))}
	}
	return nil
}

func names(types []api.ValueType) []string {
	out := make([]string, len(types))
	for i, t := range types {
		out[i] = api.ValueTypeName(t)
	}
	return out
}
