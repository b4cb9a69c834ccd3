// Runs one playground, in a worker of its own (so that a loop the reader
// wrote can be stopped): the test file of the JavaScript room that holds
// the block, with the block replaced by the code on the page, and only the
// test that runs the block. Its Node imports are swapped for the page's
// (node-test.js, assert.js, book.js); any other Node module is a stand-in
// that fails when used. Posts back what the run printed and the memory
// after each call.
import { fetchText } from './fetch-text.js';
import { finishTrace, print, run, scope, show, snapshot } from './session.js';

const here = (file) => new URL(file, import.meta.url).href;

self.onmessage = async ({ data }) => {
  self.postMessage(await play(data));
};

async function play({ root, file, anchor, code, testName, overrides }) {
  let program;
  let url;
  try {
    const source = await fetchText(new URL(`wasm/js/${file}`, root));
    program = splice(source, anchor, code);
    program.test = testName || testHolding(program.lines, program.start, file);
    await prefetch(reachable(program.lines, program.test), root, overrides);
    url = URL.createObjectURL(new Blob([rewrite(program.lines.join('\n'), root)], { type: 'text/javascript' }));
    // A tool's own instances are not the guest's: it loads before the swap below.
    await Promise.all(Object.entries(TOOLS).filter(([specifier]) => imports(program.lines, specifier)).map(([, tool]) => import(here(tool))));
  } catch (error) {
    print(`The playground could not start: ${error.message}`);
    return result(false);
  }
  captureConsole();
  // Every instance the run makes records its calls, whoever makes it: the
  // test, book.js, or a module it imports (AssemblyScript's loader, asc's
  // bindings).
  WebAssembly.instantiate = scope.WebAssembly.instantiate;
  try {
    await import(url);
    const test = run.tests.find(({ name }) => name === program.test);
    if (!test) throw new Error(`${file} has no test named ${JSON.stringify(program.test)}`);
    if (test.skip) {
      print(`- ${program.test}: skipped, ${test.skip}`);
      return result(true);
    }
    await test.fn(context(test.name));
    finishTrace();
    print(`✓ ${program.test}`);
    return result(true);
  } catch (error) {
    finishTrace();
    print(`✗ ${program.test}`);
    print(`Uncaught ${error?.name ?? 'Error'}: ${error?.message ?? error}`.trimEnd());
    const where = location(error, url, program, file);
    if (where) print(`    at ${where}`);
    return result(false);
  }
}

/** What node:test hands a test: its name, diagnostics, and subtests, run in place. */
function context(name) {
  return {
    name,
    diagnostic: (message) => print(`# ${message}`),
    test: (subtest, options, fn) => (fn ?? options)(context(subtest)),
  };
}

function result(passed) {
  run.snapshots.push(snapshot(`after the run: ${run.calls === 1 ? '1 call' : `${run.calls} calls`}`));
  return { passed, lines: run.lines, snapshots: run.snapshots };
}

/**
 * The test file with the block between `// ANCHOR: anchor` and its
 * `// ANCHOR_END` replaced by `code`; `start` and `end` are the block's
 * first line and the line after it (0-based), and `shift` how many lines
 * longer the file became.
 */
function splice(source, anchor, code) {
  const lines = source.split('\n');
  const start = lines.findIndex((line) => line.trim() === `// ANCHOR: ${anchor}`) + 1;
  const end = lines.findIndex((line) => line.trim() === `// ANCHOR_END: ${anchor}`);
  if (start === 0 || end < start) throw new Error(`the test file has no block ${anchor}`);
  const block = code.replace(/\n$/, '').split('\n');
  lines.splice(start, end - start, ...block);
  return { lines, start, end: start + block.length, shift: block.length - (end - start) };
}

/** The file's top-level tests: each one's name, first line and last line. */
function tests(lines) {
  const found = [];
  for (let index = 0; index < lines.length; index += 1) {
    const quoted = /^test\(\s*(['"`])((?:\\.|(?!\1).)*)\1\s*,/.exec(lines[index])?.[2];
    if (quoted === undefined) continue;
    const last = lines.findIndex((line, after) => after > index && /^\}\);\s*$/.test(line));
    found.push({ name: quoted.replace(/\\(.)/g, '$1'), first: index, last });
  }
  return found;
}

/**
 * The test that runs the block: the top-level `test(...)` around it, or
 * else (a function defined outside any test) the first test after it.
 */
function testHolding(lines, start, file) {
  const all = tests(lines);
  const holding = all.find(({ first, last }) => first < start && start < last) ?? all.find(({ first }) => first > start);
  if (!holding) throw new Error(`no test of ${file} runs this block`);
  return holding.name;
}

/**
 * What the test `name` may reach: the file without the other tests. Only
 * the listings and expected files named there are fetched.
 */
function reachable(lines, name) {
  const others = tests(lines).filter((test) => test.name !== name);
  return lines.filter((_, index) => !others.some(({ first, last }) => index >= first && index <= last)).join('\n');
}

/** Fetches the listings and expected files `text` names, before the test runs. */
async function prefetch(text, root, overrides) {
  const manifest = JSON.parse(await fetchText(new URL('wasm/artifacts.json', root)));
  run.artifactUrls = new Map();
  const names = new Set(text.match(/\bCH\d\d[A-Z0-9_]*\b/g) ?? []);
  const expected = [...text.matchAll(/expectFile\(\s*(['"`])([^'"`$]+)\1/g)].map((match) => match[2]);
  await Promise.all([
    ...[...names].filter((name) => manifest[name]).map(async (name) => {
      const url = new URL(`wasm/${manifest[name].file}`, root);
      run.artifactUrls.set(name, url.href);
      if (manifest[name].folder) return; // wasm-bindgen's glue: webGlue() fetches its files
      const bytes = overrides?.[name] ?? new Uint8Array(await (await fetch(url)).arrayBuffer());
      run.artifacts.set(name, bytes);
    }),
    // A file the page lacks is missing only if expectFile() asks for it.
    ...expected.map(async (name) => {
      const response = await fetch(new URL(`wasm/expected/${name}.txt`, root));
      if (response.ok) run.expected.set(name, await response.text());
    }),
  ]);
}

/**
 * The test file as a module the page can import: its imports point at the
 * page's stand-ins, and one line in front gives it the recording
 * built-ins of session.js.
 */
function rewrite(text, root) {
  const imports = text.replace(/^import\s+([\s\S]*?)\s+from\s+(['"])([^'"]+)\2/gm, (_, clause, _quote, specifier) => {
    return `import ${clause} from '${resolve(specifier, clause, root)}'`;
  });
  return `import { scope as playground } from '${here('session.js')}'; const { Uint8Array, DataView, WebAssembly } = playground;\n${imports}`;
}

/** The packages the page serves (the copy step of ci/playgrounds.py puts them there). */
const PACKAGES = {
  'wasm-memory-js': 'wasm-memory-js/index.mjs',
  '@assemblyscript/loader': 'assemblyscript-loader/index.js',
};

/** The tools a test may import, as the page has them: jco's transpile (jco.js). */
const TOOLS = { '@bytecodealliance/jco': 'jco.js' };

/** Whether the test file imports `specifier`. */
function imports(lines, specifier) {
  return lines.some((line) => line.startsWith('import ') && line.includes(`'${specifier}'`));
}

function resolve(specifier, clause, root) {
  if (specifier === 'node:test') return here('node-test.js');
  if (specifier === 'node:assert/strict' || specifier === 'node:assert') return here('assert.js');
  if (specifier === './book.mjs') return here('book.js');
  if (PACKAGES[specifier]) return new URL(`wasm/${PACKAGES[specifier]}`, root).href;
  if (TOOLS[specifier]) return here(TOOLS[specifier]);
  if (specifier.startsWith('./')) return new URL(`wasm/js/${specifier.slice(2)}`, root).href;
  // A Node module: every name the file imports from it fails when used.
  const names = /\{([\s\S]*)\}/.exec(clause)?.[1].split(',').map((name) => name.trim().split(/\s+as\s+/)[0]).filter(Boolean) ?? [];
  const stub = [
    `import { nodeOnly } from '${here('session.js')}';`,
    `export default nodeOnly(${JSON.stringify(specifier)});`,
    ...names.map((name) => `export const ${name} = nodeOnly(${JSON.stringify(specifier)}, ${JSON.stringify(name)});`),
  ].join('\n');
  return URL.createObjectURL(new Blob([stub], { type: 'text/javascript' }));
}

/** The console of the test: its lines go to the output, as Node would print them. */
function captureConsole() {
  const log = (...args) => print(args.map((arg) => (typeof arg === 'string' ? arg : show(arg))).join(' '));
  Object.assign(self.console, { log, info: log, warn: log, error: log });
}

/** Where an error was thrown: a line of the block, or of the test file around it. */
function location(error, url, { start, end, shift }, file) {
  const line = new RegExp(`${url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:(\\d+):\\d+`).exec(error?.stack ?? '')?.[1];
  if (!line) return undefined;
  const index = Number(line) - 2; // 0-based, after the line rewrite() puts in front
  if (index >= start && index < end) return `line ${index - start + 1} of this block`;
  return `line ${(index >= end ? index - shift : index) + 1} of harness/js/${file}`;
}
