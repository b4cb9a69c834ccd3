"""An mdBook preprocessor: removes the indentation common to all lines of
each fenced code block.

Code included from inside a function or a module (`{{#include file:anchor}}`)
keeps the indentation it has in the file; mdBook does not strip it. This runs
after mdBook's own `links` preprocessor has expanded the includes, so readers
see included code starting at the left margin.

mdBook calls it as `dedent-code-blocks.py supports <renderer>` (it supports
every renderer) and then with `[context, book]` as JSON on stdin, expecting
the book back on stdout.
"""

import json
import sys


def dedent_code_blocks(markdown: str) -> str:
    """Dedents the body of every fenced code block of `markdown`."""
    lines = markdown.split("\n")
    output = []
    fence = None  # the opening fence ("```", "````", "~~~") while inside a block
    body = []
    for line in lines:
        stripped = line.lstrip()
        if fence is None:
            output.append(line)
            if stripped.startswith(("```", "~~~")):
                marker = stripped[0]
                fence = marker * (len(stripped) - len(stripped.lstrip(marker)))
                body = []
        elif closes(stripped, fence):
            output.extend(dedent(body))
            output.append(line)
            fence = None
        else:
            body.append(line)
    if fence is not None:  # an unclosed block runs to the end: leave it as is
        output.extend(body)
    return "\n".join(output)


def closes(stripped_line: str, fence: str) -> bool:
    """A closing fence: only the fence character, at least as many times."""
    text = stripped_line.rstrip()
    return len(text) >= len(fence) and set(text) == {fence[0]}


def dedent(body: list[str]) -> list[str]:
    """Removes the leading spaces common to the non-blank lines of `body`."""
    indents = [len(line) - len(line.lstrip(" ")) for line in body if line.strip()]
    common = min(indents, default=0)
    return [line[common:] if line.strip() else line.strip() for line in body]


def visit(items: list) -> None:
    for item in items:
        chapter = item.get("Chapter") if isinstance(item, dict) else None
        if chapter is None:
            continue
        chapter["content"] = dedent_code_blocks(chapter["content"])
        visit(chapter.get("sub_items", []))


def main() -> None:
    if len(sys.argv) > 1:
        # `supports <renderer>`: exit status 0 means yes.
        sys.exit(0 if sys.argv[1] == "supports" else 1)
    _context, book = json.load(sys.stdin)
    visit(book.get("items", book.get("sections", [])))
    json.dump(book, sys.stdout)


if __name__ == "__main__":
    main()
