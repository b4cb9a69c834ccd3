"""The atlas's Extism card, run from Python: the Python SDK, extism 1.1.1,
over libextism 1.41.0 (the package extism-sys)."""

import unittest

import extism

from book import artifact, expect_file


def plugin():
    return extism.Plugin(artifact("CH17_EXTISM_SHOUT"), wasi=False)


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


if __name__ == "__main__":
    unittest.main()
