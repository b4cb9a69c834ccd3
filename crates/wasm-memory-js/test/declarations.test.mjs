// index.d.ts and index.mjs agree: every value the module exports is
// declared and nothing declared is missing, down to the members of its
// classes, of the handles a Guest makes, and of ErrorKind and Reason, and
// the value of each constant. The declarations are read by the TypeScript
// compiler of the devDependencies, through its API (`typescript/unstable/
// sync` in TypeScript 7: unstable, so a TypeScript upgrade may change it).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { API, SymbolFlags } from 'typescript/unstable/sync';

import * as wasmMemory from '../index.mjs';
import { instantiateFixture } from './support.mjs';

let api;
/** The symbols index.d.ts exports, by name. */
let declared;
let checker;

before(() => {
  api = new API({ cwd: fileURLToPath(new URL('..', import.meta.url)) });
  const project = api.updateSnapshot({ openProject: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) }).getProjects()[0];
  checker = project.checker;
  const file = project.program.getSourceFile(fileURLToPath(new URL('../index.d.ts', import.meta.url)));
  declared = new Map(checker.getExportsOfModule(checker.getSymbolAtLocation(file)).map((symbol) => [symbol.name, symbol]));
});

after(() => api?.close());

const sorted = (names) => [...names].sort();
const has = (symbol, flag) => (symbol.flags & flag) !== 0;

/** What JavaScript sees of a class's prototype or a handle's: its methods and accessors, without `constructor`. */
const prototypeMembers = (prototype) => Object.getOwnPropertyNames(prototype).filter((name) => name !== 'constructor');

/** The declared members of a class or an interface that live on the prototype: methods and accessors. */
const declaredPrototypeMembers = (symbol) => [...symbol.getMembers().values()]
  .filter((member) => has(member, SymbolFlags.Method | SymbolFlags.Accessor))
  .map((member) => member.name);

test('every value the module exports is declared, and every value declared is exported', () => {
  const values = [...declared.values()].filter((symbol) => has(symbol, SymbolFlags.Value)).map((symbol) => symbol.name);
  assert.deepEqual(sorted(values), sorted(Object.keys(wasmMemory)));
});

test('each class has the static and prototype members it is declared with', () => {
  const classes = [...declared.values()].filter((symbol) => has(symbol, SymbolFlags.Class));
  assert.deepEqual(sorted(classes.map((symbol) => symbol.name)), ['Convention', 'Guest', 'GuestBuffer', 'WasmMemoryError']);
  for (const symbol of classes) {
    const runtime = wasmMemory[symbol.name];
    const statics = [...symbol.getExports().keys()].filter((name) => name !== 'prototype');
    const runtimeStatics = Object.getOwnPropertyNames(runtime).filter((name) => !['length', 'name', 'prototype'].includes(name));
    assert.deepEqual(sorted(statics), sorted(runtimeStatics), `${symbol.name}'s static members`);
    assert.deepEqual(sorted(declaredPrototypeMembers(symbol)), sorted(prototypeMembers(runtime.prototype)), `${symbol.name}'s methods`);
  }
});

test("each instance's own fields are declared, and every field declared required is there", () => {
  const { Convention, ErrorKind, Guest, GuestBuffer, WasmMemoryError } = wasmMemory;
  const instances = {
    Convention: new Convention(),
    Guest: new Guest(instantiateFixture('guest')),
    GuestBuffer: new GuestBuffer(1024, 4, 'allocate'),
    WasmMemoryError: new WasmMemoryError(ErrorKind.Leaks, 'one leak', { leaks: [] }),
  };
  for (const [name, instance] of Object.entries(instances)) {
    const instanceType = checker.getDeclaredTypeOfSymbol(declared.get(name)); // with what it inherits and merges
    const fields = checker.getPropertiesOfType(instanceType).filter((member) => has(member, SymbolFlags.Property));
    const declaredNames = fields.map((field) => field.name);
    for (const key of Object.keys(instance)) assert.ok(declaredNames.includes(key), `${name}.${key} is not declared`);
    for (const field of fields.filter((member) => !has(member, SymbolFlags.Optional))) {
      assert.ok(Object.hasOwn(instance, field.name), `${name}.${field.name} is declared required, and missing`);
    }
  }
});

test('the handles a Guest makes have the members GuestExport and OutputExport declare', () => {
  const guest = new wasmMemory.Guest(instantiateFixture('guest'));
  for (const [name, handle] of [['GuestExport', guest.export('greet')], ['OutputExport', guest.outputExport('version')]]) {
    const symbol = declared.get(name);
    assert.ok(has(symbol, SymbolFlags.Interface) && !has(symbol, SymbolFlags.Value), `${name}: a type only, as index.mjs does not export it`);
    assert.deepEqual(sorted(declaredPrototypeMembers(symbol)), sorted(prototypeMembers(Object.getPrototypeOf(handle))), name);
  }
});

test('the constants, the kinds and the reasons have the values they are declared with', () => {
  const literal = (symbol) => checker.getTypeOfSymbol(symbol).value;
  for (const name of ['POINTER_LOW', 'POINTER_HIGH']) assert.equal(literal(declared.get(name)), wasmMemory[name], name);
  for (const name of ['ErrorKind', 'Reason']) {
    const properties = checker.getPropertiesOfType(checker.getTypeOfSymbol(declared.get(name)));
    const values = Object.fromEntries(properties.map((property) => [property.name, literal(property)]));
    assert.deepEqual(values, { ...wasmMemory[name] }, name);
  }
});
