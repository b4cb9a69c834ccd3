"""Chapter 5: who frees what, from wasmtime-py. Each anchor shown on the page
has a twin in the wasmtime, wazero and JavaScript rooms that asserts the same
thing on the same compiled listing, and writes the same expected file."""

import unittest

import wasmtime

from book import artifact_path, expect_file, instantiate


# ANCHOR: report_error
def instantiate_reporting(wasm_path):
    """Instantiates the guest at `wasm_path` with the import its allocator and
    its panic hook report through, `wasm_memory.report_error(ptr, len)`.
    Returns the store, the exports and the messages, for the host to read
    after the trap."""
    store = wasmtime.Store()
    module = wasmtime.Module.from_file(store.engine, wasm_path)
    messages = []

    def report_error(caller, ptr, length):
        ptr, length = ptr & 0xFFFF_FFFF, length & 0xFFFF_FFFF  # i32s arrive signed
        memory = caller.get("memory")
        # `read` does not fail past the end, it returns less: check first.
        if ptr + length > memory.data_len(caller):
            messages.append(f"({length} bytes at {ptr:#x}, outside memory)")
            return
        messages.append(bytes(memory.read(caller, ptr, ptr + length)).decode("utf-8", "replace"))

    linker = wasmtime.Linker(store.engine)
    i32 = wasmtime.ValType.i32()
    linker.define_func(
        "wasm_memory", "report_error", wasmtime.FuncType([i32, i32], []), report_error, access_caller=True
    )
    return store, linker.instantiate(store, module).exports(store), messages
# ANCHOR_END: report_error


class WhoFreesWhat(unittest.TestCase):
    def test_std_s_allocator_traps_on_some_wrong_sizes_in_every_build(self):
        release_wasm = artifact_path("CH05_WRONG_FREE")
        debug_wasm = artifact_path("CH05_WRONG_FREE_DEBUG")
        traps = 0
        # ANCHOR: wrong_size
        report = ""
        for allocated, freed in [(64, 14), (14, 0x8000_0000)]:
            report += f"allocate({allocated}), then deallocate(ptr, {freed}):\n"
            for build, wasm in [("release", release_wasm), ("debug", debug_wasm)]:
                # A fresh instance each time: after a trap, the heap is
                # whatever the allocator left half done.
                store, exports, messages = instantiate_reporting(wasm)
                ptr = exports["allocate"](store, allocated)
                outcome = "quiet"
                try:
                    exports["deallocate"](store, ptr, freed)
                except wasmtime.Trap:
                    # The panic hook reported the message before the trap.
                    outcome = " ".join(messages).replace("\n", " ")
                    traps += 1
                report += f"  {build}: {outcome}\n"
        # ANCHOR_END: wrong_size
        self.assertEqual(traps, 4, report)
        expect_file("ch05-who-frees-what/wrong-size-free.txt", report)

    def test_mismatched_sizes_and_double_frees_are_caught(self):
        checked_wasm = artifact_path("CH05_CHECKED_ALLOCATOR")
        # ANCHOR: checked
        report = ""

        # Listing 5-1 hands over 14 bytes of a 64-byte buffer.
        store, exports, messages = instantiate_reporting(checked_wasm)
        allocate, deallocate = exports["allocate"], exports["deallocate"]
        name_ptr = allocate(store, 6)
        exports["memory"].write(store, b"Ferris", name_ptr)
        packed = exports["greet_with_spare_capacity"](store, name_ptr, 6) & 0xFFFF_FFFF_FFFF_FFFF
        deallocate(store, name_ptr, 6)
        ptr, length = packed & 0xFFFF_FFFF, packed >> 32
        with self.assertRaises(wasmtime.Trap):
            deallocate(store, ptr, length)
        report += f"deallocate({ptr:#x}, {length}): {' '.join(messages)}\n"

        # A block freed twice, in a fresh instance.
        store, exports, messages = instantiate_reporting(checked_wasm)
        block = exports["allocate"](store, 14)
        exports["deallocate"](store, block, 14)  # its one owner, with its size: quiet
        with self.assertRaises(wasmtime.Trap):
            exports["deallocate"](store, block, 14)
        report += f"deallocate({block:#x}, 14) again: {' '.join(messages)}\n"
        # ANCHOR_END: checked

        expect_file("ch05-who-frees-what/checked-allocator.txt", report)

    def test_a_grown_block_may_move_and_its_old_place_is_reused(self):
        store, exports = instantiate("CH05_REALLOCATE")
        # ANCHOR: moved
        memory = exports["memory"]
        allocate, deallocate, reallocate = exports["allocate"], exports["deallocate"], exports["reallocate"]
        report = ""

        old = allocate(store, 16)
        memory.write(store, b"0123456789abcdef", old)
        neighbour = allocate(store, 16)
        report += f"allocate(16) = {old:#x}, then {neighbour:#x}\n"

        # The block cannot grow where it is: the neighbour is in the way.
        moved = reallocate(store, old, 16, 64)
        holding = bytes(memory.read(store, moved, moved + 16)).decode()
        report += f'reallocate({old:#x}, 16, 64) = {moved:#x}, holding "{holding}"\n'

        # `old` is free now, and the next allocation of its size gets it.
        other = allocate(store, 16)
        memory.write(store, b"someone else's..", other)
        at_old = bytes(memory.read(store, old, old + 16)).decode()
        report += f'allocate(16) = {other:#x}: at {old:#x} the host now reads "{at_old}"\n'

        # The host's rule: after a reallocation, only the new pointer.
        deallocate(store, moved, 64)
        deallocate(store, other, 16)
        deallocate(store, neighbour, 16)
        # ANCHOR_END: moved

        self.assertNotEqual(moved, old)
        self.assertEqual(other, old)
        expect_file("ch05-who-frees-what/reallocate-moved.txt", report)


if __name__ == "__main__":
    unittest.main()
