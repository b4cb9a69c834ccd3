"""The atlas's Extism card, run from Python: the Python SDK, extism 1.1.1,
over libextism 1.41.0 (the package extism-sys)."""

import base64
import gc
import http.server
import json
import threading
import unittest
from unittest import mock

import extism
import wasmtime

# The C API's functions, which the Python SDK binds with cffi; 1.1.1 wraps
# most of them, not `extism_plugin_reset`.
from extism.extism import CompiledPlugin, _ffi, _lib

from book import artifact, expect_file

MIB = 1024 * 1024

# libextism logs why a host function failed; the exception the Python SDK
# raises says only that the call failed. One buffered logger per process (it
# is global), drained by `last_cause`.
_LOG_LINES = []
_LOGGER = extism.set_log_custom(_LOG_LINES.append, "error")


# ANCHOR: plugins
def last_cause():
    """The innermost reason libextism logged for the last failed call."""
    _LOGGER.drain()
    causes = [
        line.split("Caused by:", 1)[1].strip().splitlines()[0].strip()
        for line in _LOG_LINES
        if "Caused by:" in line
    ]
    _LOG_LINES.clear()
    return causes[-1] if causes else None


def plugin():
    """Chapter 17's shouting plug-in, `shout.wasm`."""
    return extism.Plugin(artifact("CH17_EXTISM_SHOUT"), wasi=False)
# ANCHOR_END: plugins


class ExtismPython(unittest.TestCase):
    def test_the_runtime_is_the_pinned_one(self):
        self.assertEqual(extism.extism_version(), "1.41.0")

    # ANCHOR: call
    def test_a_call_copies_bytes_in_and_out(self):
        with plugin() as shouter:
            # No pointer of the plug-in reaches Python: `call` copies the
            # input into the kernel's memory and the output out of it.
            self.assertEqual(shouter.call("shout", b"hello, extism"), b"HELLO, EXTISM")
    # ANCHOR_END: call

    def test_an_output_past_its_block_is_returned_without_an_error(self):
        with plugin() as shouter:
            self.assertEqual(shouter.call("lie", b""), b"SHOUTED!" + bytes(8))

    def test_an_output_outside_the_kernel_memory_is_empty(self):
        with plugin() as shouter:
            self.assertEqual(shouter.call("lie_outside", b""), b"")

    def test_an_unknown_function_is_an_error(self):
        with plugin() as shouter, self.assertRaisesRegex(extism.Error, "^Function not found: nope$"):
            shouter.call("nope", b"")

    def test_what_the_card_shows(self):
        with plugin() as shouter:
            lines = [
                f"shout: {shouter.call('shout', b'hello, extism')!r}",
                f"lie: {shouter.call('lie', b'')!r}",
                f"lie_outside: {shouter.call('lie_outside', b'')!r}",
            ]
            try:
                shouter.call("nope", b"")
            except extism.Error as error:
                lines.append(f"nope: extism.Error: {error}")
        expect_file("atlas-hosts/extism-python.txt", "\n".join(lines) + "\n")


class LargeInputs(unittest.TestCase):
    # ANCHOR: large_input
    def test_the_calls_after_a_large_input_still_work(self):
        with plugin() as shouter:
            # 50 MiB in and 50 MiB out: the kernel's memory grows to hold both.
            self.assertEqual(len(shouter.call("shout", b"a" * (50 * MIB))), 50 * MIB)
            # The next calls start by clearing what the last one used.
            for _ in range(3):
                self.assertEqual(shouter.call("shout", b"ok"), b"OK")

    def test_a_reset_after_a_large_call_keeps_the_plugin_working(self):
        with plugin() as shouter:
            shouter.call("shout", b"a" * (50 * MIB))
            # extism_plugin_reset (Plugin::reset in Rust): clears the kernel's
            # memory now, rather than at the start of the next call. It
            # invalidates the last output, which `call` has already copied.
            self.assertTrue(_lib.extism_plugin_reset(shouter.plugin))
            self.assertEqual(shouter.call("shout", b"ok"), b"OK")
    # ANCHOR_END: large_input


# ANCHOR: fetch_plugin
# A plug-in that fetches the URL its input names: the input, already in the
# kernel's memory, is the JSON request `http_request` expects; the response
# comes back as a block of the kernel's memory, which becomes the output.
FETCH = """
(module
  (import "extism:host/env" "input_offset" (func $input_offset (result i64)))
  (import "extism:host/env" "http_request" (func $http_request (param i64 i64) (result i64)))
  (import "extism:host/env" "length" (func $length (param i64) (result i64)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (func (export "fetch") (result i32)
    (local $response i64)
    (local.set $response (call $http_request (call $input_offset) (i64.const 0)))
    (call $output_set (local.get $response) (call $length (local.get $response)))
    (i32.const 0)))
"""
# ANCHOR_END: fetch_plugin


class Responses(http.server.BaseHTTPRequestHandler):
    """Answers GET /N with N bytes."""

    def do_GET(self):
        size = int(self.path.strip("/"))
        self.send_response(200)
        self.send_header("Content-Length", str(size))
        self.end_headers()
        self.wfile.write(b"x" * size)

    def log_message(self, *args):
        pass


class HttpResponseLimit(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Responses)
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()
        cls.wasm = wasmtime.wat2wasm(FETCH)

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.server.server_close()

    def fetch(self, size, memory=None):
        """Fetches `size` bytes through the plug-in, with `memory` as the
        manifest's memory options."""
        # ANCHOR: manifest
        manifest = {
            "wasm": [{"data": base64.b64encode(self.wasm).decode()}],
            "allowed_hosts": ["127.0.0.1"],
        }
        if memory is not None:
            manifest["memory"] = memory  # {"max_http_response_bytes": ...}
        # ANCHOR_END: manifest
        url = f"http://127.0.0.1:{self.server.server_port}/{size}"
        with extism.Plugin(manifest, wasi=False) as fetcher:
            return fetcher.call("fetch", json.dumps({"url": url}))

    # ANCHOR: limit
    def test_a_response_past_50_mib_is_refused_by_default(self):
        with self.assertRaisesRegex(extism.Error, "^error while executing at wasm backtrace:"):
            self.fetch(50 * MIB + 1)
        self.assertEqual(
            last_cause(), "HTTP response exceeds the configured maximum number of bytes: 52428800"
        )

    def test_the_manifest_raises_the_limit(self):
        response = self.fetch(50 * MIB + 1, {"max_http_response_bytes": 64 * MIB})
        self.assertEqual(len(response), 50 * MIB + 1)
    # ANCHOR_END: limit

    def test_the_manifest_lowers_the_limit(self):
        with self.assertRaises(extism.Error):
            self.fetch(MIB + 1, {"max_http_response_bytes": MIB})
        self.assertEqual(
            last_cause(), "HTTP response exceeds the configured maximum number of bytes: 1048576"
        )

    def test_what_the_card_shows(self):
        lines = []
        try:
            self.fetch(50 * MIB + 1)
        except extism.Error as error:
            lines.append(f"50 MiB + 1 byte, default limit: extism.Error: {str(error).splitlines()[0]}")
            lines.append(f"  libextism's log, caused by: {last_cause()}")
        response = self.fetch(50 * MIB + 1, {"max_http_response_bytes": 64 * MIB})
        lines.append(f"the same with max_http_response_bytes = 64 MiB: {len(response)} bytes")
        expect_file("atlas-hosts/extism-http-limit.txt", "\n".join(lines) + "\n")


# ANCHOR: kernel_blocks
# A plug-in that allocates in the kernel's memory through `alloc` and
# `free`, as a PDK does, in blocks of 40,000 bytes.
BLOCKS = """
(module
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "free" (func $free (param i64)))
  (import "extism:host/env" "store_u64" (func $store_u64 (param i64 i64)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  ;; a block whose first 8 bytes are `byte`
  (func $block (param $byte i64) (result i64)
    (local $b i64)
    (local.set $b (call $alloc (i64.const 40000)))
    (call $store_u64 (local.get $b)
      (i64.mul (local.get $byte) (i64.const 0x0101010101010101)))
    (local.get $b))
  (func $output_u64 (param $value i64)
    (local $o i64)
    (local.set $o (call $alloc (i64.const 8)))
    (call $store_u64 (local.get $o) (local.get $value))
    (call $output_set (local.get $o) (i64.const 8)))
  ;; 100 blocks, none freed; the output is the last one's offset
  (func (export "hundred_kept") (result i32)
    (local $i i32) (local $b i64)
    (loop $next
      (local.set $b (call $block (i64.const 0x58)))
      (br_if $next (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                             (i32.const 100))))
    (call $output_u64 (local.get $b))
    (i32.const 0))
  ;; 100 blocks, each freed when done with
  (func (export "hundred_freed") (result i32)
    (local $i i32) (local $b i64)
    (loop $next
      (local.set $b (call $block (i64.const 0x58)))
      (call $free (local.get $b))
      (br_if $next (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                             (i32.const 100))))
    (call $output_u64 (local.get $b))
    (i32.const 0))
  ;; the output is a block of "h"; the plug-in frees it (the mistake), then
  ;; goes on allocating and freeing blocks of "X"
  (func (export "output_then_free") (result i32)
    (local $out i64) (local $i i32)
    (local.set $out (call $block (i64.const 0x68)))
    (call $output_set (local.get $out) (i64.const 8))
    (call $free (local.get $out))
    (loop $next
      (call $free (call $block (i64.const 0x58)))
      (br_if $next (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                             (i32.const 100))))
    (i32.const 0))
  ;; the same, leaving the output block to the host
  (func (export "output_kept") (result i32)
    (local $out i64) (local $i i32)
    (local.set $out (call $block (i64.const 0x68)))
    (call $output_set (local.get $out) (i64.const 8))
    (loop $next
      (call $free (call $block (i64.const 0x58)))
      (br_if $next (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                             (i32.const 100))))
    (i32.const 0)))
"""


def blocks_plugin():
    return extism.Plugin(bytes(wasmtime.wat2wasm(BLOCKS)), wasi=False)


def offset(output):
    """The offset a call returned, as 8 little-endian bytes."""
    return int.from_bytes(output, "little")
# ANCHOR_END: kernel_blocks


class KernelMemoryPerCall(unittest.TestCase):
    # ANCHOR: kernel_blocks_test
    def test_blocks_never_freed_are_reclaimed_at_the_next_call(self):
        with blocks_plugin() as plugin:
            first = offset(plugin.call("hundred_kept", b""))
            # Within the call, nothing was reused: the 100th block lies
            # past the 99 before it.
            self.assertGreater(first, 99 * 40000)
            # The next call starts from an empty kernel memory: no leak.
            self.assertEqual(offset(plugin.call("hundred_kept", b"")), first)

    def test_blocks_freed_within_a_call_are_reused(self):
        with blocks_plugin() as plugin:
            self.assertLess(offset(plugin.call("hundred_freed", b"")), 2 * 40000)

    def test_an_output_block_the_plugin_frees_is_overwritten(self):
        with blocks_plugin() as plugin:
            self.assertEqual(plugin.call("output_then_free", b""), b"XXXXXXXX")

    def test_an_output_block_left_to_the_host_arrives_intact(self):
        with blocks_plugin() as plugin:
            self.assertEqual(plugin.call("output_kept", b""), b"hhhhhhhh")
    # ANCHOR_END: kernel_blocks_test

    def test_a_kernel_grown_by_a_large_call_reuses_freed_blocks_only_when_full(self):
        with blocks_plugin() as plugin:
            kept = offset(plugin.call("hundred_kept", b""))
            # The kernel's memory now holds 4 MB: a freed block is reused
            # only when the next one would not fit, so this call bumps on.
            self.assertEqual(offset(plugin.call("hundred_freed", b"")), kept)

    def test_what_the_card_shows(self):
        lines = []
        with blocks_plugin() as plugin:
            kept = [offset(plugin.call("hundred_kept", b"")) for _ in range(2)]
            lines.append(f"hundred_kept, two calls: last block at offsets {kept}")
        with blocks_plugin() as plugin:
            freed = offset(plugin.call("hundred_freed", b""))
            lines.append(f"hundred_freed, a fresh plug-in: last block at offset {freed}")
        with blocks_plugin() as plugin:
            lines.append(f"output_then_free: {plugin.call('output_then_free', b'')!r}")
            lines.append(f"output_kept: {plugin.call('output_kept', b'')!r}")
        expect_file("atlas-hosts/extism-kernel-blocks.txt", "\n".join(lines) + "\n")


# ANCHOR: address_space
def address_space():
    """The process's virtual size, in bytes (VmSize in /proc/self/status).
    wasmtime reserves gigabytes of address space for each memory of each
    plug-in, and gives it back when the plug-in is freed."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmSize in /proc/self/status")
# ANCHOR_END: address_space


# ANCHOR: old_del
def del_before_the_fix(self):
    """Plugin.__del__ of extism 1.0.4, before extism/python-sdk#38: the
    handle lives in `self.plugin`, so the guard always returns."""
    if not hasattr(self, "pointer"):
        return
    _lib.extism_plugin_free(self.plugin)
    self.plugin = -1
# ANCHOR_END: old_del

GIB = 1 << 30


class PluginsInALoop(unittest.TestCase):
    def create_and_destroy(self, count, handles=None):
        """What the reader's service did: a fresh plug-in per request."""
        for _ in range(count):
            with plugin() as shouter:
                shouter.call("shout", b"hi")
                if handles is not None:
                    handles.append(shouter.plugin)
        gc.collect()

    # ANCHOR: plugin_loop
    def test_before_the_fix_no_plugin_is_freed(self):
        self.create_and_destroy(2)
        before = address_space()
        handles = []
        with mock.patch.object(extism.Plugin, "__del__", del_before_the_fix):
            self.create_and_destroy(10, handles)
        grown = address_space() - before
        for handle in handles:  # free what the old code leaked
            _lib.extism_plugin_free(handle)
        self.assertGreater(grown, 10 * GIB)

    def test_the_fixed_del_frees_every_plugin(self):
        self.create_and_destroy(2)
        before = address_space()
        self.create_and_destroy(10)
        self.assertLess(address_space() - before, GIB)

    def test_del_after_the_with_block_is_harmless(self):
        with plugin() as shouter:
            shouter.call("shout", b"hi")
        shouter.__del__()  # __exit__ already freed it: the guard sees -1
        self.assertEqual(shouter.plugin, -1)
    # ANCHOR_END: plugin_loop

    def test_what_the_card_shows(self):
        self.create_and_destroy(2)
        before = address_space()
        handles = []
        with mock.patch.object(extism.Plugin, "__del__", del_before_the_fix):
            self.create_and_destroy(10, handles)
        old = address_space() - before
        for handle in handles:
            _lib.extism_plugin_free(handle)
        before = address_space()
        self.create_and_destroy(10)
        new = address_space() - before
        lines = [
            f"10 plug-ins, the __del__ of extism 1.0.4: address space grew by 10 GiB or more: "
            f"{old >= 10 * GIB}",
            f"10 plug-ins, the __del__ of extism 1.1.1: grew by less than 1 GiB: {new < GIB}",
        ]
        expect_file("atlas-hosts/extism-plugin-loop.txt", "\n".join(lines) + "\n")


class OnePluginPerThread(unittest.TestCase):
    # ANCHOR: interleaved
    def test_a_call_between_a_call_and_its_output_replaces_it(self):
        with plugin() as shared:
            # `Plugin.call` is two steps: the call, then reading its output.
            # libextism locks the plug-in for the call only, so a second
            # thread's call can come in between, as here, one after the other.
            first = _lib.extism_plugin_call(shared.plugin, b"shout", b"first", 5)
            second = _lib.extism_plugin_call(shared.plugin, b"shout", b"second", 6)
            self.assertEqual((first, second), (0, 0))
            length = _lib.extism_plugin_output_length(shared.plugin)
            output = bytes(_ffi.buffer(_lib.extism_plugin_output_data(shared.plugin), length))
            self.assertEqual(output, b"SECOND")  # the first caller's output is gone
    # ANCHOR_END: interleaved

    # ANCHOR: per_thread
    def test_each_thread_calls_its_own_plugin(self):
        # Compile once; each thread instantiates its own plug-in from it.
        compiled = CompiledPlugin(artifact("CH17_EXTISM_SHOUT"), False)
        outputs = {}

        def work(name):
            with extism.Plugin(compiled, wasi=False) as own:
                outputs[name] = [own.call("shout", f"{name}, call {i}") for i in range(100)]

        threads = [threading.Thread(target=work, args=(f"thread {n}",)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for name, got in outputs.items():
            self.assertEqual(got, [f"{name}, call {i}".upper().encode() for i in range(100)])
        self.assertEqual(len(outputs), 4)
    # ANCHOR_END: per_thread


if __name__ == "__main__":
    unittest.main()
