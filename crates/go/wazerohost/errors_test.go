package wazerohost_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"example.com/wasm-memory-book/go/wazerohost"
)

// ErrorKind is an error, so that errors.Is asks for a kind through any
// wrapping; errors.As gives the *Error and its fields; Unwrap the cause.
func TestErrorsWorkWithErrorsIsAndAs(t *testing.T) {
	for _, kind := range wazerohost.Kinds() {
		if name := kind.String(); name == "" || strings.HasPrefix(name, "ErrorKind(") {
			t.Errorf("kind %d has no name", kind)
		}
	}
	if got := wazerohost.ErrorKind(99).String(); got != "ErrorKind(99)" {
		t.Error(got)
	}
	if got := wazerohost.OutOfBounds.Error(); got != "wazerohost: OutOfBounds" {
		t.Error(got)
	}
	trap := errors.New("wasm error: unreachable")
	refused := &wazerohost.Error{Kind: wazerohost.CallFailed, Export: "shout", Err: trap}
	wrapped := fmt.Errorf("shouting: %w", refused)
	var found *wazerohost.Error
	switch {
	case !errors.Is(wrapped, wazerohost.CallFailed):
		t.Error("errors.Is misses the kind")
	case errors.Is(wrapped, wazerohost.OutOfBounds):
		t.Error("errors.Is matches another kind")
	case !errors.Is(wrapped, trap):
		t.Error("errors.Is misses the cause")
	case !errors.As(wrapped, &found) || found != refused:
		t.Error("errors.As misses the *Error")
	case wrapped.Error() != `shouting: calling "shout" failed: wasm error: unreachable`:
		t.Error(wrapped)
	}
}
