// The README's example runs as a reader would run it: its `js` block, as
// it is, in a Node of its own, importing the package by its name, with
// fixtures/guest.wasm as its `guest.wasm`; it must print what the README
// says it prints.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import test from 'node:test';

/** The fenced blocks of `language` in the README's section `heading`. */
function blocks(heading, language) {
  const readme = fs.readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const section = readme.split(/^## /m).find((part) => part.startsWith(`${heading}\n`));
  assert.ok(section, `the README has no section "${heading}"`);
  return [...section.matchAll(new RegExp(`^\`\`\`${language}\\n([\\s\\S]*?)^\`\`\`$`, 'gm'))].map((match) => match[1]);
}

test("the README's example prints what the README says", () => {
  const [example] = blocks('Example', 'js');
  const [output] = blocks('Example', 'text');
  // Run from the fixtures' folder, inside the package, so that the import
  // of 'wasm-memory-js' resolves to this package by its own name.
  const printed = execFileSync(process.execPath, ['--input-type=module', '--eval', example], {
    cwd: new URL('./fixtures/', import.meta.url),
    encoding: 'utf8',
  });
  assert.equal(printed, output);
});
