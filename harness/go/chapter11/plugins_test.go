package chapter11_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"example.com/wasm-memory-book/go/wazerohost"
	"example.com/wasm-memory-book/harness/booktest"
)

// ANCHOR: plugin_host
// pluginHost instantiates the host module "env" that the plugins import.
// Each host function wraps the module calling it with New, which is cheap
// (it calls nothing in the guest), under the plugin's convention. A host
// function that panics traps the guest; the host's call returns the error.
func pluginHost(ctx context.Context, t testing.TB, r wazero.Runtime, convention wazerohost.Convention,
	logged *[]string) {
	t.Helper()
	// log, with a (ptr, len): a message the plugin lends for the call.
	log := func(ctx context.Context, m api.Module, ptr, length uint32) {
		guest, err := wazerohost.New(m, convention)
		if err != nil {
			panic(err)
		}
		message, err := guest.ReadArgumentString("log", ptr, length)
		if err != nil {
			panic(err)
		}
		*logged = append(*logged, message)
	}
	// decorate(ptr, len) -> packed (ptr, len): bytes the host allocates in
	// the plugin, with the plugin's allocator. The plugin owns them then.
	decorate := func(ctx context.Context, m api.Module, ptr, length uint32) uint64 {
		guest, err := wazerohost.New(m, convention)
		if err != nil {
			panic(err)
		}
		text, err := guest.ReadArgumentString("decorate", ptr, length)
		if err != nil {
			panic(err)
		}
		ptr, length, err = guest.HandOver(ctx, []byte("~"+text+"~"))
		if err != nil {
			panic(err)
		}
		return convention.Order.Pack(ptr, length)
	}
	_, err := r.NewHostModuleBuilder("env").
		NewFunctionBuilder().WithFunc(log).Export("log").
		NewFunctionBuilder().WithFunc(decorate).Export("decorate").
		Instantiate(ctx)
	if err != nil {
		t.Fatal(err)
	}
}

// ANCHOR_END: plugin_host

// ANCHOR: plugin_conventions
// The conventions of three plugins written elsewhere: their allocators'
// names, and pointer-high packing, are only written here.
func rustPlugin() wazerohost.Convention { // plugin_alloc(len) ptr, plugin_free(ptr, len)
	return wazerohost.Convention{Allocator: wazerohost.AllocateDeallocate, Order: wazerohost.PointerHigh,
		AllocName: "plugin_alloc", FreeName: "plugin_free"}
}

func goPlugin() wazerohost.Convention { // guest_malloc(size) ptr, guest_free(ptr)
	return wazerohost.Convention{Allocator: wazerohost.MallocFree, Order: wazerohost.PointerHigh,
		AllocName: "guest_malloc", FreeName: "guest_free"}
}

func watPlugin() wazerohost.Convention { // alloc(size) ptr, dealloc(ptr, size)
	return wazerohost.Convention{Allocator: wazerohost.AllocateDeallocate, Order: wazerohost.PointerHigh,
		AllocName: "alloc", FreeName: "dealloc"}
}

// ANCHOR_END: plugin_conventions

// Each plugin through the same few lines: only the Convention differs.
func TestPlugins(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name, artifact string
		convention     wazerohost.Convention
		logs           string
	}{
		{"Rust", "CH08_PLUGIN_RUST", rustPlugin(), "upper: 13 bytes"},
		{"Go reactor", "CH08_PLUGIN_GO", goPlugin(), "upper: 13 bytes"},
		{"wat", "CH08_PLUGIN", watPlugin(), "upper"},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			r := newRuntime(t, nil)
			var logged []string
			pluginHost(ctx, t, r, test.convention, &logged)
			module := booktest.Instantiate(ctx, t, r, test.artifact, booktest.Options{})
			// ANCHOR: plugin_call
			plugin, err := wazerohost.New(module, test.convention)
			if err != nil {
				t.Fatal(err)
			}
			upper, err := plugin.Export("upper")
			if err != nil {
				t.Fatal(err)
			}
			shouted, err := upper.CallString(ctx, "hello, plugin")
			// ANCHOR_END: plugin_call
			if err != nil || shouted != "HELLO, PLUGIN" {
				t.Fatalf("%q, %v", shouted, err)
			}
			if !slices.Equal(logged, []string{test.logs}) {
				t.Fatalf("logged %q", logged)
			}
			if n := live(ctx, t, module); n != 0 {
				t.Fatalf("%d buffers were not given back", n)
			}
		})
	}
}

// The Rust plugin asks the host to decorate its input: the host allocates
// the answer in the plugin (HandOver), the plugin returns it, and the host
// frees it like any result.
func TestAHostFunctionHandsOverABuffer(t *testing.T) {
	ctx := context.Background()
	r := newRuntime(t, nil)
	convention := rustPlugin()
	var logged []string
	pluginHost(ctx, t, r, convention, &logged)
	module := booktest.Instantiate(ctx, t, r, "CH08_PLUGIN_RUST", booktest.Options{})
	plugin := must(wazerohost.New(module, convention))(t)
	decorated := must(plugin.Export("decorated"))(t)
	for range 10 {
		if got := must(decorated.CallString(ctx, "plugin"))(t); got != "~plugin~" {
			t.Fatal(got)
		}
	}
	if n := live(ctx, t, module); n != 0 {
		t.Fatalf("%d buffers were not given back", n)
	}
}

// A host function that refuses its argument traps the call: the host's
// error is CallFailed, and wraps the BadArgument and the check.
func TestABadArgumentTrapsTheCall(t *testing.T) {
	ctx := context.Background()
	r := newRuntime(t, nil)
	convention := rustPlugin()
	convention.MaxLen = 4 // shorter than the plugin's message
	var logged []string
	pluginHost(ctx, t, r, convention, &logged)
	module := booktest.Instantiate(ctx, t, r, "CH08_PLUGIN_RUST", booktest.Options{})
	_, err := must(wazerohost.New(module, convention))(t).CallString(ctx, "upper", "hi")
	expectKind(t, err, wazerohost.CallFailed, `calling "upper" failed`,
		`bad argument: host function "log" was passed 14 bytes`, "more than the 4 bytes the host accepts")
	expectKind(t, err, wazerohost.BadArgument)
	expectKind(t, err, wazerohost.TooLong)
	if n := live(ctx, t, module); len(logged) != 0 || n != 0 {
		t.Fatalf("logged %q, %d live", logged, n)
	}
}

// The wat plugin's allocator returns 0 when memory cannot grow, and its
// `spin` is no export to call through a handle.
func TestAFullPlugin(t *testing.T) {
	ctx := context.Background()
	r := newRuntime(t, wazero.NewRuntimeConfig().WithMemoryLimitPages(4))
	convention := watPlugin()
	var logged []string
	pluginHost(ctx, t, r, convention, &logged)
	module := booktest.Instantiate(ctx, t, r, "CH08_PLUGIN", booktest.Options{})
	plugin := must(wazerohost.New(module, convention))(t)
	if full := must(module.ExportedFunction("grow_until_refused").Call(ctx))(t)[0]; full != 4 {
		t.Fatalf("%d pages", full)
	}
	_, err := plugin.CallString(ctx, "upper", strings.Repeat("x", 4<<16))
	expectKind(t, err, wazerohost.AllocationFailed, `"alloc" could not allocate 262144 bytes (it returned 0)`)
	_, err = plugin.OutputExport("spin")
	expectKind(t, err, wazerohost.WrongSignature, `"spin" has the wrong type`, "takes [] and returns [], not [] and [i64]")
	if n := live(ctx, t, module); n != 0 {
		t.Fatalf("%d live", n)
	}
}
