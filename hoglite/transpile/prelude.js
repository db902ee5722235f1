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
    super(`${__pyStr(value.get('type'))}('${String(value.get('message')).replace(/\\/g, '\\\\').replace(/'/g, "\\'")}')`);
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
  constructor(name, argCount, impl, kind) {
    this.name = name;
    this.argCount = argCount;
    this.impl = impl;
    this.kind = kind;
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
    // Errors, like dates and functions, print even when met again on the path.
    const payload = v.get('payload');
    const message = v.get('message');
    const text = __quoteString(typeof message === 'string' ? message : __printString(message));
    if (payload && !path.has(v)) {
      path.add(v);
      try {
        return `${__pyStr(v.get('type'))}(${text}, ${__printValue(payload, path)})`;
      } finally {
        path.delete(v);
      }
    }
    return `${__pyStr(v.get('type'))}(${text})`;
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

// JSON.stringify as the VM shows values in error messages (a dict shows as `{}`).
function __jsJson(v) {
  const plain = (item, depth) => {
    if (depth > 50 || item === null || item === undefined) return null;
    if (__isDict(item)) return {};
    if (Array.isArray(item)) return item.map((x) => plain(x, depth + 1));
    return __toJson(item);
  };
  try {
    return JSON.stringify(plain(v, 0)) ?? 'null';
  } catch {
    return 'null';
  }
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
    return key === 'length' ? obj.length : null;
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
    const [count, impl] = __HOG_STL_TABLE[name];
    fn = new __HogFunction(name, count, (r, args) => __callHogStl(r, name, count, impl, args), 'stl');
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

//# compare: core
// Comparison operators (hoglite/vm/operators.py): unify the operand types, compare arrays of finite
// numbers element-wise, then equality is structural and ordering is JavaScript's `<`.
const __DATE_LIKE = /^([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[Tt ]([01][0-9]|2[0-3]):([0-5][0-9])(?::([0-5][0-9])(?:[.,]([0-9]{1,9}))?)?(Z|z|[+-](?:[01][0-9]|2[0-3])(?::?[0-5][0-9])?)?)?$/;

function __utcMs(year, month, day, hour, minute, second, ms) {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, ms);
  return date.getTime();
}

function __monthDays(year, month) {
  if (month === 2) return (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function __dateLikeSeconds(text) {
  const m = __DATE_LIKE.exec(text.trim());
  if (!m) return null;
  if (m[1] === '0000') return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1 || day > __monthDays(year, month)) return null;
  const millis = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  let ms = __utcMs(year, month, day, Number(m[4] || 0), Number(m[5] || 0), Number(m[6] || 0), millis);
  const zone = m[8];
  if (zone && zone !== 'Z' && zone !== 'z') {
    const digits = zone.slice(1).replace(':', '');
    const offset = (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || 0)) * 60000;
    ms -= zone[0] === '-' ? -offset : offset;
  }
  return ms / 1000;
}

function __temporalSeconds(v) {
  if (v instanceof __HogDateTime) {
    const dt = v.get('dt');
    return typeof dt === 'number' ? dt : NaN;
  }
  if (v instanceof __HogDate) {
    const year = Math.trunc(Number(v.get('year')));
    const month = Math.trunc(Number(v.get('month')));
    const day = Math.trunc(Number(v.get('day')));
    if (!(year >= 1 && year <= 9999 && month >= 1 && month <= 12 && day >= 1 && day <= __monthDays(year, month))) return NaN;
    return __utcMs(year, month, day, 0, 0, 0, 0) / 1000;
  }
  return null;
}

function __unify(l, r) {
  const ls = __temporalSeconds(l);
  const rs = __temporalSeconds(r);
  if (ls !== null || rs !== null) {
    if (ls !== null && rs !== null) return [ls, rs];
    if (ls !== null && typeof r === 'string') {
      const parsed = __dateLikeSeconds(r);
      if (parsed !== null) return [ls, parsed];
    }
    if (rs !== null && typeof l === 'string') {
      const parsed = __dateLikeSeconds(l);
      if (parsed !== null) return [parsed, rs];
    }
  }
  const lt = typeof l;
  const rt = typeof r;
  if (lt === 'number' && rt === 'string') return [l, Number(r)];
  if (lt === 'string' && rt === 'number') return [Number(l), r];
  if (lt === 'boolean' && rt === 'string') return [l, r === 'true'];
  if (lt === 'string' && rt === 'boolean') return [l === 'true', r];
  if (lt === 'boolean' && rt === 'number') return [l ? 1 : 0, r];
  if (lt === 'number' && rt === 'boolean') return [l, r ? 1 : 0];
  return [l, r];
}

function __finiteNumbers(items) {
  return items.every((item) => typeof item === 'number' && Number.isFinite(item));
}

function __sequenceOrder(l, r) {
  const n = Math.min(l.length, r.length);
  for (let i = 0; i < n; i++) {
    if (l[i] !== r[i]) return l[i] < r[i] ? -1 : 1;
  }
  return l.length > r.length ? 1 : l.length < r.length ? -1 : 0;
}

// Equality without coercion is JavaScript's `===`: primitives by value, containers by identity.
function __strictEquals(a, b) {
  return a === b;
}

function __eq(l, r) {
  const lt = typeof l;
  if (lt === typeof r && (lt === 'number' || lt === 'string')) return l === r;
  [l, r] = __unify(l, r);
  if (Array.isArray(l) && Array.isArray(r) && __finiteNumbers(l) && __finiteNumbers(r)) return __sequenceOrder(l, r) === 0;
  return __strictEquals(l, r);
}

function __notEq(l, r) { return !__eq(l, r); }

function __order(l, r, op) {
  [l, r] = __unify(l, r);
  if (Array.isArray(l) && Array.isArray(r) && __finiteNumbers(l) && __finiteNumbers(r)) {
    const order = __sequenceOrder(l, r);
    return op === '<' ? order < 0 : op === '<=' ? order <= 0 : op === '>' ? order > 0 : order >= 0;
  }
  // JavaScript's relational operators on the (unified) values: exactly the VM's rules.
  return op === '<' ? l < r : op === '<=' ? l <= r : op === '>' ? l > r : l >= r;
}

function __lt(l, r) { return __order(l, r, '<'); }
function __ltEq(l, r) { return __order(l, r, '<='); }
function __gt(l, r) { return __order(l, r, '>'); }
function __gtEq(l, r) { return __order(l, r, '>='); }
function __eqRL(r, l) { return __eq(l, r); }
function __notEqRL(r, l) { return !__eq(l, r); }
function __ltRL(r, l) { return __order(l, r, '<'); }
function __ltEqRL(r, l) { return __order(l, r, '<='); }
function __gtRL(r, l) { return __order(l, r, '>'); }
function __gtEqRL(r, l) { return __order(l, r, '>='); }

// `x between low and high`: false when any of the three is null.
function __between(v, low, high) {
  if (v === null || low === null || high === null) return false;
  const above = __order(v, low, '>=');
  const below = __order(v, high, '<=');
  return above && below;
}

function __notBetween(v, low, high) {
  if (v === null || low === null || high === null) return false;
  const under = __order(v, low, '<');
  const over = __order(v, high, '>');
  return under || over;
}

//# membership: compare
// `item in container`: an array/tuple item (JavaScript's `includes`), or a substring of a string.
function __in(item, container) {
  if (Array.isArray(container)) return container.includes(item);
  if (typeof container === 'string') return container.includes(String(item));
  throw new __HogRuntimeError(`Operator 'in' needs an array, a tuple or a string on the right, got ${__typeOf(container)}`);
}
function __notIn(item, container) { return !__in(item, container); }
function __inRL(container, item) { return __in(item, container); }
function __notInRL(container, item) { return !__in(item, container); }

//# regex: core
// Hog's regular expressions are RE2 (linear time). JavaScript's RegExp is used with RE2's syntax
// translated: `(?i)`/`(?s)`/`(?m)` at the start become flags, `(?P<name>` a named group, `\A`/`\z`
// anchors, POSIX classes ASCII ranges, `.` does not match only `\n`, `\s` is ASCII white space.
// Constructs RE2 rejects (look-around, back-references) are rejected here too.
const __POSIX = {
  alnum: '0-9A-Za-z', alpha: 'A-Za-z', ascii: '\\x00-\\x7f', blank: '\\t ', cntrl: '\\x00-\\x1f\\x7f',
  digit: '0-9', graph: '!-~', lower: 'a-z', print: ' -~', punct: '!-\\/:-@\\[-`{-~', space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z', word: '0-9A-Za-z_', xdigit: '0-9A-Fa-f',
};
const __SYNTAX_CHARS = '^$\\.*+?()[]{}|/';
const __GENERAL_CATEGORIES = new Set(['C', 'Cc', 'Cf', 'Co', 'Cs', 'L', 'Ll', 'Lm', 'Lo', 'Lt', 'Lu', 'M', 'Mc',
  'Me', 'Mn', 'N', 'Nd', 'Nl', 'No', 'P', 'Pc', 'Pd', 'Pe', 'Pf', 'Pi', 'Po', 'Ps', 'S', 'Sc', 'Sk', 'Sm', 'So',
  'Z', 'Zl', 'Zp', 'Zs', 'Any']);

class __RegexSyntaxError extends Error {}

function __escapeLiteral(ch, inClass) {
  if (__SYNTAX_CHARS.includes(ch) || (inClass && ch === '-')) return '\\' + ch;
  return ch;
}

function __unicodeClass(p, negated, name) {
  if (name === 'Any') return negated ? '[^\\s\\S]' : '[\\s\\S]';
  const body = __GENERAL_CATEGORIES.has(name) ? name : `Script=${name}`;
  return `\\${negated ? 'P' : 'p'}{${body}}`;
}

function __translateEscape(src, i, inClass, out) {
  // src[i] is the backslash; returns the index after the escape.
  const ch = src[i + 1];
  if (ch === undefined) throw new __RegexSyntaxError('trailing \\');
  if ('dDwWbB'.includes(ch)) {
    if (inClass && (ch === 'b' || ch === 'B')) throw new __RegexSyntaxError(`invalid escape sequence: \\${ch}`);
    out.push('\\' + ch);
    return i + 2;
  }
  if (ch === 's') { out.push(inClass ? '\\t\\n\\f\\r ' : '[\\t\\n\\f\\r ]'); return i + 2; }
  if (ch === 'S') {
    if (inClass) throw new __RegexSyntaxError('\\S inside a character class is not supported by the JavaScript back end');
    out.push('[^\\t\\n\\f\\r ]');
    return i + 2;
  }
  if (ch === 'A' && !inClass) { out.push('(?<![\\s\\S])'); return i + 2; }
  if (ch === 'z' && !inClass) { out.push('(?![\\s\\S])'); return i + 2; }
  if ('ntrfv'.includes(ch)) { out.push('\\' + ch); return i + 2; }
  if (ch === 'a') { out.push('\\x07'); return i + 2; }
  if (ch === '0' || (ch >= '1' && ch <= '7' && inClass)) {
    let j = i + 1;
    let digits = '';
    while (j < src.length && digits.length < 3 && src[j] >= '0' && src[j] <= '7') digits += src[j++];
    out.push(`\\u{${parseInt(digits, 8).toString(16)}}`);
    return j;
  }
  if (ch >= '1' && ch <= '9') throw new __RegexSyntaxError(`invalid escape sequence: \\${ch}`);
  if (ch === 'x') {
    if (src[i + 2] === '{') {
      const end = src.indexOf('}', i + 3);
      const hex = end < 0 ? '' : src.slice(i + 3, end);
      if (!/^[0-9A-Fa-f]{1,6}$/.test(hex) || parseInt(hex, 16) > 0x10ffff) throw new __RegexSyntaxError('invalid escape sequence: \\x');
      out.push(`\\u{${hex}}`);
      return end + 1;
    }
    const hex = src.slice(i + 2, i + 4);
    if (!/^[0-9A-Fa-f]{2}$/.test(hex)) throw new __RegexSyntaxError('invalid escape sequence: \\x');
    out.push('\\x' + hex);
    return i + 4;
  }
  if (ch === 'p' || ch === 'P') {
    let name;
    let end;
    if (src[i + 2] === '{') {
      end = src.indexOf('}', i + 3);
      if (end < 0) throw new __RegexSyntaxError('invalid character class range');
      name = src.slice(i + 3, end);
      end += 1;
    } else {
      name = src[i + 2];
      end = i + 3;
    }
    let negated = ch === 'P';
    if (name && name[0] === '^') {
      negated = !negated;
      name = name.slice(1);
    }
    if (!name) throw new __RegexSyntaxError('invalid character class range');
    out.push(__unicodeClass(ch, negated, name));
    return end;
  }
  if (ch === 'Q') {
    const end = src.indexOf('\\E', i + 2);
    const literal = end < 0 ? src.slice(i + 2) : src.slice(i + 2, end);
    for (const c of literal) out.push(__escapeLiteral(c, inClass));
    return end < 0 ? src.length : end + 2;
  }
  if (/[A-Za-z0-9]/.test(ch)) throw new __RegexSyntaxError(`invalid escape sequence: \\${ch}`);
  const code = ch.codePointAt(0);
  out.push(__SYNTAX_CHARS.includes(ch) || (inClass && ch === '-') ? '\\' + ch : `\\u{${code.toString(16)}}`);
  return i + 1 + (code > 0xffff ? 2 : 1);
}

function __translateRegex(pattern) {
  let flags = '';
  let i = 0;
  const src = pattern;
  const lead = /^\(\?([imsU]+)\)/.exec(src);
  if (lead) {
    if (lead[1].includes('U')) throw new __RegexSyntaxError('the U flag is not supported by the JavaScript back end');
    for (const f of lead[1]) if (!flags.includes(f)) flags += f;
    i = lead[0].length;
  }
  const dotAll = flags.includes('s');
  const out = [];
  while (i < src.length) {
    const ch = src[i];
    if (ch === '\\') {
      i = __translateEscape(src, i, false, out);
    } else if (ch === '[') {
      out.push('[');
      i++;
      if (src[i] === '^') { out.push('^'); i++; }
      if (src[i] === ']') { out.push('\\]'); i++; }
      let closed = false;
      while (i < src.length) {
        const c = src[i];
        if (c === ']') { closed = true; i++; break; }
        if (c === '[' && src[i + 1] === ':') {
          const end = src.indexOf(':]', i + 2);
          let name = end < 0 ? '' : src.slice(i + 2, end);
          const negated = name.startsWith('^');
          if (negated) name = name.slice(1);
          if (!(name in __POSIX) || negated) throw new __RegexSyntaxError('invalid character class range');
          out.push(__POSIX[name]);
          i = end + 2;
        } else if (c === '\\') {
          i = __translateEscape(src, i, true, out);
        } else if (c === '[' || c === '{' || c === '}' || c === '(' || c === ')' || c === '|' || c === '/') {
          out.push('\\' + c);
          i++;
        } else {
          const code = src.codePointAt(i);
          out.push(String.fromCodePoint(code));
          i += code > 0xffff ? 2 : 1;
        }
      }
      if (!closed) throw new __RegexSyntaxError(`missing ]: ${src.slice(src.lastIndexOf('[', i))}`);
      out.push(']');
    } else if (ch === '(') {
      if (src[i + 1] === '?') {
        if (src.startsWith('(?P<', i)) { out.push('(?<'); i += 4; }
        else if (src.startsWith('(?:', i)) { out.push('(?:'); i += 3; }
        else if (src.startsWith('(?<', i) && /^\(\?<[A-Za-z_]/.test(src.slice(i))) { out.push('(?<'); i += 3; }
        else {
          const operator = src.slice(i, src[i + 2] === '<' ? i + 4 : i + 3);
          throw new __RegexSyntaxError(`invalid perl operator: ${operator}`);
        }
      } else {
        out.push('(');
        i++;
      }
    } else if (ch === '.') {
      out.push(dotAll ? '.' : '[^\\n]');
      i++;
    } else if (ch === '{') {
      const repeat = /^\{(\d+)(,(\d*))?\}/.exec(src.slice(i));
      if (repeat) {
        if (Number(repeat[1]) > 1000 || (repeat[3] && Number(repeat[3]) > 1000) || (repeat[3] && Number(repeat[3]) < Number(repeat[1]))) {
          throw new __RegexSyntaxError(`invalid repetition size: ${repeat[0]}`);
        }
        out.push(repeat[0]);
        i += repeat[0].length;
      } else {
        out.push('\\{');
        i++;
      }
    } else if (ch === '}') {
      out.push('\\}');
      i++;
    } else {
      const code = src.codePointAt(i);
      out.push(String.fromCodePoint(code));
      i += code > 0xffff ? 2 : 1;
    }
  }
  return { source: out.join(''), flags };
}

const __REGEX_CACHE = new Map();

function __compileRegex(pattern, ignoreCase, prefix) {
  const key = (ignoreCase ? 'i:' : 's:') + pattern;
  let re = __REGEX_CACHE.get(key);
  if (re !== undefined) return re;
  try {
    const { source, flags } = __translateRegex(pattern);
    re = new RegExp(source, 'u' + (ignoreCase && !flags.includes('i') ? 'i' : '') + flags);
  } catch (error) {
    const reason = error instanceof __RegexSyntaxError ? error.message : String(error.message).replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
    throw new __HogRuntimeError(prefix === 'stl' ? `Invalid regex pattern: ${reason}` : `Invalid regular expression: ${pattern}: ${reason}`);
  }
  if (__REGEX_CACHE.size > 512) __REGEX_CACHE.clear();
  __REGEX_CACHE.set(key, re);
  return re;
}

function __regexOperator(text, pattern, ignoreCase, negate) {
  // A null or empty side does not match (so the negated operators give true).
  const found = !pattern || !text ? false : __compileRegex(String(pattern), ignoreCase, 'op').test(String(text));
  return negate ? !found : found;
}
function __regex(text, pattern) { return __regexOperator(text, pattern, false, false); }
function __notRegex(text, pattern) { return __regexOperator(text, pattern, false, true); }
function __iregex(text, pattern) { return __regexOperator(text, pattern, true, false); }
function __notIRegex(text, pattern) { return __regexOperator(text, pattern, true, true); }
function __regexRL(pattern, text) { return __regexOperator(text, pattern, false, false); }
function __notRegexRL(pattern, text) { return __regexOperator(text, pattern, false, true); }
function __iregexRL(pattern, text) { return __regexOperator(text, pattern, true, false); }
function __notIRegexRL(pattern, text) { return __regexOperator(text, pattern, true, true); }

// SQL LIKE: `%` any run, `_` any one character (not a newline, as in RE2), unanchored.
function __likeRegex(pattern, ignoreCase) {
  let source = '';
  for (const ch of pattern) {
    if (ch === '%') source += '[^\\n]*';
    else if (ch === '_') source += '[^\\n]';
    else source += __escapeLiteral(ch, false);
  }
  return new RegExp(source, ignoreCase ? 'iu' : 'u');
}
function __likeMatch(text, pattern, ignoreCase) {
  return __likeRegex(String(pattern), ignoreCase).test(String(text));
}
function __like(text, pattern) { return __likeMatch(text, pattern, false); }
function __ilike(text, pattern) { return __likeMatch(text, pattern, true); }
function __notLike(text, pattern) { return !__likeMatch(text, pattern, false); }
function __notILike(text, pattern) { return !__likeMatch(text, pattern, true); }
function __likeRL(pattern, text) { return __likeMatch(text, pattern, false); }
function __ilikeRL(pattern, text) { return __likeMatch(text, pattern, true); }
function __notLikeRL(pattern, text) { return !__likeMatch(text, pattern, false); }
function __notILikeRL(pattern, text) { return !__likeMatch(text, pattern, true); }

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
