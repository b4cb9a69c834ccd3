"""Tests for ci/dedent-code-blocks.py (run by ci/test with `python3 -m unittest`)."""

import importlib.util
import pathlib
import unittest

spec = importlib.util.spec_from_file_location(
    "dedent_code_blocks", pathlib.Path(__file__).with_name("dedent-code-blocks.py")
)
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)


class DedentCodeBlocks(unittest.TestCase):
    def test_removes_common_indentation_inside_blocks_only(self):
        markdown = "    prose stays\n```rs\n        let a = 1;\n\n            nested();\n```\n"
        self.assertEqual(
            module.dedent_code_blocks(markdown),
            "    prose stays\n```rs\nlet a = 1;\n\n    nested();\n```\n",
        )

    def test_longer_fences_and_unindented_blocks(self):
        markdown = "````text\n```\nx\n````\n```rust\n# hidden\nshown\n```"
        self.assertEqual(module.dedent_code_blocks(markdown), markdown)

    def test_unclosed_block_is_left_alone(self):
        markdown = "```rs\n    open"
        self.assertEqual(module.dedent_code_blocks(markdown), markdown)

    def test_visits_nested_chapters(self):
        book = {"items": [{"Chapter": {"content": "```rs\n  a\n```", "sub_items": [
            {"Chapter": {"content": "```rs\n  b\n```", "sub_items": []}}, "Separator"]}}]}
        module.visit(book["items"])
        chapter = book["items"][0]["Chapter"]
        self.assertEqual(chapter["content"], "```rs\na\n```")
        self.assertEqual(chapter["sub_items"][0]["Chapter"]["content"], "```rs\nb\n```")


if __name__ == "__main__":
    unittest.main()
