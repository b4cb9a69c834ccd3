"""Chapter 4: returning bytes out, from wasmtime-py. Each anchor shown on the
page has a twin in the wasmtime, wazero and JavaScript rooms that asserts the
same thing on the same compiled listing, and writes the same expected file."""

import struct
import unittest

from book import expect_file, instantiate


# ANCHOR: checked_range
# The most bytes this host copies out of a guest in one read.
MAX_LEN = 64 * 1024


def checked_range(ptr, length, memory_size):
    """Where `length` bytes at `ptr` lie in a memory of `memory_size` bytes,
    as `(start, end)`, or a ValueError that says why the host refuses them.
    The cap comes first, before any arithmetic or allocation; Python's
    integers do not wrap, so an end past 32 bits is seen as it is."""
    at = f"{length} bytes at {ptr:#x}"
    if length > MAX_LEN:
        raise ValueError(f"{at}: more than the {MAX_LEN} bytes the host accepts")
    end = ptr + length
    if end > 0xFFFF_FFFF:
        raise ValueError(f"{at}: the end overflows a 32-bit address")
    if end > memory_size:
        raise ValueError(f"{at}: past the end of the {memory_size}-byte memory")
    return ptr, end
# ANCHOR_END: checked_range


def greet_packed(store, exports, name):
    """What `greet` returns for `name`, its input freed."""
    data = name.encode()
    name_ptr = exports["allocate"](store, len(data))
    exports["memory"].write(store, data, name_ptr)
    packed = exports["greet"](store, name_ptr, len(data))
    exports["deallocate"](store, name_ptr, len(data))
    return packed & 0xFFFF_FFFF_FFFF_FFFF


class ReturningBytesOut(unittest.TestCase):
    def test_the_host_unpacks_reads_and_frees(self):
        store, exports = instantiate("CH04_PACKED_RETURN")
        # ANCHOR: read_packed
        memory = exports["memory"]
        allocate, deallocate, greet = exports["allocate"], exports["deallocate"], exports["greet"]

        # The name goes in as in chapter 3, and is freed after the call.
        name = b"Ferris"
        name_ptr = allocate(store, len(name))
        memory.write(store, name, name_ptr)
        # An i64 arrives as a signed int: read it as unsigned.
        packed = greet(store, name_ptr, len(name)) & 0xFFFF_FFFF_FFFF_FFFF
        deallocate(store, name_ptr, len(name))

        # This book's order: pointer low, length high.
        ptr, length = packed & 0xFFFF_FFFF, packed >> 32
        start, end = checked_range(ptr, length, memory.data_len(store))
        greeting = bytes(memory.read(store, start, end)).decode("utf-8")
        # The buffer is the host's now: free it with the length the guest gave.
        deallocate(store, ptr, length)

        self.assertEqual(greeting, "Hello, Ferris!")
        # ANCHOR_END: read_packed

    def test_the_wrong_bit_order_is_caught(self):
        store, exports = instantiate("CH04_PACKED_RETURN")
        memory = exports["memory"]
        packed = greet_packed(store, exports, "Ferris")

        # ANCHOR: wrong_order
        # wazero's examples put the pointer in the high bits. Read this
        # book's packing that way and the two numbers trade places:
        ptr, length = packed >> 32, packed & 0xFFFF_FFFF
        with self.assertRaises(ValueError) as refused:
            checked_range(ptr, length, memory.data_len(store))
        # ANCHOR_END: wrong_order

        expect_file(
            "ch04-returning-bytes-out/packed-return.txt",
            f"packed = {packed:#018x}\n{refused.exception}\n",
        )

    def test_two_results_arrive_as_a_list(self):
        store, exports = instantiate("CH04_MULTI_VALUE")
        # ANCHOR: call_multi_value
        memory = exports["memory"]

        # A function with two results returns them in a list.
        ptr, length = exports["greeting"](store)
        start, end = checked_range(ptr, length, memory.data_len(store))
        self.assertEqual(bytes(memory.read(store, start, end)), b"Hello, multi-value!")
        # ANCHOR_END: call_multi_value

    def test_the_host_passes_the_out_pointer_first(self):
        store, exports = instantiate("CH04_OUT_POINTER")
        # ANCHOR: call_hidden
        memory = exports["memory"]
        allocate, deallocate = exports["allocate"], exports["deallocate"]

        text_ptr = allocate(store, 5)
        memory.write(store, b"shout", text_ptr)
        # 8 bytes for the returned `GuestSlice { ptr, len }`.
        out = allocate(store, 8)

        # The hidden out-pointer comes first, before the Rust parameters.
        exports["uppercase"](store, out, text_ptr, 5)

        # Two little-endian u32s: wasm is little-endian.
        ptr, length = struct.unpack("<II", memory.read(store, out, out + 8))
        start, end = checked_range(ptr, length, memory.data_len(store))
        shouted = bytes(memory.read(store, start, end)).decode("utf-8")

        # Three buffers, three owners' duties: all three are the host's.
        deallocate(store, ptr, length)
        deallocate(store, out, 8)
        deallocate(store, text_ptr, 5)
        self.assertEqual(shouted, "SHOUT")
        # ANCHOR_END: call_hidden

    def test_every_lie_is_caught_with_its_own_error(self):
        store, exports = instantiate("CH04_LYING_GUEST")
        # ANCHOR: lies
        memory = exports["memory"]
        report = ""
        for export in ["ends_past_memory", "length_wraps_around", "huge_length", "invalid_utf8"]:
            # Signed as it arrives: a length of 2 GiB or more would come out negative.
            packed = exports[export](store) & 0xFFFF_FFFF_FFFF_FFFF
            ptr, length = packed & 0xFFFF_FFFF, packed >> 32
            try:
                start, end = checked_range(ptr, length, memory.data_len(store))
                # In bounds: the bytes must still be the UTF-8 the host expects.
                text = bytes(memory.read(store, start, end)).decode("utf-8")
                self.fail(f"{export} told the truth: {text!r}")
            except ValueError as error:  # UnicodeDecodeError is one too
                refused = error
            if isinstance(refused, UnicodeDecodeError):
                refused = f"{length} bytes at {ptr:#x}: not UTF-8"
            report += f"{export}: {refused}\n"
        # ANCHOR_END: lies
        expect_file("ch04-returning-bytes-out/lying-guest.txt", report)


if __name__ == "__main__":
    unittest.main()
