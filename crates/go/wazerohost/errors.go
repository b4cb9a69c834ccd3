package wazerohost

import (
	"errors"
	"fmt"
	"strings"
)

// ErrorKind says what went wrong. It is an error itself, so that
// errors.Is(err, wazerohost.OutOfBounds) asks whether err is, or wraps, an
// *Error of that kind.
type ErrorKind int

const (
	// MissingExport: the guest lacks an export the convention or the
	// caller names.
	MissingExport ErrorKind = iota
	// WrongSignature: an export has other types than expected, or a handle
	// was called with the wrong number of parameters.
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
	// CallFailed: a call into the guest trapped or failed; Unwrap gives
	// the cause.
	CallFailed
	// NoAllocatorToWrite: input for a guest whose convention has no
	// allocator.
	NoAllocatorToWrite
	// InvalidConvention: a Convention that contradicts itself (see
	// Convention.Check).
	InvalidConvention
	// BadArgument: a (ptr, len) a guest passed to a host function failed
	// the checks; Unwrap gives the check that failed.
	BadArgument
	// DoesNotFit: more bytes than a held buffer has room for.
	DoesNotFit
	// OverlapsHeldBuffer: a buffer that overlaps one the host already holds.
	OverlapsHeldBuffer
	// ForeignBuffer: a buffer given to a Guest it did not come from.
	ForeignBuffer
	// AlreadyReleased: a buffer used or released after its release.
	AlreadyReleased
	// Unsupported: an operation the convention cannot do safely.
	Unsupported
	// Leaks: buffers the host still holds (CheckLeaks).
	Leaks

	kindCount // not a kind: how many there are
)

var kindNames = [kindCount]string{
	MissingExport: "MissingExport", WrongSignature: "WrongSignature", InputTooLarge: "InputTooLarge",
	AllocationFailed: "AllocationFailed", OutOfBounds: "OutOfBounds", Overflow: "Overflow",
	TooLong: "TooLong", NotUTF8: "NotUTF8", CallFailed: "CallFailed",
	NoAllocatorToWrite: "NoAllocatorToWrite", InvalidConvention: "InvalidConvention",
	BadArgument: "BadArgument", DoesNotFit: "DoesNotFit", OverlapsHeldBuffer: "OverlapsHeldBuffer",
	ForeignBuffer: "ForeignBuffer", AlreadyReleased: "AlreadyReleased", Unsupported: "Unsupported",
	Leaks: "Leaks",
}

// String is the kind's Go name, such as "OutOfBounds".
func (k ErrorKind) String() string {
	if k >= 0 && k < kindCount {
		return kindNames[k]
	}
	return fmt.Sprintf("ErrorKind(%d)", int(k))
}

// Error makes a kind usable as the target of errors.Is.
func (k ErrorKind) Error() string { return "wazerohost: " + k.String() }

// Error is every error of this package. Which fields are set depends on the
// Kind; Error() puts them in words.
type Error struct {
	Kind ErrorKind
	// Export is the export concerned, under its real name (a renamed
	// allocator's too); for BadArgument, the host function's name; for
	// Unsupported, and NoAllocatorToWrite from CopyIn or HandOver, the
	// operation refused ("Adopt", "CopyIn", "HandOver").
	Export     string
	Ptr, Len   uint32
	MemorySize uint64
	MaxLen     uint32
	// InputLen is the length of an input that is too large (InputTooLarge)
	// or does not fit (DoesNotFit).
	InputLen int
	// Detail says in words what the check found (InvalidConvention,
	// WrongSignature, Unsupported, and what a missing export was for).
	Detail string
	// Buffers are the buffers concerned: those still held (Leaks), the one
	// overlapped (OverlapsHeldBuffer), the one misused (DoesNotFit, ForeignBuffer,
	// AlreadyReleased).
	Buffers []*Buffer
	// Err is the cause: the trap (CallFailed), the failed check
	// (BadArgument).
	Err error

	// argument: the range was a host function's argument, not a result.
	argument bool
	// operation: Export names an operation of this package, not an export.
	operation bool
}

func (e *Error) Error() string {
	switch e.Kind {
	case MissingExport:
		if e.Detail != "" {
			return fmt.Sprintf("the guest does not export %q, %s", e.Export, e.Detail)
		}
		return fmt.Sprintf("the guest does not export %q", e.Export)
	case WrongSignature:
		return fmt.Sprintf("%q has the wrong type for %s", e.Export, e.Detail)
	case InvalidConvention:
		return "invalid convention: " + e.Detail
	case InputTooLarge:
		return fmt.Sprintf("an input of %d bytes is too large for a 32-bit guest (%q)", e.InputLen, e.Export)
	case AllocationFailed:
		return fmt.Sprintf("%q could not allocate %d bytes (it returned 0)", e.Export, e.Len)
	case OutOfBounds:
		return fmt.Sprintf("%s %d bytes at %#x, ending at %#x, past the end of its %d-byte memory",
			e.subject(), e.Len, e.Ptr, uint64(e.Ptr)+uint64(e.Len), e.MemorySize)
	case Overflow:
		return fmt.Sprintf("%s %d bytes at %#x: the end overflows a 32-bit address", e.subject(), e.Len, e.Ptr)
	case TooLong:
		return fmt.Sprintf("%s %d bytes at %#x, more than the %d bytes the host accepts",
			e.subject(), e.Len, e.Ptr, e.MaxLen)
	case NotUTF8:
		return fmt.Sprintf("%s %d bytes at %#x that are not UTF-8", e.subject(), e.Len, e.Ptr)
	case NoAllocatorToWrite:
		if e.operation {
			return fmt.Sprintf("%s cannot write into the guest: its convention has no allocator", e.Export)
		}
		return fmt.Sprintf("cannot pass input to %q: this guest's convention has no allocator", e.Export)
	case BadArgument:
		return fmt.Sprintf("bad argument: %v", e.Err)
	case DoesNotFit:
		return fmt.Sprintf("%d bytes do not fit in %v", e.InputLen, e.buffer())
	case OverlapsHeldBuffer:
		return fmt.Sprintf("%d bytes at %#x from %q overlap %v, which the host already holds",
			e.Len, e.Ptr, e.Export, e.buffer())
	case ForeignBuffer:
		return fmt.Sprintf("%v did not come from this guest: a buffer goes back only to the guest it came from",
			e.buffer())
	case AlreadyReleased:
		return fmt.Sprintf("%v was already released", e.buffer())
	case Unsupported:
		return fmt.Sprintf("%s is not supported here: %s", e.Export, e.Detail)
	case Leaks:
		described := make([]string, len(e.Buffers))
		for i, buffer := range e.Buffers {
			described[i] = buffer.String()
		}
		if len(e.Buffers) == 1 {
			return "1 buffer was not released: " + described[0]
		}
		return fmt.Sprintf("%d buffers were not released: %s", len(e.Buffers), strings.Join(described, "; "))
	default:
		return fmt.Sprintf("calling %q failed: %v", e.Export, e.Err)
	}
}

// subject is who handed over the range the error is about.
func (e *Error) subject() string {
	if e.argument {
		return fmt.Sprintf("host function %q was passed", e.Export)
	}
	return fmt.Sprintf("%q returned", e.Export)
}

func (e *Error) buffer() *Buffer {
	if len(e.Buffers) == 0 {
		return nil
	}
	return e.Buffers[0]
}

// Is makes errors.Is(err, kind) true for an *Error of that kind.
func (e *Error) Is(target error) bool {
	kind, ok := target.(ErrorKind)
	return ok && kind == e.Kind
}

// Unwrap is the cause: the trap for CallFailed, the check for BadArgument.
func (e *Error) Unwrap() error { return e.Err }

// join is errors.Join that returns a lone error as it is, so that the
// first error keeps its type when the second is nil.
func join(first, second error) error {
	if second == nil {
		return first
	}
	if first == nil {
		return second
	}
	return errors.Join(first, second)
}
