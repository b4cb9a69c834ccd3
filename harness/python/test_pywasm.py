"""The atlas's pywasm card, run: pywasm 2.2.3, an interpreter written in
Python."""

import unittest

import pywasm

from book import artifact_path, check_range, decode, expect_file, unpack


def instantiate(name):
    runtime = pywasm.Runtime()
    return runtime, runtime.instance_from_file(artifact_path(name))


# ANCHOR: greet
def greet(runtime, instance, name):
    """The round trip on pywasm: the memory is a `MemInst` whose `data` is a
    Python bytearray, which growth extends in place."""
    memory = runtime.exported_memory(instance, "memory")
    data = name.encode("utf-8")
    [ptr] = runtime.invocate(instance, "allocate", [len(data)])
    memory.data[ptr : ptr + len(data)] = data
    [packed] = runtime.invocate(instance, "greet", [ptr, len(data)])
    runtime.invocate(instance, "deallocate", [ptr, len(data)])
    result_ptr, result_len = unpack(packed)
    # A slice past the end of a bytearray is shorter, not an error.
    check_range("greet", result_ptr, result_len, len(memory.data))
    greeting = bytes(memory.data[result_ptr : result_ptr + result_len])
    runtime.invocate(instance, "deallocate", [result_ptr, result_len])
    return decode("greet", greeting)
# ANCHOR_END: greet


class Pywasm(unittest.TestCase):
    def test_the_round_trip(self):
        runtime, instance = instantiate("CH04_PACKED_RETURN")
        self.assertEqual(greet(runtime, instance, "pywasm"), "Hello, pywasm!")

    def test_a_slice_past_the_end_is_shorter(self):
        runtime, instance = instantiate("CH04_PACKED_RETURN")
        data = runtime.exported_memory(instance, "memory").data
        self.assertEqual(len(data[len(data) - 4 : len(data) + 12]), 4)

    def test_a_trap_is_a_bare_assertion_error(self):
        runtime, instance = instantiate("CH02_OUT_OF_BOUNDS")
        size = len(runtime.exported_memory(instance, "memory").data)
        with self.assertRaises(AssertionError) as caught:
            runtime.invocate(instance, "load_byte", [size])
        self.assertEqual(str(caught.exception), "")

    def test_a_memoryview_held_across_a_call_stops_growth(self):
        runtime, instance = instantiate("CH02_PAGES_AND_GROW")
        view = memoryview(runtime.exported_memory(instance, "memory").data)
        with self.assertRaisesRegex(BufferError, "Existing exports of data: object cannot be re-sized"):
            runtime.invocate(instance, "grow_memory", [1])
        view.release()
        # The interpreter was left mid-call: the instance is unusable.
        with self.assertRaises(AssertionError):
            runtime.invocate(instance, "grow_memory", [1])

    def test_growth_past_the_limit_returns_minus_one(self):
        runtime, instance = instantiate("CH02_PAGES_AND_GROW")
        self.assertEqual(runtime.invocate(instance, "grow_memory", [70000]), [-1])

    def test_growth_without_a_view_extends_the_same_bytearray(self):
        runtime, instance = instantiate("CH02_PAGES_AND_GROW")
        memory = runtime.exported_memory(instance, "memory")
        data, size = memory.data, len(memory.data)
        runtime.invocate(instance, "grow_memory", [1])
        self.assertIs(memory.data, data)
        self.assertEqual(len(data), size + 65536)

    def test_what_the_card_shows(self):
        lines = []
        runtime, instance = instantiate("CH04_PACKED_RETURN")
        lines.append(f"greet: {greet(runtime, instance, 'pywasm')}")
        runtime, instance = instantiate("CH02_OUT_OF_BOUNDS")
        size = len(runtime.exported_memory(instance, "memory").data)
        try:
            runtime.invocate(instance, "load_byte", [size])
        except AssertionError as error:
            lines.append(f"a load past the end: AssertionError({str(error)!r})")
        runtime, instance = instantiate("CH02_PAGES_AND_GROW")
        view = memoryview(runtime.exported_memory(instance, "memory").data)
        try:
            runtime.invocate(instance, "grow_memory", [1])
        except BufferError as error:
            lines.append(f"memory.grow while the host holds a memoryview: BufferError: {error}")
        view.release()
        expect_file("atlas-hosts/pywasm.txt", "\n".join(lines) + "\n")


if __name__ == "__main__":
    unittest.main()
