// hoglite's JavaScript runtime for transpiled Hog. Each section starts with a line
// `//# name: dependency dependency ...`; the transpiler copies only the sections a program uses
// (and what they depend on). Hog values: null, booleans, numbers, strings, arrays, tuples (arrays
// flagged __isHogTuple), dicts (Map), errors/dates (plain objects with a marker key), functions
// (HogFunction). Written for hoglite; behaviour follows hoglite's VM.

//# HogRuntimeError:
class HogRuntimeError extends Error {
  constructor(message) {
    super(message);
    this.name = 'HogRuntimeError';
  }
}

//# HogThrow: __print
class HogThrow extends Error {
  constructor(value) {
    super(__printValue(value));
    this.name = 'HogThrow';
    this.value = value;
  }
}

//# HogFunction:
class HogFunction {
  constructor(name, argCount, fn) {
    this.name = name;
    this.argCount = argCount;
    this.fn = fn;
  }
}

//# __fn: HogFunction
function __fn(name, argCount, fn) {
  return new HogFunction(name, argCount, fn);
}

//# __isHogError:
function __isHogError(v) {
  return v !== null && typeof v === 'object' && !(v instanceof Map) && !Array.isArray(v) && v.__hogError__ === true;
}

//# __isHogDateTime:
function __isHogDateTime(v) {
  return v !== null && typeof v === 'object' && !(v instanceof Map) && !Array.isArray(v) && v.__hogDateTime__ === true;
}

//# __isHogDate:
function __isHogDate(v) {
  return v !== null && typeof v === 'object' && !(v instanceof Map) && !Array.isArray(v) && v.__hogDate__ === true;
}

//# __newError:
function __newError(type, message, payload) {
  return { __hogError__: true, type: type || 'Error', message: message || 'An error occurred', payload: payload ?? null };
}

//# __tuple:
function __tuple(items) {
  items.__isHogTuple = true;
  return items;
}

//# __print: HogFunction __isHogError __isHogDate __isHogDateTime
const __ESCAPES = { '\b': '\\b', '\f': '\\f', '\r': '\\r', '\n': '\\n', '\t': '\\t', '\0': '\\0', '\v': '\\v', '\\': '\\\\' };
function __quoteString(s) {
  let out = "'";
  for (const ch of s) out += ch === "'" ? "\\'" : (__ESCAPES[ch] ?? ch);
  return out + "'";
}
function __quoteIdentifier(name) {
  if (typeof name === 'number') return String(name);
  if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name)) return name;
  let out = '`';
  for (const ch of String(name)) out += ch === '`' ? '``' : (__ESCAPES[ch] ?? ch);
  return out + '`';
}
function __printValue(v, path) {
  if (v === null || v === undefined) return 'null';
  if (v === true) return 'true';
  if (v === false) return 'false';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return __quoteString(v);
  if (v instanceof HogFunction) return `fn<${__quoteIdentifier(v.name || 'lambda')}(${v.argCount})>`;
  if (__isHogDateTime(v)) {
    const text = String(v.dt);
    return `DateTime(${text}${text.includes('.') ? '' : '.0'}, ${__quoteString(String(v.zone))})`;
  }
  if (__isHogDate(v)) return `Date(${v.year}, ${v.month}, ${v.day})`;
  path = path || new Set();
  if (__isHogError(v)) {
    const message = __quoteString(typeof v.message === 'string' ? v.message : __printString(v.message));
    if (v.payload && !path.has(v)) {
      path.add(v);
      try {
        return `${v.type}(${message}, ${__printValue(v.payload, path)})`;
      } finally {
        path.delete(v);
      }
    }
    return `${v.type}(${message})`;
  }
  if (path.has(v)) return 'null';
  path.add(v);
  try {
    if (Array.isArray(v)) {
      const inner = v.map((item) => __printValue(item, path)).join(', ');
      if (v.__isHogTuple) return v.length < 2 ? `tuple(${inner})` : `(${inner})`;
      return `[${inner}]`;
    }
    if (v instanceof Map) {
      return '{' + Array.from(v.entries()).map(([k, val]) => `${__printValue(k, path)}: ${__printValue(val, path)}`).join(', ') + '}';
    }
    return '{' + Object.entries(v).map(([k, val]) => `${__printValue(k, path)}: ${__printValue(val, path)}`).join(', ') + '}';
  } finally {
    path.delete(v);
  }
}
function __printString(v) {
  return typeof v === 'string' ? v : __printValue(v);
}

//# __get: HogRuntimeError
function __get(obj, key) {
  if (obj === null || typeof obj !== 'object' || obj instanceof HogFunction) return null;
  if (obj instanceof Map) return obj.get(key) ?? null;
  if (typeof key === 'number') {
    if (key === 0) throw new HogRuntimeError('Hog arrays start from index 1');
    if (!Array.isArray(obj)) return null;
    const index = key > 0 ? key - 1 : obj.length + key;
    return Number.isInteger(index) && index >= 0 && index < obj.length ? obj[index] ?? null : null;
  }
  if (Array.isArray(obj)) return null;
  return Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] ?? null : null;
}

//# __set: HogRuntimeError
function __set(obj, key, value) {
  if (obj instanceof Map) {
    obj.set(key, value);
    return;
  }
  if (Array.isArray(obj) && typeof key === 'number') {
    if (key <= 0) throw new HogRuntimeError('Hog arrays start from index 1');
    obj[key - 1] = value;
    return;
  }
  if (obj === null || typeof obj !== 'object') throw new HogRuntimeError(`Can not set ${key} on non-object: ${typeof obj}`);
  throw new HogRuntimeError(`Can not set ${key} on element of type ${typeof obj}`);
}

//# __plusRL:
function __plusRL(r, l) { return Number(l) + Number(r); }
//# __minusRL:
function __minusRL(r, l) { return Number(l) - Number(r); }
//# __multiplyRL:
function __multiplyRL(r, l) { return Number(l) * Number(r); }
//# __divideRL:
function __divideRL(r, l) { return Number(l) / Number(r); }
//# __modRL:
function __modRL(r, l) { return Number(l) % Number(r); }

//# __compare: __isHogDate __isHogDateTime
function __temporalSeconds(v) {
  if (__isHogDateTime(v)) return v.dt;
  if (__isHogDate(v)) return Date.UTC(v.year, v.month - 1, v.day) / 1000;
  return null;
}
function __isoSeconds(s) {
  if (!/^\d{4}-\d{2}-\d{2}/.test(s)) return null;
  const ms = Date.parse(/[Tt ]\d/.test(s) && !/(Z|[+-]\d\d:?\d\d)$/.test(s) ? s.replace(' ', 'T') + 'Z' : s);
  return Number.isNaN(ms) ? null : ms / 1000;
}
function __unify(l, r) {
  const ls = __temporalSeconds(l);
  const rs = __temporalSeconds(r);
  if (ls !== null && rs !== null) return [ls, rs];
  if (ls !== null && typeof r === 'string') {
    const parsed = __isoSeconds(r);
    if (parsed !== null) return [ls, parsed];
  }
  if (rs !== null && typeof l === 'string') {
    const parsed = __isoSeconds(l);
    if (parsed !== null) return [parsed, rs];
  }
  if (typeof l === 'number' && typeof r === 'string') return [l, Number(r)];
  if (typeof l === 'string' && typeof r === 'number') return [Number(l), r];
  if (typeof l === 'boolean' && typeof r === 'string') return [l, r === 'true'];
  if (typeof l === 'string' && typeof r === 'boolean') return [l === 'true', r];
  if (typeof l === 'boolean' && typeof r === 'number') return [l ? 1 : 0, r];
  if (typeof l === 'number' && typeof r === 'boolean') return [l, r ? 1 : 0];
  return [l, r];
}
function __ordering(l, r) {
  // Arrays of finite numbers compare element-wise; -2 marks "not comparable that way".
  if (Array.isArray(l) && Array.isArray(r) && l.every(Number.isFinite) && r.every(Number.isFinite)) {
    for (let i = 0; i < Math.min(l.length, r.length); i++) {
      if (l[i] !== r[i]) return l[i] < r[i] ? -1 : 1;
    }
    return Math.sign(l.length - r.length);
  }
  return -2;
}
function __cmp(l, r, op) {
  [l, r] = __unify(l, r);
  const o = __ordering(l, r);
  if (o !== -2) {
    switch (op) {
      case '==': return o === 0;
      case '!=': return o !== 0;
      case '>': return o > 0;
      case '>=': return o >= 0;
      case '<': return o < 0;
      default: return o <= 0;
    }
  }
  switch (op) {
    case '==': return l === r;
    case '!=': return l !== r;
    case '>': return l > r;
    case '>=': return l >= r;
    case '<': return l < r;
    default: return l <= r;
  }
}

//# __eqRL: __compare
function __eqRL(r, l) { return __cmp(l, r, '=='); }
//# __notEqRL: __compare
function __notEqRL(r, l) { return __cmp(l, r, '!='); }
//# __ltRL: __compare
function __ltRL(r, l) { return __cmp(l, r, '<'); }
//# __ltEqRL: __compare
function __ltEqRL(r, l) { return __cmp(l, r, '<='); }
//# __gtRL: __compare
function __gtRL(r, l) { return __cmp(l, r, '>'); }
//# __gtEqRL: __compare
function __gtEqRL(r, l) { return __cmp(l, r, '>='); }
//# __eq: __compare
function __eq(l, r) { return __cmp(l, r, '=='); }
//# __ltEq: __compare
function __ltEq(l, r) { return __cmp(l, r, '<='); }

//# __between: __compare
function __between(v, lo, hi) {
  if (v === null || lo === null || hi === null) return null;
  return __cmp(v, lo, '>=') && __cmp(v, hi, '<=');
}
//# __notBetween: __compare
function __notBetween(v, lo, hi) {
  if (v === null || lo === null || hi === null) return null;
  return __cmp(v, lo, '<') || __cmp(v, hi, '>');
}

//# __and:
function __and(...values) { return values.every((v) => !!v); }
//# __or:
function __or(...values) { return values.some((v) => !!v); }

//# __likeMatch:
function __likeMatch(string, pattern, caseInsensitive) {
  const source = String(pattern).replace(/[-/\\^$*+?.()|[\]{}]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.');
  return new RegExp(source, caseInsensitive ? 'i' : undefined).test(string);
}
//# __likeRL: __likeMatch
function __likeRL(p, s) { return __likeMatch(s, p, false); }
//# __ilikeRL: __likeMatch
function __ilikeRL(p, s) { return __likeMatch(s, p, true); }
//# __notLikeRL: __likeMatch
function __notLikeRL(p, s) { return !__likeMatch(s, p, false); }
//# __notILikeRL: __likeMatch
function __notILikeRL(p, s) { return !__likeMatch(s, p, true); }

//# __regexMatch: HogRuntimeError
function __regexMatch(pattern, value, caseInsensitive) {
  if (pattern === null || value === null || pattern === '' || value === '') return false;
  let flags = caseInsensitive ? 'i' : '';
  let source = String(pattern);
  if (source.startsWith('(?i)')) {
    source = source.slice(4);
    flags = 'i';
  }
  let re;
  try {
    re = new RegExp(source, flags);
  } catch (error) {
    throw new HogRuntimeError(`Invalid regex pattern: ${pattern}`);
  }
  return re.test(String(value));
}
//# __regexRL: __regexMatch
function __regexRL(p, s) { return __regexMatch(p, s, false); }
//# __notRegexRL: __regexMatch
function __notRegexRL(p, s) { return p === null || s === null || p === '' || s === '' ? false : !__regexMatch(p, s, false); }
//# __iregexRL: __regexMatch
function __iregexRL(p, s) { return __regexMatch(p, s, true); }
//# __notIRegexRL: __regexMatch
function __notIRegexRL(p, s) { return p === null || s === null || p === '' || s === '' ? false : !__regexMatch(p, s, true); }

//# __inRL: HogRuntimeError __compare
function __inRL(container, item) {
  if (typeof container === 'string') return typeof item === 'string' ? container.includes(item) : container.includes(String(item));
  if (Array.isArray(container)) return container.includes(item);
  throw new HogRuntimeError(`Can not use 'in' with ${container === null ? 'null' : container instanceof Map ? 'a dict' : typeof container}`);
}
//# __notInRL: __inRL
function __notInRL(container, item) { return !__inRL(container, item); }

//# __throwable: HogRuntimeError HogThrow __isHogError
function __throwable(value) {
  if (!__isHogError(value)) throw new HogRuntimeError('Can not throw: value is not of type Error');
  return new HogThrow(value);
}

//# __call: HogFunction HogRuntimeError __print
function __call(args, callee) {
  if (!(callee instanceof HogFunction)) throw new HogRuntimeError(`Invalid closure: ${__printValue(callee)}`);
  if (args.length > 300) throw new HogRuntimeError('Too many arguments');
  if (args.length > callee.argCount && !callee.variadic) {
    throw new HogRuntimeError(`Too many arguments. Passed ${args.length}, expected ${callee.argCount}`);
  }
  return callee.fn(...args);
}

//# __arity: HogRuntimeError __STL_ARITY
function __arity(name, count) {
  const [min, max] = __STL_ARITY[name] ?? [0, null];
  if (count < min) throw new HogRuntimeError(`Function ${name} requires at least ${min} arguments`);
  throw new HogRuntimeError(`Function ${name} requires at most ${max} arguments`);
}

//# __callGlobal: HogRuntimeError __fromHost __toHost
function __callGlobal(host, name, args) {
  const fn = host.functions && Object.prototype.hasOwnProperty.call(host.functions, name) ? host.functions[name] : null;
  if (!fn) throw new HogRuntimeError(`Unsupported function call: ${name}`);
  return __fromHost(fn(...args.map((a) => __toHost(a))));
}

//# __hostAsync: HogRuntimeError __fromHost __toHost
async function __hostAsync(host, name, args) {
  let fn = host.asyncFunctions && Object.prototype.hasOwnProperty.call(host.asyncFunctions, name) ? host.asyncFunctions[name] : null;
  if (!fn && Object.prototype.hasOwnProperty.call(host, name) && typeof host[name] === 'function') fn = host[name];
  if (!fn && name === 'sleep') fn = (seconds) => new Promise((resolve) => setTimeout(() => resolve(null), Number(seconds) * 1000));
  if (!fn) throw new HogRuntimeError(`Unsupported function call: ${name}`);
  return __fromHost(await fn(...args.map((a) => __toHost(a))));
}

//# __toHost: HogFunction
function __toHost(v, seen) {
  seen = seen || new Set();
  if (v === null || typeof v !== 'object') return v;
  if (v instanceof HogFunction) return `fn<${v.name}(${v.argCount})>`;
  if (seen.has(v)) return null;
  seen.add(v);
  try {
    if (v instanceof Map) {
      const out = {};
      for (const [k, val] of v) out[String(k)] = __toHost(val, seen);
      return out;
    }
    if (Array.isArray(v)) return v.map((item) => __toHost(item, seen));
    const out = {};
    for (const k of Object.keys(v)) out[k] = __toHost(v[k], seen);
    return out;
  } finally {
    seen.delete(v);
  }
}

//# __fromHost:
function __fromHost(v) {
  if (v === undefined) return null;
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(__fromHost);
  if (v.__hogDateTime__ || v.__hogDate__ || v.__hogError__) return v;
  const map = new Map();
  for (const k of Object.keys(v)) map.set(k, __fromHost(v[k]));
  return map;
}

//# __global: HogRuntimeError __fromHost __builtinValue
function __global(globals, host, chain) {
  if (globals && Object.prototype.hasOwnProperty.call(globals, chain[0])) {
    let value = globals[chain[0]];
    for (const key of chain.slice(1)) {
      if (value === null || typeof value !== 'object') return null;
      if (typeof key === 'number') {
        if (key === 0) throw new HogRuntimeError('Hog arrays start from index 1');
        if (!Array.isArray(value)) return null;
        value = (key > 0 ? value[key - 1] : value[value.length + key]) ?? null;
      } else {
        value = Array.isArray(value) || !Object.prototype.hasOwnProperty.call(value, key) ? null : value[key] ?? null;
      }
    }
    return __fromHost(structuredClone(value));
  }
  if (chain.length === 1) {
    const builtin = __builtinValue(host, chain[0]);
    if (builtin !== null) return builtin;
  }
  throw new HogRuntimeError(`Global variable not found: ${chain.join('.')}`);
}

//# __builtinValue: HogFunction __STL_ARITY __STL_TABLE
function __builtinValue(host, name) {
  if (!Object.prototype.hasOwnProperty.call(__STL_TABLE, name)) return null;
  const [min, max] = __STL_ARITY[name];
  const fn = new HogFunction(name, max ?? 0, (...args) => {
    if (args.length < min) throw new HogRuntimeError(`Function ${name} requires at least ${min} arguments`);
    if (max !== null && args.length > max) throw new HogRuntimeError(`Function ${name} requires at most ${max} arguments`);
    while (max !== null && args.length < max) args.push(null);
    return __STL_TABLE[name](args, host);
  });
  fn.variadic = true;
  return fn;
}

//# __runProgram: HogRuntimeError HogThrow __print __fromHost
async function __runProgram(program, globals, host) {
  __CURRENT_HOST.print = host.print ?? ((line) => console.log(line));
  return program(globals ?? {}, host ?? {});
}

//# __CURRENT_HOST:
const __CURRENT_HOST = { print: (line) => console.log(line) };

//# __runScript: __runProgram HogRuntimeError HogThrow __print
function __runScript(program) {
  const lines = [];
  const flush = () => {
    if (lines.length) process.stdout.write(lines.join('\n') + '\n');
    lines.length = 0;
  };
  Promise.resolve()
    .then(() => __runProgram(program, {}, { print: (line) => lines.push(line) }))
    .then(() => flush(), (error) => {
      flush();
      if (error instanceof HogThrow) {
        const message = String(error.value.message).replace(/\\/g, '\\\\').replace(/'/g, "\\'");
        process.stderr.write(`uncaught error: ${error.value.type}('${message}')\n`);
      } else if (error instanceof HogRuntimeError) {
        process.stderr.write(`runtime error: ${error.message}\n`);
      } else if (error instanceof RangeError) {
        process.stderr.write('runtime error: Call stack exceeded maximum length of 1000\n');
      } else {
        process.stderr.write(`runtime error: ${error && error.message ? error.message : String(error)}\n`);
      }
      process.exitCode = 1;
    });
}
