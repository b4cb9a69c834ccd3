"""Chapter 2: linear memory from a Python host (wasmtime-py), the twin of
harness/rust/tests/chapters/ch02_linear_memory.rs: the same compiled
listings, the same steps, the same expected outputs where the answer does
not depend on the host."""

import struct
import unittest

import wasmtime

from book import artifact_path, expect_file, instantiate


def load(name):
    """A fresh store, and the listing named like its Rust constant, compiled."""
    engine = wasmtime.Engine()
    return wasmtime.Store(engine), wasmtime.Module.from_file(engine, artifact_path(name))


def causes(message):
    """The causes wasmtime lists under "Caused by:", without their numbers."""
    lines = message.split("Caused by:")[1].strip().splitlines()
    return "; ".join(line.strip().split(": ", 1)[1] for line in lines)


def hex6(number):
    return f"{number:#08x}"


class PointerIsOffset(unittest.TestCase):
    def test_the_host_reads_and_writes_at_the_address(self):
        store, exports = instantiate("CH02_POINTER_IS_OFFSET")
        # ANCHOR: pointer
        memory = exports["memory"]

        exports["increment"](store)
        at = exports["counter_address"](store)

        # `read` copies bytes out, like slicing a list.
        counter = memory.read(store, at, at + 4)
        self.assertEqual(int.from_bytes(counter, "little"), 1)

        # `write` copies bytes in, checking the bounds. The guest sees the new value.
        memory.write(store, (41).to_bytes(4, "little"), at)
        self.assertEqual(exports["increment"](store), 42)

        # `get_buffer_ptr` is the whole memory as a ctypes array: no copy.
        view = memory.get_buffer_ptr(store)
        self.assertEqual(bytes(view[at : at + 4]), (42).to_bytes(4, "little"))
        # ANCHOR_END: pointer

    def test_statics_sit_between_the_stack_and_the_heap(self):
        store, exports = instantiate("CH02_POINTER_IS_OFFSET")
        counter = exports["counter_address"](store)
        data_end = exports["__data_end"].value(store)
        heap_base = exports["__heap_base"].value(store)
        memory_size = exports["memory"].data_len(store)
        stack_size = 1 << 20
        self.assertTrue(stack_size <= counter < counter + 4 <= data_end <= heap_base < memory_size)
        expect_file(
            "ch02-linear-memory/pointer-is-offset.txt",
            f"stack (grows down)   0x000000 .. {hex6(stack_size)}\n"
            f"COUNTER              {hex6(counter)} .. {hex6(counter + 4)}\n"
            f"__data_end           {hex6(data_end)}\n"
            f"__heap_base          {hex6(heap_base)}\n"
            f"end of memory        {hex6(memory_size)}  ({memory_size // 65536} pages)\n",
        )
        expect_file(
            "ch02-linear-memory/layout.mmd",
            "block-beta\n  columns 4\n  "
            f'stack["stack, grows down\\n0x000000 .. {hex6(stack_size)}"] '
            f'statics["statics: COUNTER\\n{hex6(counter)} .. {hex6(data_end)}"] '
            f'heap["heap\\n{hex6(heap_base)} (__heap_base) .."] '
            f'grown["pages memory.grow adds\\nfrom {hex6(memory_size)}"]\n',
        )


class PagesAndGrow(unittest.TestCase):
    def test_guest_and_host_grow_the_same_memory_up_to_a_limit(self):
        store, module = load("CH02_PAGES_AND_GROW")
        # ANCHOR: grow
        PAGE_SIZE = 65536
        # The host caps this store's memories at 20 pages.
        store.set_limits(memory_size=20 * PAGE_SIZE)
        exports = wasmtime.Instance(store, module, []).exports(store)
        memory = exports["memory"]
        memory_pages, grow_memory = exports["memory_pages"], exports["grow_memory"]

        # 16 pages: 1 MiB of stack, and this guest has no statics.
        self.assertEqual(memory_pages(store), 16)
        self.assertEqual(memory.data_len(store), 16 * PAGE_SIZE)

        # The guest grows by 2 pages; `memory.grow` returns the old size.
        self.assertEqual(grow_memory(store, 2), 16)
        # The host grows the same memory; the guest sees it at once.
        self.assertEqual(memory.grow(store, 1), 18)
        self.assertEqual(memory_pages(store), 19)

        self.assertEqual(grow_memory(store, 1), 19)  # to 20 pages: allowed
        self.assertEqual(grow_memory(store, 1), -1)  # to 21: refused, no trap
        self.assertEqual(memory.size(store), 20)  # and nothing changed

        # The same request from the host raises.
        with self.assertRaises(wasmtime.WasmtimeError) as refused:
            memory.grow(store, 1)
        self.assertEqual(str(refused.exception), "failed to grow memory by `1`")
        # ANCHOR_END: grow

    def test_a_view_made_before_the_guest_grows_the_memory_goes_stale(self):
        store, exports = instantiate("CH02_PAGES_AND_GROW")
        # ANCHOR: stale
        memory = exports["memory"]

        before = memory.get_buffer_ptr(store)  # no copy: the memory itself
        length = len(before)
        exports["grow_memory"](store, 1)

        # The ctypes array keeps the length and the address it was made
        # with: the new page is not in it, and if the memory moved (that
        # depends on wasmtime's configuration), it points at freed memory.
        self.assertEqual(len(before), length)
        self.assertEqual(memory.data_len(store), length + 65536)

        # A view made after the call sees the grown memory.
        self.assertEqual(len(memory.get_buffer_ptr(store)), length + 65536)
        # ANCHOR_END: stale


class StructLayout(unittest.TestCase):
    def test_the_host_decodes_a_repr_c_struct(self):
        store, exports = instantiate("CH02_STRUCT_LAYOUT")
        # ANCHOR: decode
        def call(name):
            return exports[name](store)

        # The guest's compiler decided the layout; the host checks it agrees.
        self.assertEqual(call("sample_size"), 12)
        self.assertEqual(call("sample_align"), 4)
        self.assertEqual(call("sample_value_offset"), 4)
        self.assertEqual(call("sample_scale_offset"), 8)
        # Without `#[repr(C)]` Rust reordered the fields and dropped a padding gap.
        self.assertEqual(call("default_repr_size"), 8)

        address = call("sample_address")
        data = exports["memory"].read(store, address, address + 12)
        # Little-endian: the least significant byte comes first.
        self.assertEqual(data[4:8], bytes([0x44, 0x33, 0x22, 0x11]))
        # "<": little-endian, no padding; "x" skips a padding byte.
        kind, value, scale = struct.unpack_from("<B3xIH", data)
        self.assertEqual((kind, value, scale), (7, 0x1122_3344, 0xABCD))
        # ANCHOR_END: decode
        expect_file(
            "ch02-linear-memory/sample.txt",
            f"Sample at {address:#x}: {data.hex(' ')}\n"
            f"kind {kind}, value {value:#x}, scale {scale:#x}\n",
        )


class OutOfBounds(unittest.TestCase):
    def test_the_guest_traps_and_the_host_read_comes_back_short(self):
        store, exports = instantiate("CH02_OUT_OF_BOUNDS")
        # ANCHOR: out_of_bounds
        memory, load_byte = exports["memory"], exports["load_byte"]
        end = memory.data_len(store)

        # The last byte is fine, and so is address 0: wasm has no null page.
        self.assertEqual(load_byte(store, end - 1), 0)
        load_byte(store, 0)

        # One past the end: the guest's load traps, and the call raises.
        with self.assertRaises(wasmtime.Trap) as trap:
            load_byte(store, end)
        self.assertEqual(trap.exception.trap_code, wasmtime.TrapCode.MEMORY_OUT_OF_BOUNDS)

        # The host's `write` past the end raises...
        with self.assertRaises(IndexError):
            memory.write(store, b"\0\0\0\0", end - 2)
        # ...but `read` slices like a list: past the end it returns fewer
        # bytes, and no error. Check the range before reading.
        self.assertEqual(len(memory.read(store, end - 2, end + 2)), 2)
        # ANCHOR_END: out_of_bounds
        expect_file(
            "ch02-linear-memory/out-of-bounds-python.txt",
            f"guest load_byte({end:#x}): {causes(trap.exception.message)}\n"
            f"host memory.read({end - 2:#x}, {end + 2:#x}): "
            f"{len(memory.read(store, end - 2, end + 2))} bytes, no error\n",
        )


if __name__ == "__main__":
    unittest.main()
