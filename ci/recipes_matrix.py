"""The matrix of ci/recipes: what one host did with one guest, and the
table of every guest under every host that the book includes."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Cell:
    """`passed`, `refused` (the liar, as it must be), `cannot` (a reason the
    host gave for not running this guest at all) or `failed`."""

    kind: str
    detail: str = ""

    @staticmethod
    def passed():
        return Cell("passed")

    @staticmethod
    def refused():
        return Cell("refused")

    @staticmethod
    def cannot(reason):
        return Cell("cannot", reason.removeprefix("cannot: ").strip())

    @staticmethod
    def failed(detail):
        return Cell("failed", detail.strip().splitlines()[0] if detail.strip() else "no output")

    def failed_with(self, prefix):
        return self.kind == "failed" and self.detail.startswith(prefix)

    def summary(self):
        return self.kind + (f": {self.detail}" if self.detail else "")

    def markdown(self):
        text = {"passed": "passes", "refused": "refuses it"}.get(self.kind)
        if text:
            return text
        prefix = "cannot: " if self.kind == "cannot" else "FAILS: "
        return prefix + self.detail.replace("|", "\\|")


def matrix_table(hosts, rows, liar_cells):
    """The Markdown table: a row per guest, a column per host, the liar last,
    then how many cells pass."""
    lines = [
        "| Guest | " + " | ".join(hosts) + " |",
        "|---|" + "---|" * len(hosts),
    ]
    for guest, cells in rows:
        lines.append(f"| {guest} | " + " | ".join(cell.markdown() for cell in cells) + " |")
    lines.append("| *The liar* | " + " | ".join(cell.markdown() for cell in liar_cells) + " |")
    cells = [cell for _, row in rows for cell in row]
    passed = sum(cell.kind == "passed" for cell in cells)
    cannot = sum(cell.kind == "cannot" for cell in cells)
    refused = sum(cell.kind == "refused" for cell in liar_cells)
    summary = f"{passed} of {len(cells)} cells pass"
    if cannot:
        summary += f"; {cannot} cannot, for the reason the cell gives"
    summary += f". {refused} of {len(liar_cells)} hosts refuse the liar."
    return "\n".join(lines) + "\n\n" + summary + "\n"
