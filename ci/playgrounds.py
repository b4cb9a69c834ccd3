"""The book's playgrounds: which code blocks a reader can run or assemble in
the page, marked for src/widgets/playground.js, and the files they load.

As an mdBook preprocessor (book.toml runs it before `links`, so that it sees
the `{{#include}}` lines), it marks three kinds of fenced block:

- a ```js block that includes one block of a test file of the JavaScript
  room, `{{#include ../harness/js/FILE.test.mjs:ANCHOR}}`, gets after it a
  <pre data-widget="playground"> with the output the test printed when the
  browser room ran that block (expected/playground/FILE/ANCHOR.txt): what a
  reader sees with JavaScript off, and what Run should print again;
- a ```js block that includes a browser host named in `pages` (a page of
  its own, such as the browser recipe) gets the same <pre>, and runs in a
  frame with its guest;
- a ```wat block that includes a `.wat` listing of a chapter gets after it
  a <div data-widget="playground" data-wat>, its Assemble button.

book.toml's [preprocessor.playgrounds] names the exceptions, each with its
reason, which the page shows: `node-only` test blocks (their test needs
Node) and `wat-unsupported` listings (wabt does not assemble them).
Components are never assembled. A block outside any test runs in the first
test after it, or in the one `tests` names for it.

As `python3 ci/playgrounds.py copy MANIFEST DIR` (ci/serve and ci/test run
it before `mdbook build`), it copies into DIR what the marked blocks load:
the test files, the compiled listings they name, the expected files they
compare with, the `.wat` sources, wabt and the JavaScript utility.
"""

import html
import json
import re
import shutil
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
INCLUDE = re.compile(r"^\{\{#include \.\./(?P<path>[^}:]+)(?::(?P<anchor>[A-Za-z0-9_]+))?\}\}$")
FENCE = re.compile(r"^(?P<fence>```+)(?P<lang>[a-z]+)")


def config() -> dict:
    with open(REPO / "book.toml", "rb") as file:
        return tomllib.load(file).get("preprocessor", {}).get("playgrounds", {})


def blocks(markdown: str):
    """Each one-line fenced block of `markdown` that includes a listing:
    (index of its closing fence line, language, path, anchor)."""
    lines = markdown.split("\n")
    for index in range(len(lines) - 2):
        fence = FENCE.match(lines[index])
        include = INCLUDE.match(lines[index + 1].strip())
        if fence and include and lines[index + 2].strip() == fence["fence"]:
            yield index + 2, fence["lang"], include["path"], include["anchor"]


def playground(lang: str, path: str, anchor: str | None, settings: dict, noted: set):
    """What follows the block: HTML for a playground, a note saying why there
    is none, or None for a block that is not host code or text. A reason
    given for a whole file is noted after its first block of the page only
    (`noted` holds the files noted so far)."""
    if lang == "js" and path.startswith("harness/js/") and path.endswith(".test.mjs") and anchor:
        key = f"{Path(path).name}:{anchor}"
        node_only = settings.get("node-only", {})
        reason = node_only.get(key)
        if reason is None and Path(path).name in node_only:
            if path in noted:
                return None
            noted.add(path)
            reason = node_only[Path(path).name]
        if reason:
            return f'<p class="playground-note">Runs under Node only: {html.escape(reason)}</p>'
        attributes = {"data-widget": "playground", "data-file": Path(path).name, "data-anchor": anchor}
        test = settings.get("tests", {}).get(key)
        if test:
            attributes["data-test"] = test
        return expected_output(f"{Path(path).name.removesuffix('.test.mjs')}/{anchor}", attributes)
    guest = settings.get("pages", {}).get(path)
    if lang == "js" and guest:
        return expected_output(
            path.removeprefix("listings/").removesuffix(".js"),
            {"data-widget": "playground", "data-page": str(Path(path).parent), "data-guest": guest},
        )
    # The listings of the chapters: the builder assembles each one.
    if lang == "wat" and path.startswith("listings/ch") and path.endswith(".wat"):
        reason = settings.get("wat-unsupported", {}).get(path)
        if reason or is_component(path):
            return None
        shown = f'data-widget="playground" data-wat="{html.escape(path)}"'
        if anchor:
            shown += f' data-anchor="{anchor}"'
        return f'<div class="playground-wat" {shown}></div>'
    return None


def expected_output(name: str, attributes: dict) -> str:
    """The <pre> that shows expected/playground/NAME.txt, the output the
    browser room's run of the playground printed."""
    expected = REPO / "expected" / "playground" / f"{name}.txt"
    output = expected.read_text() if expected.exists() else ""
    attributes = {**attributes, "data-expected": name}
    if not output:
        attributes["data-missing"] = "true"
    shown = " ".join(f'{key}="{html.escape(value)}"' for key, value in attributes.items())
    return f'<pre class="playground-output" {shown}>{html.escape(output)}</pre>'


def is_component(path: str) -> bool:
    text = (REPO / path).read_text()
    return re.search(r"^\(component\b", text, re.MULTILINE) is not None


def mark(markdown: str, settings: dict) -> str:
    lines = markdown.split("\n")
    noted = set()
    shown = [(closing, playground(lang, path, anchor, settings, noted)) for closing, lang, path, anchor in blocks(markdown)]
    for closing, after in reversed(shown):
        if after:
            lines[closing + 1 : closing + 1] = ["", after, ""]
    return "\n".join(lines)


def visit(items: list, settings: dict) -> None:
    for item in items:
        chapter = item.get("Chapter") if isinstance(item, dict) else None
        if chapter is None:
            continue
        chapter["content"] = mark(chapter["content"], settings)
        visit(chapter.get("sub_items", []), settings)


def marked(settings: dict):
    """Every block of the book's pages that becomes a playground:
    (language, path, anchor)."""
    for page in sorted((REPO / "src").glob("*.md")):
        noted = set()
        for _closing, lang, path, anchor in blocks(page.read_text()):
            shown = playground(lang, path, anchor, settings, noted)
            if shown and 'data-widget="playground"' in shown:
                yield lang, path, anchor


def copy(manifest_path: str, destination: str) -> None:
    """Copies into `destination` what the playgrounds load."""
    settings = config()
    artifacts = json.loads(Path(manifest_path).read_text())["artifacts"]
    dest = Path(destination)
    for owned in ["js", "expected", "listings", "jco", *(folder for folder, _ in PACKAGES.values())]:
        shutil.rmtree(dest / owned, ignore_errors=True)
    (dest / "js").mkdir(parents=True)
    found = list(marked(settings))
    tests = sorted({path for lang, path, _ in found if lang == "js"})
    texts = [(REPO / path).read_text() for path in tests]
    for path in ["harness/js/book-core.mjs", *tests]:
        shutil.copy(REPO / path, dest / "js")
    names = sorted({name for text in texts for name in re.findall(r"\bCH\d\d[A-Z0-9_]*\b", text) if name in artifacts})
    wat = sorted({path for lang, path, _ in found if lang == "wat"})
    pages = {path: guest for path, guest in settings.get("pages", {}).items() if any(path == p for _, p, _ in found)}
    names += [name for name, artifact in artifacts.items() if artifact.get("source") in wat and name not in names]
    served = {name: served_as(name, Path(a["path"])) for name, a in artifacts.items()}
    for name in names:
        built = Path(artifacts[name]["path"])
        if built.is_dir():  # wasm-bindgen's glue and its wasm
            shutil.rmtree(dest / served[name], ignore_errors=True)
            shutil.copytree(built, dest / served[name])
        else:
            shutil.copy(built, dest)
            bindings = built.with_suffix(".js")  # asc's, beside an AssemblyScript listing
            if bindings.exists():
                shutil.copy(bindings, dest)
    summary = {
        name: {"file": served[name], "source": a.get("source", ""), **({"folder": True} if Path(a["path"]).is_dir() else {})}
        for name, a in artifacts.items()
    }
    (dest / "artifacts.json").write_text(json.dumps(summary, indent=1, sort_keys=True) + "\n")
    expected = {m[2] for text in texts for m in re.finditer(r"expectFile\(\s*(['\"`])([^'\"`$]+)\1", text)}
    for name in sorted(expected):
        # With `.txt` added: mdBook does not copy an `.md` file of src/.
        (dest / "expected" / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / "expected" / name, dest / "expected" / f"{name}.txt")
    page_files = [str(file.relative_to(REPO)) for host in pages for file in (REPO / host).parent.iterdir() if file.suffix in (".html", ".js")]
    for path in [*wat, *pages.values(), *page_files]:
        (dest / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / path, dest / path)
    shutil.copy(REPO / "harness/browser/node_modules/wabt/index.js", dest / "wabt.js")
    shutil.copy(REPO / "harness/browser/node_modules/wabt/LICENSE", dest / "wabt.LICENSE")
    if any("from '@bytecodealliance/jco'" in text for text in texts):
        copy_jco(dest / "jco")
    for specifier, (folder, files) in PACKAGES.items():
        if any(f"from '{specifier}'" in text for text in texts):
            (dest / folder).mkdir()
            for file in files:
                shutil.copy(REPO / file, dest / folder)
    print(f"playgrounds: {len(found)} blocks, {len(tests)} test files, {len(names)} listings", file=sys.stderr)


# The packages a test may import that the page serves: each import's
# specifier, the folder it is served in (page's worker.js maps the import
# there) and its files (the loader's package.json names its licence).
PACKAGES = {
    "wasm-memory-js": ("wasm-memory-js", ["crates/wasm-memory-js/index.mjs"]),
    "@assemblyscript/loader": (
        "assemblyscript-loader",
        [
            "harness/js/node_modules/@assemblyscript/loader/index.js",
            "harness/js/node_modules/@assemblyscript/loader/package.json",
        ],
    ),
}


JCO = REPO / "harness/js/node_modules/@bytecodealliance/jco-transpile"
SHIM = JCO / "node_modules/@bytecodealliance/preview2-shim"


def copy_jco(folder: Path) -> None:
    """jco's code generator, for the page's `transpile` (src/widgets/playground/jco.js):
    the component jco-transpile runs, its core modules, and the browser build
    of the WASI shim it imports, each import pointed at the copy beside it."""
    (folder / "preview2-shim").mkdir(parents=True)
    bindgen = (JCO / "vendor/js-component-bindgen-component.js").read_text()
    bindgen = re.sub(r"'@bytecodealliance/preview2-shim/(\w+)'", r"'./preview2-shim/\1.js'", bindgen)
    (folder / "js-component-bindgen-component.js").write_text(bindgen)
    cores = list((JCO / "vendor").glob("js-component-bindgen-component.core*.wasm"))
    shims = list((SHIM / "dist/browser").glob("*.js"))
    if not cores or not shims:
        sys.exit(f"playgrounds: jco-transpile's component or the WASI shim is not where {JCO} says; did harness/js's npm ci run?")
    for file in cores:
        shutil.copy(file, folder)
    shutil.copy(JCO / "LICENSE", folder)
    for module in shims:
        shutil.copy(module, folder / "preview2-shim")
    shutil.copy(SHIM / "LICENSE", folder / "preview2-shim")


def served_as(name: str, built: Path) -> str:
    """The name under which the book serves a listing: a file by its name,
    a folder (wasm-bindgen's output, each called `web` or `nodejs`) by the
    listing's name."""
    return name.lower() if built.is_dir() else built.name


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "copy":
        copy(sys.argv[2], sys.argv[3])
        return
    if len(sys.argv) > 1:
        # `supports <renderer>`: exit status 0 means yes.
        sys.exit(0 if sys.argv[1] == "supports" else 1)
    context, book = json.load(sys.stdin)
    settings = context.get("config", {}).get("preprocessor", {}).get("playgrounds", {})
    visit(book.get("items", book.get("sections", [])), settings)
    json.dump(book, sys.stdout)


if __name__ == "__main__":
    main()
