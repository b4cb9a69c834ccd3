package chapter12_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"unsafe"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"example.com/wasm-memory-book/go/wazerohost/internal/booktest"
)

var hostName = strings.Repeat("F", 1) + "erris"

func TestExperiment(t *testing.T) {
	ctx := context.Background()
	for i := 0; i < 20; i++ {
		r := wazero.NewRuntime(ctx)
		var packed uint64
		_, err := r.NewHostModuleBuilder("env").
			NewFunctionBuilder().WithFunc(func(ctx context.Context, m api.Module, p, l uint32) {}).Export("log").
			NewFunctionBuilder().WithFunc(func(ctx context.Context, m api.Module, p, l uint32) int32 { return 0 }).Export("try_log").
			NewFunctionBuilder().WithFunc(func(ctx context.Context, m api.Module, p, l uint32) uint32 { return 0 }).Export("fill_name").
			NewFunctionBuilder().WithFunc(func(ctx context.Context, m api.Module) uint64 {
				name := []byte(hostName)
				packed = uint64(len(name))<<32 | uint64(uintptr(unsafe.Pointer(&name[0])))
				return packed
			}).Export("fetch_name").Instantiate(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var messages []string
		module := booktest.Instantiate(ctx, t, r, "CH12_HOST_CALLS", booktest.Options{Messages: &messages})
		_, err = module.ExportedFunction("greet_fetched").Call(ctx)
		fmt.Printf("%#x size %#x: %v %q\n", packed, module.Memory().Size(), err, messages)
		r.Close(ctx)
	}
}
