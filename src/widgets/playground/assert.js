// `node:assert/strict` for a test file run in a page: the assertions the
// JavaScript room uses, failing with an AssertionError worded as Node's.

export class AssertionError extends Error {
  constructor(message) {
    super(message);
    this.name = 'AssertionError';
    this.code = 'ERR_ASSERTION';
  }
}

/** A value as Node's `util.inspect` prints it, for short values. */
export function inspect(value, depth = 0) {
  if (typeof value === 'string') return depth ? `'${value}'` : `'${value.replaceAll('\n', '\\n')}'`;
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return `[Function: ${value.name || '(anonymous)'}]`;
  if (value === null || typeof value !== 'object') return String(value);
  if (depth > 2) return Array.isArray(value) ? '[Array]' : '[Object]';
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  const items = (list) => {
    const shown = list.slice(0, 100).map((item) => inspect(item, depth + 1));
    if (list.length > 100) shown.push(`... ${list.length - 100} more items`);
    return shown.length ? `[ ${shown.join(', ')} ]` : '[]';
  };
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    return `${typedName(value)}(${value.length}) ${items([...value])}`;
  }
  if (Array.isArray(value)) return items(value);
  const entries = Object.entries(value).map(([key, item]) => `${key}: ${inspect(item, depth + 1)}`);
  return entries.length ? `{ ${entries.join(', ')} }` : '{}';
}

/** The built-in a typed array is, also for the page's recording subclasses. */
function typedName(view) {
  let proto = Object.getPrototypeOf(view);
  while (proto && !Object.hasOwn(globalThis, proto.constructor.name)) proto = Object.getPrototypeOf(proto);
  return proto?.constructor.name ?? 'TypedArray';
}

function isDeepEqual(a, b) {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) {
    return ArrayBuffer.isView(a) && ArrayBuffer.isView(b) && typedName(a) === typedName(b)
      && a.length === b.length && a.every((item, index) => Object.is(item, b[index]));
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (!Array.isArray(a) && Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (a instanceof Error && (a.name !== b.name || a.message !== b.message)) return false;
  if (a instanceof Map || a instanceof Set) {
    return a.size === b.size && [...a].every((entry, index) => isDeepEqual(entry, [...b][index]));
  }
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length
    && keys.every((key) => Object.hasOwn(b, key) && isDeepEqual(a[key], b[key]));
}

function fail(message, fallback) {
  if (message instanceof Error) throw message;
  throw new AssertionError(message ?? fallback);
}

export function equal(actual, expected, message) {
  if (!Object.is(actual, expected)) {
    fail(message, `Expected values to be strictly equal:\n\n${inspect(actual)} !== ${inspect(expected)}\n`);
  }
}

export function notEqual(actual, expected, message) {
  if (Object.is(actual, expected)) fail(message, `Expected "actual" to be strictly unequal to: ${inspect(expected)}`);
}

export function deepEqual(actual, expected, message) {
  if (!isDeepEqual(actual, expected)) {
    fail(message, `Expected values to be strictly deep-equal:\n+ actual - expected\n\n+ ${inspect(actual)}\n- ${inspect(expected)}\n`);
  }
}

export function notDeepEqual(actual, expected, message) {
  if (isDeepEqual(actual, expected)) fail(message, `Expected "actual" not to be strictly deep-equal to: ${inspect(expected)}`);
}

export function ok(value, message) {
  if (!value) fail(message, `The expression evaluated to a falsy value: ${inspect(value)}`);
}

export function match(string, regexp, message) {
  if (typeof string !== 'string' || !regexp.test(string)) {
    fail(message, `The input did not match the regular expression ${regexp}. Input:\n\n${inspect(string)}\n`);
  }
}

export function doesNotMatch(string, regexp, message) {
  if (typeof string !== 'string' || regexp.test(string)) {
    fail(message, `The input was expected to not match the regular expression ${regexp}. Input:\n\n${inspect(string)}\n`);
  }
}

/** Checks a thrown `error` against `expected`, as `assert.throws` does. */
function checkError(error, expected, message) {
  if (expected === undefined) return;
  if (expected instanceof RegExp) {
    if (!expected.test(String(error))) {
      fail(message, `The input did not match the regular expression ${expected}. Input:\n\n${inspect(String(error))}\n`);
    }
  } else if (typeof expected === 'function' && expected.prototype !== undefined && error instanceof expected) {
    // the expected class
  } else if (typeof expected === 'function' && Error.isPrototypeOf(expected)) {
    fail(message, `The error is expected to be an instance of "${expected.name}". Received "${error?.constructor?.name}"\n\nError message:\n\n${error?.message}`);
  } else if (typeof expected === 'function') {
    if (expected(error) !== true) fail(message, `The ${expected.name || 'validation'} function is expected to return "true". Received ${inspect(expected(error))}\n\nCaught error:\n\n${inspect(error)}`);
  } else {
    for (const [key, wanted] of Object.entries(expected)) {
      const got = error?.[key];
      const same = wanted instanceof RegExp && typeof got === 'string' ? wanted.test(got) : isDeepEqual(got, wanted);
      if (!same) fail(message, `Expected values to be strictly deep-equal:\n+ actual - expected\n\n  Comparison {\n+   ${key}: ${inspect(got)}\n-   ${key}: ${inspect(wanted)}\n  }\n`);
    }
  }
}

export function throws(fn, expected, message) {
  if (typeof expected === 'string') [expected, message] = [undefined, expected];
  try {
    fn();
  } catch (error) {
    checkError(error, expected, message);
    return;
  }
  fail(message, `Missing expected exception${expected?.name ? ` (${expected.name})` : ''}.`);
}

export async function rejects(promiseOrFn, expected, message) {
  if (typeof expected === 'string') [expected, message] = [undefined, expected];
  try {
    await (typeof promiseOrFn === 'function' ? promiseOrFn() : promiseOrFn);
  } catch (error) {
    checkError(error, expected, message);
    return;
  }
  fail(message, `Missing expected rejection${expected?.name ? ` (${expected.name})` : ''}.`);
}

const assert = Object.assign((value, message) => ok(value, message), {
  AssertionError, deepEqual, doesNotMatch, equal, match, notDeepEqual, notEqual, ok, rejects, strictEqual: equal, throws,
});
export default assert;
