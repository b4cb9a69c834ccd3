"""Tests for the publishing workflow, .github/workflows/book.yml, and the
site settings of book.toml (run by ci/test with `python3 -m unittest`).

PyYAML is pinned and installed by ci/setup into .tools/python.
"""

import pathlib
import sys
import tomllib
import unittest

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / ".tools" / "python"))
import yaml  # noqa: E402 (installed into .tools/python by ci/setup)


def readme_test_command():
    """The README's test command: the line of its first shell block that runs every test."""
    readme = (ROOT / "README.md").read_text()
    block = readme.split("```sh\n", 1)[1].split("```", 1)[0]
    for line in block.splitlines():
        command, _, comment = line.partition("#")
        if "run every test" in comment:
            return command.strip()
    raise AssertionError("README.md's first shell block names no test command")


class Workflow(unittest.TestCase):
    def setUp(self):
        text = (ROOT / ".github" / "workflows" / "book.yml").read_text()
        self.workflow = yaml.safe_load(text)
        self.jobs = self.workflow["jobs"]

    def test_runs_on_every_push_and_pull_request(self):
        # YAML 1.1 reads the key `on` as True.
        triggers = self.workflow.get("on", self.workflow.get(True))
        self.assertIn("push", triggers)
        self.assertIn("pull_request", triggers)

    def test_runs_the_readmes_test_command(self):
        runs = [step.get("run") for step in self.jobs["test"]["steps"]]
        self.assertEqual(readme_test_command(), "ci/test")
        self.assertIn(readme_test_command(), runs)

    def test_stays_inside_the_time_ci_allows(self):
        self.assertLessEqual(self.jobs["test"]["timeout-minutes"], 90)

    def test_publishes_the_book_that_command_built_and_only_from_main(self):
        upload = [s for s in self.jobs["test"]["steps"] if s.get("uses", "").startswith("actions/upload-pages-artifact@")]
        self.assertEqual(len(upload), 1)
        self.assertEqual(upload[0]["with"]["path"], "book")
        self.assertIn("refs/heads/main", upload[0]["if"])
        deploy = self.jobs["deploy"]
        self.assertEqual(deploy["needs"], "test")
        self.assertIn("refs/heads/main", deploy["if"])
        self.assertEqual(deploy["permissions"], {"pages": "write", "id-token": "write"})
        self.assertTrue(any(s.get("uses", "").startswith("actions/deploy-pages@") for s in deploy["steps"]))

    def test_the_settings_it_passes_are_settings_of_mdbooks_html_output(self):
        settings = {
            name.removeprefix("MDBOOK_OUTPUT__HTML__").lower().replace("_", "-")
            for name in self.jobs["test"]["env"]
            if name.startswith("MDBOOK_")
        }
        self.assertEqual(settings, {"edit-url-template", "git-repository-url", "site-url"})
        self.assertIn("{path}", self.jobs["test"]["env"]["MDBOOK_OUTPUT__HTML__EDIT_URL_TEMPLATE"])


class SiteSettings(unittest.TestCase):
    def setUp(self):
        self.html = tomllib.loads((ROOT / "book.toml").read_text())["output"]["html"]

    def test_the_404_page_exists(self):
        self.assertTrue((ROOT / "src" / self.html["input-404"]).is_file())

    def test_every_redirect_leads_to_a_page_of_the_book(self):
        summary = (ROOT / "src" / "SUMMARY.md").read_text()
        for old, new in self.html.get("redirect", {}).items():
            page = new.split("#")[0].removesuffix(".html") + ".md"
            self.assertIn(f"({page})", summary, f"the redirect {old} -> {new} leads nowhere")
            self.assertFalse((ROOT / "src" / old.removesuffix(".html")).with_suffix(".md").exists(),
                             f"{old} is still a page: it needs no redirect")


if __name__ == "__main__":
    unittest.main()
