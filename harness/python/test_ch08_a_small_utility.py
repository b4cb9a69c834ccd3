"""Chapter 8 in the Python room: no utility package here, so the host makes
the utility's checks by hand, as the Python recipe's host does, on the
chapter's guest (Listing 8-1) and on chapter 17's lying guest. The Rust, Go
and JavaScript rooms make the same calls with their utility and compare the
same expected output."""

import unittest

import wasmtime

from book import artifact_path, expect_file


def instantiate(store, name):
    """The exports of a compiled listing; Listing 8-1's checked allocator
    imports `wasm_memory.report_error`, which gets the guest's messages."""
    linker = wasmtime.Linker(store.engine)
    report_error = wasmtime.FuncType([wasmtime.ValType.i32(), wasmtime.ValType.i32()], [])
    linker.define_func("wasm_memory", "report_error", report_error, lambda ptr, length: None)
    module = wasmtime.Module.from_file(store.engine, artifact_path(name))
    return linker.instantiate(store, module).exports(store)


# ANCHOR: shout
MAX_LEN = 1 << 20  # the most this host copies out of one result


def shout(store, exports, text):
    """Calls Listing 8-1's `shout` with every check the utility makes."""
    memory, allocate, deallocate = exports["memory"], exports["allocate"], exports["deallocate"]
    data = text.encode("utf-8")
    ptr = allocate(store, len(data)) & 0xFFFF_FFFF  # an i32 arrives signed
    if ptr + len(data) > memory.data_len(store):
        raise ValueError(f"allocate returned {len(data)} bytes at {ptr:#x}, outside memory")
    memory.write(store, data, ptr)
    try:
        packed = exports["shout"](store, ptr, len(data)) & 0xFFFF_FFFF_FFFF_FFFF
    finally:
        deallocate(store, ptr, len(data))  # the input, also when the call traps
    result_ptr, result_len = packed & 0xFFFF_FFFF, packed >> 32  # (len << 32) | ptr
    size = memory.data_len(store)  # the call may have grown the memory
    if result_len > MAX_LEN:
        raise ValueError(f"shout returned {result_len} bytes, more than {MAX_LEN}")
    if result_ptr + result_len > size:  # Python ints do not overflow
        raise ValueError(
            f"shout returned {result_len} bytes at {result_ptr:#x}, past the end of its {size}-byte memory"
        )
    result = bytes(memory.read(store, result_ptr, result_ptr + result_len))  # a copy
    deallocate(store, result_ptr, result_len)
    return result.decode("utf-8")  # raises on bytes that are not UTF-8
# ANCHOR_END: shout


class OneCallAndOneLie(unittest.TestCase):
    def test_one_call_passes_a_string_in_and_out_and_a_lie_is_refused(self):
        store = wasmtime.Store()
        exports = instantiate(store, "CH08_RUST_SHOUT")
        # ANCHOR: shout_call
        shouted = shout(store, exports, "hello, host")
        self.assertEqual(shouted, "HELLO, HOST")
        # ANCHOR_END: shout_call
        live = exports["live"](store)

        liar = instantiate(store, "CH17_LYING_SHOUT")
        # ANCHOR: liar
        with self.assertRaisesRegex(ValueError, "past the end of its 65536-byte memory") as refused:
            shout(store, liar, "hello, host")
        # ANCHOR_END: liar
        # Unchecked, wasmtime-py's read would have returned the 8 bytes that
        # exist, as a slice does, and no error.
        past_end = liar["memory"].data_len(store) - 8
        self.assertEqual(len(liar["memory"].read(store, past_end, past_end + 16)), 8)

        expect_file(
            "ch08-a-small-utility/one-call-and-one-lie.txt",
            f'shout("hello, host") = "{shouted}"; the guest holds {live} buffers\n'
            f"the liar's {refused.exception}\n",
        )

    def test_who_owns_which_bytes_in_one_round_trip(self):
        """Chapter 8's figure, from the addresses one round trip used: every
        allocator call `shout` makes, recorded on the way through."""
        store = wasmtime.Store()
        exports = instantiate(store, "CH08_RUST_SHOUT")
        calls = []

        def recorded(name):
            def call(store, *args):
                result = exports[name](store, *args)
                calls.append((name, args, result))
                return result

            return call

        traced = {name: recorded(name) for name in ("allocate", "deallocate", "shout")}
        traced["memory"] = exports["memory"]
        self.assertEqual(shout(store, traced, "hello, host"), "HELLO, HOST")

        [allocate, call, free_input, free_result] = calls
        input_ptr, input_len = allocate[2], allocate[1][0]
        packed = call[2] & 0xFFFF_FFFF_FFFF_FFFF
        result_ptr, result_len = packed & 0xFFFF_FFFF, packed >> 32
        self.assertEqual(call[1], (input_ptr, input_len))
        self.assertEqual(free_input[1], (input_ptr, input_len))
        self.assertEqual(free_result[1], (result_ptr, result_len))
        self.assertEqual(exports["live"](store), 0)
        expect_file(
            "ch08-a-small-utility/round-trip.mmd",
            "flowchart LR\n"
            f'  input["{input_len} bytes at {input_ptr:#x}<br/>the host allocates them<br/>'
            'with allocate, writes the input"]\n'
            f'  result["{result_len} bytes at {result_ptr:#x}<br/>the guest allocates them<br/>'
            'and hands them over"]\n'
            '  freed["both freed by the host<br/>with deallocate(ptr, len),<br/>'
            'the result once copied"]\n'
            f'  input -- "shout({input_ptr:#x}, {input_len})" --> result\n'
            "  result -- copy --> freed\n",
        )


if __name__ == "__main__":
    unittest.main()
