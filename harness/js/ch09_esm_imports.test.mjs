// Chapter 9: a guest imported as an ES module, in the instance phase
// (`import { greet } from './greet.wasm'`) and in the source phase
// (`import source greetModule from './greet.wasm'`), on each pinned Node.
// An import needs its file where the importing module is, so each test
// copies the modules of ch09_esm_imports/ and the guests into a temporary
// folder and imports one of them in a child process of this Node.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { artifactPath } from './book.mjs';

const thisNode = `Node ${process.versions.node}`;

// ANCHOR: esm_table
/** What Node prints once per process that imports a .wasm file as an instance. */
const INSTANCE_WARNING =
  '(node:PID) ExperimentalWarning: Importing WebAssembly module instances is an experimental feature and might change at any time\n' +
  '(Use `node --trace-warnings ...` to show where the warning was created)\n';

/**
 * What each pinned Node line does with a guest imported as a module, keyed
 * by major version: what an instance import writes to stderr, and what
 * `import source` gives (or the error it throws). A newly pinned line fails
 * until its row records what it does.
 */
const ESM_IMPORTS = {
  22: { instanceStderr: INSTANCE_WARNING, source: "SyntaxError: Unexpected identifier 'greetModule'" },
  24: { instanceStderr: INSTANCE_WARNING, source: 'WebAssembly.Module' },
  26: { instanceStderr: INSTANCE_WARNING, source: 'WebAssembly.Module' },
};
// ANCHOR_END: esm_table

const row = ESM_IMPORTS[Number(process.versions.node.split('.')[0])];

let folder;

before(() => {
  folder = fs.mkdtempSync(path.join(os.tmpdir(), 'ch09-esm-imports-'));
  const modules = new URL('./ch09_esm_imports/', import.meta.url);
  for (const file of fs.readdirSync(modules)) fs.copyFileSync(new URL(file, modules), path.join(folder, file));
  fs.copyFileSync(artifactPath('CH04_PACKED_RETURN'), path.join(folder, 'greet.wasm'));
  fs.copyFileSync(artifactPath('CH09_GROW_NOTIFY'), path.join(folder, 'grow-notify.wasm'));
});

after(() => {
  if (folder) fs.rmSync(folder, { recursive: true, force: true });
});

/**
 * Imports `file` of the folder in a new process of this Node: the JSON it
 * printed, or `{ threw, code }` with the error the import threw (the
 * folder's path shown as `<folder>`), and its stderr (process ids as `PID`).
 */
function importInChild(file) {
  const script = `try {
      await import('./${file}');
    } catch (error) {
      console.log(JSON.stringify({ threw: error.name + ': ' + error.message, code: error.code }));
    }`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: folder, encoding: 'utf8' });
  assert.equal(child.status, 0, `${thisNode}: ${child.stderr}`);
  return {
    seen: JSON.parse(child.stdout.replaceAll(folder, '<folder>')),
    stderr: child.stderr.replace(/^\(node:\d+\)/gm, '(node:PID)'),
  };
}

test('ESM imports of wasm: this Node has a row in the table', () => {
  assert.ok(row, `${thisNode} has no row in ESM_IMPORTS: find out what it does and add one`);
});

test('an instance import: the exports of one instance, its memory shared by every importer, and a warning', () => {
  const { seen, stderr } = importInChild('instance_import.mjs');
  assert.deepEqual(seen, {
    greeting: 'Hello, Ferris!',
    isMemory: true,
    sameMemoryElsewhere: true,
    after: 0,
    grownBy: 65536,
  }, thisNode);
  assert.equal(stderr, row.instanceStderr, thisNode);
});

test('a source import: a WebAssembly.Module the host instantiates, with its own imports', () => {
  const { seen, stderr } = importInChild('source_import.mjs');
  if (row.source !== 'WebAssembly.Module') {
    assert.deepEqual(seen, { threw: row.source }, thisNode);
    assert.equal(stderr, '', thisNode);
    return;
  }
  assert.deepEqual(seen, {
    isModule: true,
    exports: ['memory: memory', 'allocate: function', 'deallocate: function', 'greet: function',
      '__data_end: global', '__heap_base: global'],
    ownMemories: true,
    logged: Array(4).fill('allocated 1048576 bytes'),
    viewIsCurrent: true,
  }, thisNode);
  assert.equal(stderr, '', `${thisNode}: no warning for the source phase`);
});

test('an instance import of a guest that has imports: Node looks for a package named like the import module', () => {
  const { seen } = importInChild('imports_needed.mjs');
  assert.deepEqual(seen, {
    threw: "Error: Cannot find package 'env' imported from <folder>/grow-notify.wasm",
    code: 'ERR_MODULE_NOT_FOUND',
  }, thisNode);
});
