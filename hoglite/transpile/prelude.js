// hoglite's JavaScript runtime for transpiled Hog: the value model and the language helpers.
//
// The file is split into sections, each headed `//# NAME: DEPENDENCIES`; the transpiler copies the
// sections a program needs (and what they depend on), in file order. Every name a generated program
// refers to starts with `__`, so no Hog variable (renamed when it starts with `__`) can shadow one.
//
// Hog values in JavaScript: null, booleans, numbers, strings, arrays, tuples (arrays carrying the
// __TUPLE symbol), dicts (Map), and records that are also Maps so they behave as dicts wherever Hog
// treats them as one: __HogErrorValue, __HogDate, __HogDateTime. Functions are __HogFunction.
// Behaviour follows hoglite's Python VM (hoglite/vm/operators.py, properties.py, values.py).

//# core:
class __HogRuntimeError extends Error {
  constructor(message, kind, hint) {
    super(message);
    this.name = 'HogRuntimeError';
    this.kind = kind || 'runtime error';
    this.hint = hint || null;
  }
}

function __hinted(message, hint) {
  return new __HogRuntimeError(message, 'runtime error', hint);
}

function __limitError(message) {
  return new __HogRuntimeError(message, 'limit exceeded');
}

class __HogThrow extends Error {
  constructor(value) {
    // `Type('message')` with JavaScript's String() of both and only `'` escaped, as PostHog writes it
    // (and hoglite's UncaughtHogError).
    super(`${String(value.get('type'))}('${String(value.get('message')).replace(/'/g, "\\'")}')`);
    this.name = 'HogThrow';
    this.value = value;
  }
}

const __TUPLE = Symbol('hogTuple');

// Filled in by optional sections (the date functions), so the core does not depend on them.
const __hooks = { dateArithmetic: null, datetimeToString: null };

function __tuple(items) {
  Object.defineProperty(items, __TUPLE, { value: true });
  return items;
}

function __isTuple(v) {
  return Array.isArray(v) && v[__TUPLE] === true;
}

// Records print and convert like plain JavaScript objects ("[object Object]"), dicts like Maps.
class __HogRecord extends Map {
  get [Symbol.toStringTag]() {
    return 'Object';
  }
}

class __HogErrorValue extends __HogRecord {}
class __HogDate extends __HogRecord {}
class __HogDateTime extends __HogRecord {}

function __newError(type, message, payload) {
  const error = new __HogErrorValue();
  error.set('__hogError__', true);
  error.set('type', type ? type : 'Error');
  error.set('message', message ? message : 'An error occurred');
  error.set('payload', payload === undefined ? null : payload);
  return error;
}

function __newDate(year, month, day) {
  const date = new __HogDate();
  date.set('__hogDate__', true);
  date.set('year', year);
  date.set('month', month);
  date.set('day', day);
  return date;
}

function __newDateTime(dt, zone) {
  const value = new __HogDateTime();
  value.set('__hogDateTime__', true);
  value.set('dt', dt);
  value.set('zone', zone);
  return value;
}

function __isDict(v) {
  return v instanceof Map && !(v instanceof __HogRecord);
}

class __HogFunction {
  // kind: 'local' (Hog code), 'stl' (a built-in used as a value), 'async' (a host async function)
  // chunk: where PostHog's VM would run it ('stl/NAME' for a built-in written in Hog; else unset)
  constructor(name, argCount, impl, kind, chunk) {
    this.name = name;
    this.argCount = argCount;
    this.impl = impl;
    this.kind = kind;
    this.chunk = chunk || null;
  }
}

function __fn(name, argCount, impl) {
  return new __HogFunction(name, argCount, impl, 'local');
}

// Python's str() of a value, where the VM formats one with an f-string (error types).
function __pyStr(v) {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  return __printValue(v);
}

function __typeOf(v) {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'float';
  if (typeof v === 'string') return 'string';
  if (Array.isArray(v)) return v[__TUPLE] ? 'tuple' : 'array';
  if (v instanceof __HogErrorValue) return 'error';
  if (v instanceof __HogDateTime) return 'datetime';
  if (v instanceof __HogDate) return 'date';
  if (v instanceof Map) return 'object';
  if (v instanceof __HogFunction) return 'function';
  return 'unknown';
}

// -- printing (hog-language §7.2) ------------------------------------------------------------------

const __ESCAPES = { '\b': '\\b', '\f': '\\f', '\r': '\\r', '\n': '\\n', '\t': '\\t', '\0': '\\0', '\v': '\\v', '\\': '\\\\' };

function __quoteString(s) {
  let out = "'";
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    out += ch === "'" ? "\\'" : (__ESCAPES[ch] ?? ch);
  }
  return out + "'";
}

function __quoteIdentifier(name) {
  if (typeof name === 'number') return String(name);
  name = String(name);
  if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name)) return name;
  let out = '`';
  for (let i = 0; i < name.length; i++) {
    const ch = name[i];
    out += ch === '`' ? '``' : (__ESCAPES[ch] ?? ch);
  }
  return out + '`';
}

function __datetimeSeconds(dt) {
  const text = typeof dt === 'number' ? String(dt) : __pyStr(dt);
  return text.includes('.') ? text : text + '.0';
}

function __printValue(v, path) {
  if (v === null || v === undefined) return 'null';
  if (v === true) return 'true';
  if (v === false) return 'false';
  if (typeof v === 'string') return __quoteString(v);
  if (typeof v === 'number') return String(v);
  if (v instanceof __HogFunction) return `fn<${__quoteIdentifier(v.name || 'lambda')}(${v.argCount})>`;
  if (v instanceof __HogDateTime) {
    return `DateTime(${__datetimeSeconds(v.get('dt'))}, ${__quoteString(__pyStr(v.get('zone')))})`;
  }
  if (v instanceof __HogDate) {
    return `Date(${__printValue(v.get('year'))}, ${__printValue(v.get('month'))}, ${__printValue(v.get('day'))})`;
  }
  path = path || new Set();
  if (v instanceof __HogErrorValue) {
    // Errors, like dates and functions, are exempt from the cycle check (as in PostHog and hoglite's
    // VM), but their payload is not: an error inside its own payload prints as `Type('m', null)` there.
    const payload = v.get('payload');
    const message = v.get('message');
    const text = __quoteString(typeof message === 'string' ? message : __printString(message));
    const type = String(v.get('type')); // JavaScript's String() of a non-string type, as PostHog
    return payload ? `${type}(${text}, ${__printValue(payload, path)})` : `${type}(${text})`;
  }
  if (path.has(v)) return 'null';
  path.add(v);
  try {
    if (Array.isArray(v)) {
      const inner = v.map((item) => __printValue(item, path)).join(', ');
      if (v[__TUPLE]) return v.length < 2 ? `tuple(${inner})` : `(${inner})`;
      return `[${inner}]`;
    }
    if (v instanceof Map) {
      const parts = [];
      for (const [key, item] of v) parts.push(`${__printValue(key, path)}: ${__printValue(item, path)}`);
      return '{' + parts.join(', ') + '}';
    }
  } finally {
    path.delete(v);
  }
  return String(v);
}

function __printString(v) {
  return typeof v === 'string' ? v : __printValue(v);
}

// JSON.stringify of a value as PostHog's VM holds it, for `Invalid closure: ...` (as hoglite's VM,
// hoglite/vm/runtime.py js_json): a dict is a Map there (`{}`), a tuple an array, -0 prints `0`,
// NaN/Infinity `null`; errors, dates and functions are plain objects with their marker keys (an error
// has no `payload` key when its payload is null). Past 100 levels (a cycle) a value is `null`.
function __jsJson(v) {
  const object = (entries, depth) =>
    '{' + entries.map(([key, item]) => `${JSON.stringify(String(key))}:${encode(item, depth + 1)}`).join(',') + '}';
  const encode = (item, depth) => {
    if (item === null || item === undefined || depth > 100) return 'null';
    if (typeof item === 'boolean') return item ? 'true' : 'false';
    if (typeof item === 'string') return JSON.stringify(item);
    if (typeof item === 'number') return Number.isFinite(item) ? JSON.stringify(item) : 'null';
    if (__isDict(item)) return '{}';
    if (Array.isArray(item)) return '[' + item.map((child) => encode(child, depth + 1)).join(',') + ']';
    if (item instanceof __HogErrorValue) {
      const fields = [['__hogError__', true], ['type', item.get('type')], ['message', item.get('message')]];
      const payload = item.get('payload');
      if (payload !== null && payload !== undefined) fields.push(['payload', payload]);
      return object(fields, depth);
    }
    if (item instanceof Map) return object([...item], depth); // dates: plain objects
    if (item instanceof __HogFunction) return __callableJson(item);
    return 'null';
  };
  return encode(v, 0);
}

// A function value as PostHog's closure object (its key order). Built-ins have fixed fields; a
// function written in the program runs from no bytecode here, so its position in the bytecode (`ip`)
// and its captured upvalues are unknown, and those keys are left out.
function __callableJson(fn) {
  const head = `"__hogCallable__":${JSON.stringify(fn.kind)},"name":${JSON.stringify(String(fn.name))}`;
  if (fn.kind === 'local') return `{"__hogClosure__":true,"callable":{${head},"chunk":"root","argCount":${fn.argCount}}}`;
  const chunk = fn.kind === 'async' ? 'async' : fn.chunk || 'stl';
  const ip = chunk.startsWith('stl/') ? 0 : -1;
  return `{"__hogClosure__":true,"callable":{${head},"chunk":${JSON.stringify(chunk)},"argCount":${fn.argCount},` +
    `"upvalueCount":0,"ip":${ip}},"upvalues":[]}`;
}

// -- the host boundary: plain JSON <-> Hog values --------------------------------------------------

function __fromJson(v, seen) {
  if (v === undefined || v === null) return null;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v !== 'object') return typeof v === 'function' ? null : v;
  if (v instanceof Map || v instanceof __HogFunction) return __deepCopy(v);
  seen = seen || new Map();
  if (seen.has(v)) return seen.get(v);
  if (Array.isArray(v)) {
    const out = [];
    seen.set(v, out);
    for (const item of v) out.push(__fromJson(item, seen));
    seen.delete(v);
    return v[__TUPLE] ? __tuple(out) : out;
  }
  if (v.__hogDateTime__ && 'dt' in v) return __newDateTime(v.dt, v.zone || 'UTC');
  if (v.__hogDate__ && 'year' in v) return __newDate(v.year, v.month, v.day);
  const out = new Map();
  seen.set(v, out);
  for (const key of Object.keys(v)) out.set(key, __fromJson(v[key], seen));
  seen.delete(v);
  return out;
}

// Hog value -> plain JSON (what a host function receives): dict keys become strings, tuples lists,
// NaN/Infinity null, functions a marker object, a container met again inside itself null.
function __toJson(v, path) {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v !== 'object') return v;
  if (v instanceof __HogFunction) {
    return { __hogClosure__: true, callable: { __hogCallable__: v.kind, name: v.name, argCount: v.argCount } };
  }
  path = path || new Set();
  if (path.has(v)) return null;
  path.add(v);
  try {
    if (Array.isArray(v)) return v.map((item) => __toJson(item, path));
    const out = {};
    for (const [key, item] of v) out[__jsonKey(key)] = __toJson(item, path);
    return out;
  } finally {
    path.delete(v);
  }
}

function __jsonKey(key) {
  if (typeof key === 'string') return key;
  if (Array.isArray(key)) return key.map((item) => (item === null ? '' : __jsonKey(item))).join(',');
  return String(key);
}

function __deepCopy(v, seen) {
  if (v === null || typeof v !== 'object') return v;
  seen = seen || new Map();
  if (seen.has(v)) return seen.get(v);
  if (Array.isArray(v)) {
    const out = [];
    seen.set(v, out);
    for (const item of v) out.push(__deepCopy(item, seen));
    return v[__TUPLE] ? __tuple(out) : out;
  }
  if (v instanceof Map) {
    const out = new v.constructor();
    seen.set(v, out);
    for (const [key, item] of v) out.set(key, __deepCopy(item, seen));
    return out;
  }
  return v;
}

// -- properties ------------------------------------------------------------------------------------

const __ARRAYS_START = 'Hog arrays start from index 1';

function __get(obj, key) {
  if (obj instanceof Map) {
    const value = obj.get(key);
    return value === undefined ? null : value;
  }
  if (Array.isArray(obj)) {
    if (typeof key === 'number') {
      if (key !== key) return null;
      if (key === 0) throw new __HogRuntimeError(__ARRAYS_START);
      if (!Number.isInteger(key)) return null;
      if (key > 0) return key <= obj.length ? obj[key - 1] : null;
      const index = obj.length + key;
      return index >= 0 ? obj[index] : null;
    }
    if (key === 'length') return obj.length;
    // JavaScript reads an array's own index property: '1' is the 0-based element there (PostHog).
    if (typeof key === 'string' && /^(?:0|[1-9][0-9]*)$/.test(key)) {
      const position = Number(key);
      return position < obj.length ? obj[position] : null;
    }
    return null;
  }
  return null;
}

function __keyText(key) {
  return key === null ? '' : String(key);
}

// Keys a Python dict accepts (hashable values): no arrays, dicts or records (tuples of such neither).
function __checkKey(key) {
  if (key instanceof Map || (Array.isArray(key) && !(key[__TUPLE] && key.every(__isHashable)))) {
    throw new __HogRuntimeError('Dict keys must be strings, numbers, booleans or null');
  }
  return key;
}

function __isHashable(key) {
  return !(key instanceof Map) && !(Array.isArray(key) && !(key[__TUPLE] && key.every(__isHashable)));
}

function __dict(pairs) {
  const out = new Map();
  for (const [key, value] of pairs) out.set(__checkKey(key), value);
  return out;
}

const __MAX_CONTAINER = 8388608;

function __set(obj, key, value) {
  if (__isDict(obj)) {
    obj.set(__checkKey(key), value);
    return;
  }
  if (__isTuple(obj)) {
    // Tuples are immutable, as on hoglite's VM (docs/compat.md §7).
    throw new __HogRuntimeError(`Can not set ${__keyText(key)} on element of type tuple`);
  }
  if (Array.isArray(obj)) {
    if (typeof key !== 'number') throw new __HogRuntimeError(`Can not set ${__keyText(key)} on element of type object`);
    if (key <= 0) throw new __HogRuntimeError(__ARRAYS_START);
    if (!Number.isInteger(key)) return; // JavaScript would store a property nobody can read back
    if (key <= obj.length) {
      obj[key - 1] = value;
      return;
    }
    if (key > __MAX_CONTAINER) {
      throw __limitError(`Container size limit of ${__MAX_CONTAINER} elements exceeded. Tried to build ${key}.`);
    }
    while (obj.length < key - 1) obj.push(null);
    obj.push(value);
    return;
  }
  if (obj !== null && typeof obj === 'object') {
    throw new __HogRuntimeError(`Can not set ${__keyText(key)} on element of type object`);
  }
  const jsType = obj === null ? 'object' : typeof obj;
  throw new __HogRuntimeError(`Can not set ${__keyText(key)} on non-object: ${jsType}`);
}

// `and` / `or`: the VM evaluates every operand, then gives a boolean.
function __all(values) {
  return values.every((v) => !!v);
}

function __any(values) {
  return values.some((v) => !!v);
}

// -- calls -----------------------------------------------------------------------------------------

const __MAX_ARGS = 300;
const __MAX_DEPTH = 1000;

function __checkCall(args, callee) {
  if (!(callee instanceof __HogFunction)) throw new __HogRuntimeError(`Invalid closure: ${__jsJson(callee)}`);
  if (args.length > __MAX_ARGS) throw new __HogRuntimeError('Too many arguments');
  if (callee.kind === 'local') {
    if (args.length > callee.argCount) {
      throw new __HogRuntimeError(`Too many arguments. Passed ${args.length}, expected ${callee.argCount}`);
    }
    while (args.length < callee.argCount) args.push(null);
  }
}

function __push(rt) {
  if (++rt.depth > __MAX_DEPTH) {
    rt.depth--;
    throw __limitError(`Call stack exceeded maximum length of ${__MAX_DEPTH}`);
  }
  if ((++rt.ticks & 1023) === 0) __checkTime(rt);
}

function __checkTime(rt) {
  if (rt.deadline !== null && Date.now() > rt.deadline) {
    throw __limitError(`Execution timed out after ${rt.timeoutSeconds} seconds.`);
  }
}

// One loop iteration: loops check the run's time limit now and then (a cheap counter otherwise).
function __tick(rt) {
  if ((++rt.ticks & 1023) === 0) __checkTime(rt);
  return true;
}

function __call(rt, args, callee) {
  __checkCall(args, callee);
  if (callee.kind !== 'local') return callee.impl(rt, args);
  __push(rt);
  try {
    return callee.impl(...args);
  } finally {
    rt.depth--;
  }
}

async function __callAsync(rt, args, callee) {
  __checkCall(args, callee);
  if (callee.kind !== 'local') return await callee.impl(rt, args);
  __push(rt);
  try {
    return await callee.impl(...args);
  } finally {
    rt.depth--;
  }
}

// A built-in called by name with an argument count outside its arity (arguments already evaluated).
function __arityError(name, count, min, max) {
  if (count > __MAX_ARGS) throw new __HogRuntimeError('Too many arguments');
  if (count < min) throw new __HogRuntimeError(`Function ${name} requires at least ${min} arguments`);
  throw new __HogRuntimeError(`Function ${name} requires at most ${max} arguments`);
}

function __tooManyArgs() {
  throw new __HogRuntimeError('Too many arguments');
}

// A host function by name: own properties only (never `constructor`, `toString`, ... of the object).
function __hostFunction(rt, name) {
  const table = rt.functions;
  if (!table || !Object.prototype.hasOwnProperty.call(table, name)) return null;
  return typeof table[name] === 'function' ? table[name] : null;
}

// A call of a name that is no local and no built-in: a host function, else an error.
function __callGlobal(rt, name, args) {
  if (args.length > __MAX_ARGS) throw new __HogRuntimeError('Too many arguments');
  const fn = __hostFunction(rt, name);
  if (fn === null) throw new __HogRuntimeError(`Unsupported function call: ${name}`);
  return __fromJson(fn(...args.map((arg) => __toJson(arg))));
}

async function __callHostAsync(rt, name, args) {
  if (args.length > __MAX_ARGS) throw new __HogRuntimeError('Too many arguments');
  const fn = rt.asyncFunctions && Object.prototype.hasOwnProperty.call(rt.asyncFunctions, name) ? rt.asyncFunctions[name] : null;
  if (typeof fn !== 'function') {
    if (__hostFunction(rt, name) !== null) return __callGlobal(rt, name, args);
    throw new __HogRuntimeError(`Unsupported function call: ${name}`);
  }
  if (rt.asyncSteps >= rt.maxAsyncSteps) throw __limitError(`Exceeded maximum number of async steps: ${rt.maxAsyncSteps}`);
  rt.asyncSteps++;
  const started = Date.now();
  const result = await fn(...args.map((arg) => __toJson(arg)));
  if (rt.deadline !== null) rt.deadline += Date.now() - started; // waiting is not execution time
  return __fromJson(result);
}

// -- globals ---------------------------------------------------------------------------------------

function __global(rt, chain) {
  const root = chain[0];
  if (rt.globals.has(root)) {
    let value = rt.globals.get(root);
    for (const key of chain.slice(1)) {
      if (value === null) return null;
      value = typeof value === 'string' ? (key === 'length' ? value.length : null) : __get(value, key);
    }
    return __deepCopy(value);
  }
  if (chain.length === 1) {
    const builtin = __builtinValue(rt, root);
    if (builtin !== null) return builtin;
  }
  throw new __HogRuntimeError(`Global variable not found: ${chain.map((key) => (key === null ? '' : String(key))).join('.')}`);
}

// A built-in (or host function) used as a value; one object per name and run, so `f == f` holds.
function __builtinValue(rt, name) {
  if (rt.builtins.has(name)) return rt.builtins.get(name);
  let fn = null;
  if (rt.asyncNames.has(name)) {
    fn = new __HogFunction(name, name === 'sleep' ? 1 : 0, (r, args) => __STL_ASYNC(r, name, args), 'async');
  } else if (__hostFunction(rt, name) !== null) {
    fn = new __HogFunction(name, 0, (r, args) => __callGlobal(r, name, args), 'stl');
  } else if (Object.prototype.hasOwnProperty.call(__STL_TABLE, name)) {
    const [min, max] = __STL_ARITY[name];
    const impl = __STL_TABLE[name];
    fn = new __HogFunction(name, max ?? 0, (r, args) => {
      if (args.length < min) throw new __HogRuntimeError(`Function ${name} requires at least ${min} arguments`);
      if (max !== null && args.length > max) throw new __HogRuntimeError(`Function ${name} requires at most ${max} arguments`);
      while (max !== null && args.length < max) args.push(null);
      return impl(r, ...args);
    }, 'stl');
  } else if (Object.prototype.hasOwnProperty.call(__HOG_STL_TABLE, name)) {
    // A built-in written in Hog (arrayMap, ...) can be read, printed and passed on as a value, but not
    // called through one: PostHog's VMs call only native built-ins that way, and so does hoglite's VM.
    const count = __HOG_STL_TABLE[name];
    fn = new __HogFunction(name, count, () => {
      throw new __HogRuntimeError(`Unsupported function call: ${name}`);
    }, 'stl', `stl/${name}`);
  }
  if (fn !== null) rt.builtins.set(name, fn);
  return fn;
}

// A built-in written in Hog (hoglite/stl/hog): exactly its parameter count, and one call frame.
function __callHogStl(rt, name, count, impl, args) {
  if (args.length !== count) throw new __HogRuntimeError(`Function ${name} requires exactly ${count} arguments`);
  __push(rt);
  let result;
  try {
    result = impl(rt, ...args);
  } catch (error) {
    rt.depth--;
    throw error;
  }
  if (result instanceof Promise) return result.finally(() => { rt.depth--; });
  rt.depth--;
  return result;
}

// -- throw -----------------------------------------------------------------------------------------

function __throwable(value) {
  if (!(value instanceof __HogErrorValue)) throw new __HogRuntimeError('Can not throw: value is not of type Error');
  return new __HogThrow(value);
}

// What a catch clause receives: a Hog throw's value; anything else (runtime errors) goes on up.
function __caught(error) {
  if (error instanceof __HogThrow) return error.value;
  throw error;
}

//# arithmetic: core
// Both sides go through JavaScript's Number(), as in the VM (which mirrors it in Python); a Date or
// DateTime plus or minus an interval moves it (when the program has the date functions).
function __plus(l, r) {
  if (l instanceof __HogRecord && __hooks.dateArithmetic !== null) {
    const moved = __hooks.dateArithmetic(l, r, 1);
    if (moved !== undefined) return moved;
  }
  return Number(l) + Number(r);
}
function __minus(l, r) {
  if (l instanceof __HogRecord && __hooks.dateArithmetic !== null) {
    const moved = __hooks.dateArithmetic(l, r, -1);
    if (moved !== undefined) return moved;
  }
  return Number(l) - Number(r);
}
function __multiply(l, r) { return Number(l) * Number(r); }
function __divide(l, r) { return Number(l) / Number(r); }
function __mod(l, r) { return Number(l) % Number(r); }
// The same with the operands written right first: the VM evaluates the right operand first.
function __plusRL(r, l) { return __plus(l, r); }
function __minusRL(r, l) { return __minus(l, r); }
function __multiplyRL(r, l) { return Number(l) * Number(r); }
function __divideRL(r, l) { return Number(l) / Number(r); }
function __modRL(r, l) { return Number(l) % Number(r); }

//# run: core
// One run's state: the host's services, the globals, the call depth and the time limit.
function __runtime(globals, host, asyncNames) {
  host = host || {};
  const asyncFunctions = Object.assign({}, host.asyncFunctions || {});
  if (typeof host.fetch === 'function' && !asyncFunctions.fetch) asyncFunctions.fetch = host.fetch;
  const timeoutSeconds = host.timeoutSeconds === undefined ? 5 : host.timeoutSeconds;
  const globalMap = new Map();
  for (const key of Object.keys(globals || {})) globalMap.set(key, __fromJson(globals[key]));
  return {
    print: typeof host.print === 'function' ? host.print : (line) => console.log(line),
    now: typeof host.now === 'function' ? host.now : () => Date.now() / 1000,
    random: typeof host.random === 'function' ? host.random : Math.random,
    uuid4: typeof host.uuid4 === 'function' ? host.uuid4 : () => globalThis.crypto.randomUUID(),
    functions: host.functions || null,
    asyncFunctions,
    asyncNames: new Set(asyncNames),
    globals: globalMap,
    builtins: new Map(),
    depth: 1,
    ticks: 0,
    timeoutSeconds,
    deadline: timeoutSeconds === null ? null : Date.now() + timeoutSeconds * 1000,
    asyncSteps: 0,
    maxAsyncSteps: host.maxAsyncSteps === undefined ? 100 : host.maxAsyncSteps,
  };
}

// An async call by name (`fetch`, `sleep`, any async host function).
async function __asyncCall(rt, name, args) {
  if (name === 'sleep' && !Object.prototype.hasOwnProperty.call(rt.asyncFunctions, 'sleep')) {
    if (args.length > __MAX_ARGS) throw new __HogRuntimeError('Too many arguments');
    if (rt.asyncSteps >= rt.maxAsyncSteps) throw __limitError(`Exceeded maximum number of async steps: ${rt.maxAsyncSteps}`);
    rt.asyncSteps++;
    let seconds = Number(args[0] ?? null);
    if (!(seconds > 0)) seconds = 0;
    const started = Date.now();
    await new Promise((resolve) => setTimeout(resolve, Math.min(seconds * 1000, 2147483647)));
    if (rt.deadline !== null) rt.deadline += Date.now() - started;
    return null;
  }
  return __callHostAsync(rt, name, args);
}
const __STL_ASYNC = __asyncCall;

// The text `hoglite run` prints for an error that ends the run (first line; the caret follows).
function __errorHeadline(error) {
  if (error instanceof __HogThrow) return `uncaught error: ${error.message}`;
  if (error instanceof __HogRuntimeError) return `${error.kind}: ${error.message}`;
  if (error instanceof RangeError && /call stack/i.test(error.message)) {
    return `limit exceeded: Call stack exceeded maximum length of ${__MAX_DEPTH}`;
  }
  return `runtime error: Error: ${error && error.name}: ${error && error.message}`;
}

// The position of an error in the Hog source: the innermost frame of the generated program that is
// a recorded site (see `__SITE_AT`), mapped to its Hog span.
function __errorSpan(error, siteAt, sites) {
  const stack = error && typeof error.stack === 'string' ? error.stack.split('\n') : [];
  for (const line of stack) {
    const m = /:(\d+):(\d+)\)?$/.exec(line);
    if (!m) continue;
    const site = siteAt[`${m[1]}:${m[2]}`];
    if (site !== undefined) return sites[site];
  }
  return null;
}

// hoglite's caret snippet (hoglite/source.py) for a span [start, end, line, column, endLine, endColumn].
function __caretSnippet(text, span, name) {
  const [, , line, column, endLine, endColumn] = span;
  const lines = text.split('\n');
  const lineText = (lines[line - 1] ?? '').replace(/\r+$/, '').replace(/\t/g, ' ');
  let width = 1;
  if (endLine === line && endColumn > column) width = endColumn - column;
  width = Math.max(1, Math.min(width, Math.max(1, [...lineText].length - column + 1)));
  const gutter = String(line).length;
  const pad = ' '.repeat(gutter);
  const location = name ? `${name}:${line}:${column}` : `line ${line}, column ${column}`;
  return `${pad}--> ${location}\n${pad} |\n${line} | ${lineText}\n${pad} | ${' '.repeat(column - 1)}${'^'.repeat(width)}`;
}

function __renderError(error, source) {
  const head = __errorHeadline(error);
  const span = source ? __errorSpan(error, source.siteAt, source.sites) : null;
  let text = head;
  if (span && source.text !== null) text = `${head}\n${__caretSnippet(source.text, span, source.name)}`;
  else if (span) text = `${head} (line ${span[2]}, column ${span[3]})`;
  if (error instanceof __HogRuntimeError && error.hint) text += `\nhint: ${error.hint}`;
  return text;
}

//# script: run
// Run as a node script: empty globals, output to stdout, errors to stderr as `hoglite run` shows them.
function __runScript(program, asyncNames, source) {
  Error.stackTraceLimit = 64;
  const host = { print: (line) => process.stdout.write(line + '\n') };
  let rt;
  Promise.resolve()
    .then(() => {
      rt = __runtime({}, host, asyncNames);
      return program(rt);
    })
    .then(
      () => {},
      (error) => {
        process.stderr.write(__renderError(error, source) + '\n');
        process.exitCode = 1;
      },
    );
}
