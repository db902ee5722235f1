// hoglite's standard library for transpiled Hog. Sections: `//# stl:NAME MIN MAX [callback]: deps`
// (MAX `*` = unbounded; `callback` marks functions that call Hog functions and so must be awaited in
// async programs — their text uses ASYNC/AWAIT markers that the transpiler fills in). Every function
// takes the argument array and the host. Behaviour follows hoglite's Python standard library.

//# stl:print 0 *: __print __CURRENT_HOST
function __stl_print(args) {
  __CURRENT_HOST.print(args.map((a) => __printString(a ?? null)).join(' '));
  return null;
}

//# stl:typeof 1 1: HogFunction __isHogError __isHogDate __isHogDateTime
function __stl_typeof([v]) {
  if (v === null || v === undefined) return 'null';
  if (__isHogDateTime(v)) return 'datetime';
  if (__isHogDate(v)) return 'date';
  if (__isHogError(v)) return 'error';
  if (v instanceof HogFunction) return 'function';
  if (Array.isArray(v)) return v.__isHogTuple ? 'tuple' : 'array';
  if (typeof v === 'object') return 'object';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'float';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'boolean';
  return 'unknown';
}

//# __toStringValue: __print __isHogDate __isHogDateTime
function __toStringValue(v) {
  if (__isHogDate(v)) return `${v.year}-${String(v.month).padStart(2, '0')}-${String(v.day).padStart(2, '0')}`;
  if (__isHogDateTime(v) && v.zone === 'UTC') return new Date(v.dt * 1000).toISOString();
  return __printString(v ?? null);
}

//# stl:toString 1 2: __toStringValue
function __stl_toString([v]) { return __toStringValue(v); }

//# stl:concat 1 *: __toStringValue
function __stl_concat(args) { return args.map((a) => (a === null || a === undefined ? '' : __toStringValue(a))).join(''); }

//# stl:toInt 1 1:
function __stl_toInt([v]) {
  const n = parseInt(v);
  return Number.isNaN(n) ? null : n;
}

//# stl:toFloat 1 1:
function __stl_toFloat([v]) {
  const n = parseFloat(v);
  return Number.isNaN(n) ? null : n;
}

//# stl:length 1 1:
function __stl_length([v]) {
  if (typeof v === 'string' || Array.isArray(v)) return v.length;
  return null;
}

//# stl:empty 1 1:
function __stl_empty([v]) {
  if (v === null || v === undefined) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (v instanceof Map) return v.size === 0;
  if (typeof v === 'object') return Object.keys(v).length === 0;
  if (typeof v === 'number' || typeof v === 'boolean') return false;
  return !v;
}

//# stl:notEmpty 1 1: stl:empty
function __stl_notEmpty(args) { return !__stl_empty(args); }

//# stl:isNull 1 1:
function __stl_isNull([v]) { return v === null || v === undefined; }

//# stl:isNotNull 1 1:
function __stl_isNotNull([v]) { return v !== null && v !== undefined; }

//# stl:coalesce 1 *:
function __stl_coalesce(args) {
  for (const a of args) if (a !== null && a !== undefined) return a;
  return null;
}

//# stl:assumeNotNull 1 1: HogRuntimeError
function __stl_assumeNotNull([v]) {
  if (v === null || v === undefined) throw new HogRuntimeError('Value is null');
  return v;
}

//# stl:keys 1 1:
function __stl_keys([v]) {
  if (Array.isArray(v)) return Array.from(v.keys());
  if (v instanceof Map) return Array.from(v.keys());
  if (v !== null && typeof v === 'object') return Object.keys(v);
  return [];
}

//# stl:values 1 1:
function __stl_values([v]) {
  if (Array.isArray(v)) return [...v];
  if (v instanceof Map) return Array.from(v.values());
  if (v !== null && typeof v === 'object') return Object.values(v);
  return [];
}

//# stl:tuple 0 *: __tuple
function __stl_tuple(args) { return __tuple([...args]); }

//# stl:Error 0 2: __newError
function __stl_Error([message, payload]) { return __newError('Error', message, payload); }
//# stl:RetryError 0 2: __newError
function __stl_RetryError([message, payload]) { return __newError('RetryError', message, payload); }
//# stl:NotImplementedError 0 2: __newError
function __stl_NotImplementedError([message, payload]) { return __newError('NotImplementedError', message, payload); }
//# stl:HogError 1 3: __newError
function __stl_HogError([type, message, payload]) { return __newError(type, message, payload); }

//# stl:lower 1 1:
function __stl_lower([s]) { return s === null || s === undefined ? null : String(s).toLowerCase(); }
//# stl:upper 1 1:
function __stl_upper([s]) { return s === null || s === undefined ? null : String(s).toUpperCase(); }
//# stl:reverse 1 1:
function __stl_reverse([s]) { return s === null || s === undefined ? null : String(s).split('').reverse().join(''); }

//# __trimChars:
function __trimChars(s, chars, left, right) {
  if (s === null || s === undefined) return null;
  s = String(s);
  const set = chars === null || chars === undefined ? ' ' : String(chars);
  let start = 0;
  let end = s.length;
  if (left) while (start < end && set.includes(s[start])) start++;
  if (right) while (end > start && set.includes(s[end - 1])) end--;
  return s.slice(start, end);
}
//# stl:trim 1 2: __trimChars
function __stl_trim([s, c]) { return __trimChars(s, c, true, true); }
//# stl:trimLeft 1 2: __trimChars
function __stl_trimLeft([s, c]) { return __trimChars(s, c, true, false); }
//# stl:trimRight 1 2: __trimChars
function __stl_trimRight([s, c]) { return __trimChars(s, c, false, true); }

//# stl:splitByString 2 3:
function __stl_splitByString([sep, s, max]) {
  if (s === null || s === undefined || sep === null || sep === undefined) return null;
  const parts = String(s).split(String(sep));
  if (max !== null && max !== undefined && parts.length > max) {
    return [...parts.slice(0, max - 1), parts.slice(max - 1).join(String(sep))];
  }
  return parts;
}

//# stl:replaceAll 3 3:
function __stl_replaceAll([s, find, replacement]) {
  if (s === null || s === undefined) return null;
  return String(s).split(String(find)).join(String(replacement));
}
//# stl:replaceOne 3 3:
function __stl_replaceOne([s, find, replacement]) {
  if (s === null || s === undefined) return null;
  s = String(s);
  const at = s.indexOf(String(find));
  return at < 0 ? s : s.slice(0, at) + String(replacement) + s.slice(at + String(find).length);
}

//# stl:position 2 2:
function __stl_position([s, needle]) { return typeof s === 'string' ? s.indexOf(String(needle)) + 1 : 0; }
//# stl:positionCaseInsensitive 2 2:
function __stl_positionCaseInsensitive([s, needle]) {
  return typeof s === 'string' ? s.toLowerCase().indexOf(String(needle).toLowerCase()) + 1 : 0;
}

//# stl:startsWith 2 2:
function __stl_startsWith([s, prefix]) {
  if (typeof s !== 'string' || typeof prefix !== 'string') return false;
  return s.startsWith(prefix);
}

//# stl:substring 2 3:
function __stl_substring([s, start, length]) {
  if (typeof s !== 'string') return '';
  if (start === null || start === undefined || start < 1) start = 1;
  const from = start - 1;
  if (length === null || length === undefined) return s.slice(from);
  return s.slice(from, Math.max(from, from + length));
}

//# stl:like 2 2: __likeMatch
function __stl_like([s, p]) { return __likeMatch(s, p, false); }
//# stl:ilike 2 2: __likeMatch
function __stl_ilike([s, p]) { return __likeMatch(s, p, true); }
//# stl:notLike 2 2: __likeMatch
function __stl_notLike([s, p]) { return !__likeMatch(s, p, false); }
//# stl:notILike 2 2: __likeMatch
function __stl_notILike([s, p]) { return !__likeMatch(s, p, true); }
//# stl:match 2 2: __regexMatch
function __stl_match([s, p]) { return s === null || p === null || s === undefined || p === undefined ? false : __regexMatch(p, s, false); }

//# stl:has 2 2: __compare
function __stl_has([arr, item]) { return Array.isArray(arr) ? arr.includes(item) : false; }
//# stl:indexOf 2 2:
function __stl_indexOf([arr, item]) { return Array.isArray(arr) ? arr.indexOf(item) + 1 : 0; }
//# stl:arrayPushBack 2 2:
function __stl_arrayPushBack([arr, item]) { return Array.isArray(arr) ? [...arr, item] : [item]; }
//# stl:arrayPushFront 2 2:
function __stl_arrayPushFront([arr, item]) { return Array.isArray(arr) ? [item, ...arr] : [item]; }
//# stl:arrayPopBack 1 1:
function __stl_arrayPopBack([arr]) { return Array.isArray(arr) ? arr.slice(0, arr.length - 1) : []; }
//# stl:arrayPopFront 1 1:
function __stl_arrayPopFront([arr]) { return Array.isArray(arr) ? arr.slice(1) : []; }
//# stl:arrayReverse 1 1:
function __stl_arrayReverse([arr]) { return Array.isArray(arr) ? [...arr].reverse() : []; }
//# __sortCompare:
function __sortCompare(a, b) {
  // Numbers numerically, strings by code unit, numbers before strings (hoglite fixes upstream's string sort).
  const ta = typeof a === 'number' ? 0 : 1;
  const tb = typeof b === 'number' ? 0 : 1;
  if (ta !== tb) return ta - tb;
  if (ta === 0) return a - b;
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}
//# stl:arraySort 1 1: __sortCompare
function __stl_arraySort([arr]) { return Array.isArray(arr) ? [...arr].sort(__sortCompare) : []; }
//# stl:arrayReverseSort 1 1: __sortCompare
function __stl_arrayReverseSort([arr]) { return Array.isArray(arr) ? [...arr].sort(__sortCompare).reverse() : []; }
//# stl:arrayStringConcat 1 2: __toStringValue
function __stl_arrayStringConcat([arr, sep]) {
  if (!Array.isArray(arr)) return '';
  return arr.map((a) => (a === null || a === undefined ? '' : __toStringValue(a))).join(sep ?? '');
}
//# stl:range 1 2: HogRuntimeError
function __stl_range([a, b]) {
  const [start, end] = b === null || b === undefined ? [0, a] : [a, b];
  const count = Math.max(0, end - start);
  if (count > 10000000) throw new HogRuntimeError('range() is too large');
  return Array.from({ length: count }, (_, i) => start + i);
}

//# stl:round 1 2:
function __stl_round([x, digits]) {
  if (x === null || x === undefined) return null;
  const factor = 10 ** (digits ?? 0);
  return Math.round(Number(x) * factor) / factor;
}
//# stl:floor 1 1:
function __stl_floor([x]) { return x === null || x === undefined ? null : Math.floor(Number(x)); }
//# stl:min2 2 2:
function __stl_min2([a, b]) { return a < b ? a : b; }
//# stl:max2 2 2:
function __stl_max2([a, b]) { return a > b ? a : b; }

//# stl:equals 2 2:
function __stl_equals([a, b]) { return a === b; }
//# stl:notEquals 2 2:
function __stl_notEquals([a, b]) { return a !== b; }
//# stl:less 2 2:
function __stl_less([a, b]) { return a < b; }
//# stl:greater 2 2:
function __stl_greater([a, b]) { return a > b; }
//# stl:lessOrEquals 2 2:
function __stl_lessOrEquals([a, b]) { return a <= b; }
//# stl:greaterOrEquals 2 2:
function __stl_greaterOrEquals([a, b]) { return a >= b; }
//# stl:plus 2 2:
function __stl_plus([a, b]) { return Number(a) + Number(b); }
//# stl:minus 2 2:
function __stl_minus([a, b]) { return Number(a) - Number(b); }
//# stl:in 2 2:
function __stl_in([item, arr]) { return Array.isArray(arr) ? arr.includes(item) : false; }

//# __jsonToHog: __newError
function __jsonToHog(x) {
  if (Array.isArray(x)) return x.map(__jsonToHog);
  if (x !== null && typeof x === 'object') {
    if (x.__hogDateTime__) return { __hogDateTime__: true, dt: x.dt, zone: x.zone };
    if (x.__hogDate__) return { __hogDate__: true, year: x.year, month: x.month, day: x.day };
    if (x.__hogError__) return __newError(x.type, x.message, x.payload);
    const map = new Map();
    for (const key of Object.keys(x)) map.set(key, __jsonToHog(x[key]));
    return map;
  }
  return x;
}
//# stl:jsonParse 1 1: __jsonToHog HogRuntimeError
function __stl_jsonParse([text]) {
  try {
    return __jsonToHog(JSON.parse(text));
  } catch (error) {
    throw new HogRuntimeError(error.message);
  }
}
//# stl:isValidJSON 1 1:
function __stl_isValidJSON([text]) {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
//# stl:jsonStringify 1 2: HogFunction
function __hogToJson(x, path) {
  if (x === null || x === undefined || typeof x !== 'object') return x ?? null;
  if (x instanceof HogFunction) return `fn<${x.name || 'lambda'}(${x.argCount})>`;
  if (path.has(x)) return null;
  path.add(x);
  try {
    if (x instanceof Map) {
      const obj = {};
      for (const [k, v] of x) obj[__hogToJson(k, path)] = __hogToJson(v, path);
      return obj;
    }
    if (Array.isArray(x)) return x.map((v) => __hogToJson(v, path));
    if (x.__hogDateTime__ || x.__hogDate__ || x.__hogError__) return x;
    const obj = {};
    for (const k of Object.keys(x)) obj[k] = __hogToJson(x[k], path);
    return obj;
  } finally {
    path.delete(x);
  }
}
function __stl_jsonStringify([value, indent]) {
  const json = __hogToJson(value, new Set());
  if (indent && typeof indent === 'number' && indent > 0) return JSON.stringify(json, null, indent);
  return JSON.stringify(json);
}

//# stl:base64Encode 1 1:
function __stl_base64Encode([s]) { return Buffer.from(String(s)).toString('base64'); }
//# stl:base64Decode 1 1:
function __stl_base64Decode([s]) { return Buffer.from(String(s), 'base64').toString(); }
//# stl:encodeURLComponent 1 1:
function __stl_encodeURLComponent([s]) { return encodeURIComponent(s); }
//# stl:decodeURLComponent 1 1: HogRuntimeError
function __stl_decodeURLComponent([s]) {
  try {
    return decodeURIComponent(s);
  } catch (error) {
    throw new HogRuntimeError(error.message);
  }
}

//# __crypto:
const __nodeCrypto = typeof process !== 'undefined' && process.getBuiltinModule ? process.getBuiltinModule('crypto') : null;
function __hash(algorithm, data, encoding) {
  if (data === null || data === undefined) return null;
  return __nodeCrypto.createHash(algorithm).update(String(data)).digest(encoding || 'hex');
}
//# stl:md5Hex 1 1: __crypto
function __stl_md5Hex([s]) { return __hash('md5', s, 'hex'); }
//# stl:sha256Hex 1 1: __crypto
function __stl_sha256Hex([s]) { return __hash('sha256', s, 'hex'); }
//# stl:sha1Hex 1 1: __crypto
function __stl_sha1Hex([s]) { return __hash('sha1', s, 'hex'); }

//# stl:arrayMap 2 2 callback: __call stl:values
ASYNC function __stl_arrayMap([fn, arr]) {
  const out = [];
  for (const item of __stl_values([arr])) out.push(AWAIT __call([item], fn));
  return out;
}
//# stl:arrayFilter 2 2 callback: __call stl:values
ASYNC function __stl_arrayFilter([fn, arr]) {
  const out = [];
  for (const item of __stl_values([arr])) if (AWAIT __call([item], fn)) out.push(item);
  return out;
}
//# stl:arrayExists 2 2 callback: __call stl:values
ASYNC function __stl_arrayExists([fn, arr]) {
  for (const item of __stl_values([arr])) if (AWAIT __call([item], fn)) return true;
  return false;
}
//# stl:arrayCount 2 2 callback: __call stl:values
ASYNC function __stl_arrayCount([fn, arr]) {
  let count = 0;
  for (const item of __stl_values([arr])) if (AWAIT __call([item], fn)) count++;
  return count;
}
//# stl:arrayReduce 3 3 callback: __call stl:values
ASYNC function __stl_arrayReduce([fn, arr, initial]) {
  let acc = initial;
  for (const item of __stl_values([arr])) acc = AWAIT __call([acc, item], fn);
  return acc;
}
