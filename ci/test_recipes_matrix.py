"""Tests for ci/recipes_matrix.py (run by ci/test with `python3 -m unittest`)."""

import unittest

from recipes_matrix import Cell, matrix_table


class MatrixTable(unittest.TestCase):
    def test_counts_what_passes_and_names_why_a_cell_cannot(self):
        table = matrix_table(
            ["Node", "browser"],
            [
                ("C", [Cell.passed(), Cell.passed()]),
                ("Go", [Cell.passed(), Cell.cannot("cannot: imports wasi_snapshot_preview1 (fd_write); a browser has no WASI")]),
            ],
            [Cell.refused(), Cell.refused()],
        )
        self.assertEqual(
            table,
            "| Guest | Node | browser |\n"
            "|---|---|---|\n"
            "| C | passes | passes |\n"
            "| Go | passes | cannot: imports wasi_snapshot_preview1 (fd_write); a browser has no WASI |\n"
            "| *The liar* | refuses it | refuses it |\n"
            "\n"
            "3 of 4 cells pass; 1 cannot, for the reason the cell gives. 2 of 2 hosts refuse the liar.\n",
        )

    def test_a_failure_shows_its_first_line_and_escapes_table_bars(self):
        cell = Cell.failed("error: greet returned a|b\nmore")
        self.assertEqual(cell.markdown(), "FAILS: error: greet returned a\\|b")
        self.assertTrue(cell.failed_with("error: greet"))
        self.assertFalse(Cell.passed().failed_with("error"))


if __name__ == "__main__":
    unittest.main()
