package wazerohost

import (
	"context"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/tetratelabs/wazero/api"
)

// Export is an export that takes (ptr, len) and returns a packed (ptr, len),
// looked up and type-checked once by Guest.Export: call it as often as
// needed. It keeps the stack of its calls, so it is not safe for concurrent
// use, like the wazero module under it.
type Export struct {
	guest    *Guest
	name     string
	function api.Function
	post     api.Function // cabi_post_<name>, if the guest exports it (CabiRealloc)
	stack    [2]uint64
}

// Export looks up name and checks that it is (i32, i32) -> i64, and under
// CabiRealloc that cabi_post_<name>, if exported, is (i64) -> (). A guest
// without an allocator cannot be passed input (NoAllocatorToWrite).
func (g *Guest) Export(name string) (*Export, error) {
	if g.convention.Allocator == NoAllocator {
		return nil, &Error{Kind: NoAllocatorToWrite, Export: name}
	}
	function, err := lookUp(g.module, name, role{what: "an export taking (ptr, len) and returning a packed (ptr, len)"},
		twoI32, oneI64)
	if err != nil {
		return nil, err
	}
	post, err := g.postReturn(name)
	if err != nil {
		return nil, err
	}
	return &Export{guest: g, name: name, function: function, post: post}, nil
}

// Name is the export's name.
func (e *Export) Name() string { return e.name }

// CallBytes passes input to the export and returns a copy of its result.
// What the host owns is freed whatever happens: the input after the call
// (under CabiRealloc the export owns it), the result as soon as it is
// copied. The first error is the one returned.
func (e *Export) CallBytes(ctx context.Context, input []byte) ([]byte, error) {
	return roundTrip(ctx, e, input, copyOut)
}

// CallString is CallBytes with a string in and a string out, which must be
// UTF-8. It copies the input and the result once each.
func (e *Export) CallString(ctx context.Context, input string) (string, error) {
	return roundTrip(ctx, e, input, stringOut)
}

// ANCHOR: round_trip
// roundTrip writes input through the guest's allocator, calls the export,
// checks the (ptr, len) it returns, copies the bytes out with out, and frees
// what the host owns: the result once copied, the input last, also when the
// call fails. A result that fails the checks is not freed: it is not a
// buffer the host can trust, and freeing a made-up address would corrupt
// the guest's heap.
func roundTrip[In ~string | ~[]byte, Out any](ctx context.Context, e *Export, input In,
	out func(export string, ptr, length uint32, view []byte) (Out, error)) (result Out, err error) {
	g := e.guest
	inPtr, err := copyIn(ctx, g, "CallBytes", input) // not NoAllocator: Guest.Export refuses it
	if err != nil {
		return result, err
	}
	stack := e.stack[:]
	stack[0], stack[1] = uint64(inPtr), uint64(len(input))
	if err = e.function.CallWithStack(ctx, stack); err != nil {
		err = &Error{Kind: CallFailed, Export: e.name, Err: err}
	} else {
		packed := stack[0]
		ptr, length := g.convention.Order.Unpack(packed)
		if err = g.check(e.name, ptr, length, g.convention.MaxLen); err == nil {
			view, _ := g.memory.Read(ptr, length) // in bounds: checked above
			result, err = out(e.name, ptr, length, view)
			err = join(err, releaseResult(ctx, g, e.post, &e.stack, packed, ptr, length))
		}
	}
	return result, join(err, g.releaseInput(ctx, inPtr, uint32(len(input))))
}

// ANCHOR_END: round_trip

// releaseInput frees an input after the call, unless the guest owns it.
func (g *Guest) releaseInput(ctx context.Context, ptr, length uint32) error {
	if g.convention.Allocator == CabiRealloc {
		return nil // the canonical ABI: the export took the input over
	}
	return g.deallocate(ctx, ptr, length)
}

// releaseResult gives back a result, as the convention says: through the
// free export, or cabi_post_<export> with exactly what the export returned.
func releaseResult(ctx context.Context, g *Guest, post api.Function, stack *[2]uint64,
	packed uint64, ptr, length uint32) error {
	switch g.convention.Allocator {
	case AllocateDeallocate, MallocFree:
		return g.deallocate(ctx, ptr, length)
	case CabiRealloc:
		if post == nil {
			return nil // the guest keeps its results
		}
		stack[0] = packed
		if err := post.CallWithStack(ctx, stack[:1]); err != nil {
			return &Error{Kind: CallFailed, Export: post.Definition().ExportNames()[0], Err: err}
		}
	}
	return nil // NoAllocator: the guest keeps its results
}

// postReturn is cabi_post_<export>, under CabiRealloc, if the guest exports
// it: nil otherwise.
func (g *Guest) postReturn(export string) (api.Function, error) {
	name := "cabi_post_" + export
	if g.convention.Allocator != CabiRealloc {
		return nil, nil
	}
	post := g.module.ExportedFunction(name)
	if post == nil {
		return nil, nil
	}
	return post, checkType(post.Definition(), name, role{"the post-return of", strconv.Quote(export)}, oneI64, nil)
}

func copyOut(_ string, _, _ uint32, view []byte) ([]byte, error) { return clone(view), nil }

func stringOut(export string, ptr, length uint32, view []byte) (string, error) {
	if !utf8.Valid(view) {
		return "", &Error{Kind: NotUTF8, Export: export, Ptr: ptr, Len: length}
	}
	return string(view), nil
}

// OutputExport is an export that returns a packed (ptr, len), whatever it
// takes, looked up and type-checked once by Guest.OutputExport. Like Export,
// it is not safe for concurrent use.
type OutputExport struct {
	guest    *Guest
	name     string
	function api.Function
	post     api.Function
	params   int
	stack    []uint64
	// postStack is the stack of cabi_post_<name>.
	postStack [2]uint64
}

// OutputExport looks up name and checks that it takes params and returns
// one i64, a packed (ptr, len).
func (g *Guest) OutputExport(name string, params ...api.ValueType) (*OutputExport, error) {
	function, err := lookUp(g.module, name, role{what: "an export returning a packed (ptr, len)"}, params, oneI64)
	if err != nil {
		return nil, err
	}
	post, err := g.postReturn(name)
	if err != nil {
		return nil, err
	}
	return &OutputExport{guest: g, name: name, function: function, post: post,
		params: len(params), stack: make([]uint64, max(len(params), 1))}, nil
}

// Name is the export's name.
func (o *OutputExport) Name() string { return o.name }

// Call calls the export with params and returns a copy of its result, which
// is freed as the convention says once copied.
func (o *OutputExport) Call(ctx context.Context, params ...uint64) ([]byte, error) {
	return output(ctx, o, params, copyOut)
}

// CallString is Call, and the result must be UTF-8.
func (o *OutputExport) CallString(ctx context.Context, params ...uint64) (string, error) {
	return output(ctx, o, params, stringOut)
}

// CallBuffer calls the export with params and holds its result: read it
// with Guest.Read, give it back with Guest.Release.
func (o *OutputExport) CallBuffer(ctx context.Context, params ...uint64) (*Buffer, error) {
	packed, ptr, length, err := o.call(ctx, params)
	if err != nil {
		return nil, err
	}
	buffer := &Buffer{guest: o.guest, ptr: ptr, length: length, export: o.name, result: o, packed: packed}
	if err := o.guest.hold(buffer); err != nil {
		return nil, err
	}
	return buffer, nil
}

// call calls the export and checks the (ptr, len) it returns.
func (o *OutputExport) call(ctx context.Context, params []uint64) (packed uint64, ptr, length uint32, err error) {
	if len(params) != o.params {
		return 0, 0, 0, &Error{Kind: WrongSignature, Export: o.name,
			Detail: fmt.Sprintf("this call: it takes %d parameters, not %d", o.params, len(params))}
	}
	copy(o.stack, params)
	if err := o.function.CallWithStack(ctx, o.stack); err != nil {
		return 0, 0, 0, &Error{Kind: CallFailed, Export: o.name, Err: err}
	}
	packed = o.stack[0]
	ptr, length = o.guest.convention.Order.Unpack(packed)
	if err := o.guest.check(o.name, ptr, length, o.guest.convention.MaxLen); err != nil {
		return 0, 0, 0, err // not a buffer the host can trust: not freed
	}
	return packed, ptr, length, nil
}

func output[Out any](ctx context.Context, o *OutputExport, params []uint64,
	out func(export string, ptr, length uint32, view []byte) (Out, error)) (result Out, err error) {
	packed, ptr, length, err := o.call(ctx, params)
	if err != nil {
		return result, err
	}
	view, _ := o.guest.memory.Read(ptr, length) // in bounds: call checked it
	result, err = out(o.name, ptr, length, view)
	return result, join(err, o.releaseResult(ctx, packed, ptr, length))
}

func (o *OutputExport) releaseResult(ctx context.Context, packed uint64, ptr, length uint32) error {
	return releaseResult(ctx, o.guest, o.post, &o.postStack, packed, ptr, length)
}
