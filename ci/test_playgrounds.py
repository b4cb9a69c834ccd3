"""Tests for ci/playgrounds.py (run by ci/test with `python3 -m unittest`)."""

import pathlib
import sys
import unittest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import playgrounds  # noqa: E402

SETTINGS = {
    "node-only": {
        "ch03_passing_bytes_in.test.mjs:at_zero": "it needs Node.",
        "ch10_wasm_bindgen.test.mjs": "these tests need Node.",
    },
    "pages": {"listings/recipes/hosts/browser/host.js": "listings/recipes/guests/wat/greet.wat"},
    "tests": {"ch03_passing_bytes_in.test.mjs:call_with_bytes": "the round trip"},
    "wat-unsupported": {"listings/ch15-memory-only-grows/byte-pages.wat": "custom page sizes"},
}


def block(lang: str, include: str) -> str:
    return f"```{lang}\n{{{{#include ../{include}}}}}\n```"


class Playgrounds(unittest.TestCase):
    def test_a_room_block_is_followed_by_its_expected_output(self):
        marked = playgrounds.mark(block("js", "harness/js/ch03_passing_bytes_in.test.mjs:round_trip"), SETTINGS)
        self.assertIn('<pre class="playground-output" data-widget="playground"', marked)
        self.assertIn('data-file="ch03_passing_bytes_in.test.mjs" data-anchor="round_trip"', marked)
        self.assertIn('data-expected="ch03_passing_bytes_in/round_trip"', marked)
        # The file the browser room wrote, escaped for HTML.
        self.assertIn("sum_bytes(0x110008, 4) → 256", marked)
        self.assertNotIn("data-test", marked)

    def test_a_block_outside_any_test_may_name_its_test(self):
        marked = playgrounds.mark(block("js", "harness/js/ch03_passing_bytes_in.test.mjs:call_with_bytes"), SETTINGS)
        self.assertIn('data-test="the round trip"', marked)

    def test_node_only_blocks_say_so_once_per_file_and_page(self):
        page = "\n\n".join([
            block("js", "harness/js/ch03_passing_bytes_in.test.mjs:at_zero"),
            block("js", "harness/js/ch10_wasm_bindgen.test.mjs:nodejs"),
            block("js", "harness/js/ch10_wasm_bindgen.test.mjs:web"),
        ])
        marked = playgrounds.mark(page, SETTINGS)
        self.assertNotIn("data-widget", marked)
        self.assertEqual(marked.count("Runs under Node only: it needs Node."), 1)
        self.assertEqual(marked.count("Runs under Node only: these tests need Node."), 1)

    def test_chapter_listings_in_the_text_format_get_assemble(self):
        marked = playgrounds.mark(block("wat", "listings/ch04-returning-bytes-out/multi-value.wat:greeting"), SETTINGS)
        self.assertIn(
            '<div class="playground-wat" data-widget="playground" '
            'data-wat="listings/ch04-returning-bytes-out/multi-value.wat" data-anchor="greeting"></div>',
            marked,
        )

    def test_no_assemble_for_components_unsupported_listings_or_other_blocks(self):
        for unmarked in [
            block("wat", "listings/ch16-the-component-model/byte-lists.wat:echo"),
            block("wat", "listings/ch15-memory-only-grows/byte-pages.wat:memory"),
            block("wat", "crates/wasm-memory-host/fixtures/liar.wat"),
            block("rs", "harness/rust/tests/chapters/ch03_passing_bytes_in.rs:round_trip"),
            "```js\n{{#include ../harness/js/ch03_passing_bytes_in.test.mjs:round_trip}}\nmore();\n```",
        ]:
            self.assertEqual(playgrounds.mark(unmarked, SETTINGS), unmarked)

    def test_a_browser_host_page_runs_with_its_guest(self):
        marked = playgrounds.mark(block("js", "listings/recipes/hosts/browser/host.js"), SETTINGS)
        self.assertIn('data-page="listings/recipes/hosts/browser"', marked)
        self.assertIn('data-guest="listings/recipes/guests/wat/greet.wat"', marked)
        self.assertIn('data-expected="recipes/hosts/browser/host"', marked)


if __name__ == "__main__":
    unittest.main()
