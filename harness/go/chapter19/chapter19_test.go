// Chapter 19: what wazero makes of the chapter's guests. It runs none of
// the features beyond one 32-bit memory but shared memory, which is
// experimental and off unless the runtime's configuration turns it on.
package chapter19_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"

	"example.com/wasm-memory-book/harness/booktest"
)

// compileError is the error wazero's default runtime gives for a listing.
func compileError(t *testing.T, config wazero.RuntimeConfig, listing string) error {
	t.Helper()
	ctx := context.Background()
	r := wazero.NewRuntimeWithConfig(ctx, config)
	defer r.Close(ctx)
	_, err := r.CompileModule(ctx, booktest.Artifact(t, listing))
	return err
}

// TestWazeroRefusesTheChaptersGuests records the error for each guest, as
// the chapter quotes it.
func TestWazeroRefusesTheChaptersGuests(t *testing.T) {
	var report strings.Builder
	for _, listing := range []string{"CH19_MEMORY64", "CH19_MAILBOX", "CH19_SHARED_WRITER", "CH19_GC_BYTES", "CH19_GC_STRINGS"} {
		err := compileError(t, wazero.NewRuntimeConfig(), listing)
		if err == nil {
			t.Fatalf("wazero compiled %s", listing)
		}
		fmt.Fprintf(&report, "%s:\n  %s\n", listing, err)
	}
	booktest.ExpectFile(t, "ch19-beyond-one-memory/wazero.txt", report.String())
}

// TestWazeroCompilesSharedMemoryWithThreadsOn: the one feature of the
// chapter that wazero has, behind its experimental flag.
func TestWazeroCompilesSharedMemoryWithThreadsOn(t *testing.T) {
	// ANCHOR: threads
	config := wazero.NewRuntimeConfig().
		WithCoreFeatures(api.CoreFeaturesV2 | experimental.CoreFeaturesThreads)
	// ANCHOR_END: threads
	if err := compileError(t, config, "CH19_SHARED_WRITER"); err != nil {
		t.Fatal(err)
	}
	if err := compileError(t, config, "CH19_MEMORY64"); err == nil {
		t.Fatal("the threads flag turned memory64 on as well")
	}
}
