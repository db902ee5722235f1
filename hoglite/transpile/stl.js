// hoglite's standard library for transpiled Hog (everything but JSON and dates, which have their own
// files). Section `stl:NAME` defines `__stl_NAME(rt, ...args)`; the transpiler checks the arity (taken
// from hoglite's built-in table) and pads optional arguments with null, so every function here sees
// exactly its declared parameters. Each mirrors hoglite's Python implementation in hoglite/stl/.

//# __stlCommon: core compare
function __expectString(fn, v, what) {
  if (typeof v !== 'string') throw new __HogRuntimeError(`${fn}() expects ${what || 'a string'}, got ${__typeOf(v)}`);
  return v;
}

function __isNumber(v) {
  return typeof v === 'number';
}

function __guardString(length) {
  if (length > 67108864) throw __limitError(`String length limit of 67108864 characters exceeded. Tried to build ${length}.`);
}

function __guardContainer(size) {
  if (size > __MAX_CONTAINER) throw __limitError(`Container size limit of ${__MAX_CONTAINER} elements exceeded. Tried to build ${size}.`);
}

function __primitive(v) {
  return v !== null && typeof v === 'object' ? String(v) : v;
}

function __utf8Encode(text) {
  const bytes = [];
  for (let i = 0; i < text.length; i++) {
    let code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        code = 0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00);
        i++;
      } else {
        code = 0xfffd;
      }
    } else if (code >= 0xd800 && code <= 0xdfff) {
      code = 0xfffd; // a lone surrogate is written as U+FFFD, as node does
    }
    if (code < 0x80) bytes.push(code);
    else if (code < 0x800) bytes.push(0xc0 | (code >> 6), 0x80 | (code & 63));
    else if (code < 0x10000) bytes.push(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 63), 0x80 | (code & 63));
    else bytes.push(0xf0 | (code >> 18), 0x80 | ((code >> 12) & 63), 0x80 | ((code >> 6) & 63), 0x80 | (code & 63));
  }
  return bytes;
}

// UTF-8 decoding with U+FFFD for each maximal invalid subpart (what Python and TextDecoder do).
function __utf8Decode(bytes) {
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    if (b < 0x80) { out += String.fromCharCode(b); i++; continue; }
    let need = 0;
    let code = 0;
    let lower = 0x80;
    let upper = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) { need = 1; code = b & 0x1f; }
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2; code = b & 0x0f;
      if (b === 0xe0) lower = 0xa0;
      if (b === 0xed) upper = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3; code = b & 0x07;
      if (b === 0xf0) lower = 0x90;
      if (b === 0xf4) upper = 0x8f;
    } else { out += '\ufffd'; i++; continue; }
    let j = i + 1;
    let ok = true;
    for (let k = 0; k < need; k++, j++) {
      const c = bytes[j];
      const lo = k === 0 ? lower : 0x80;
      const hi = k === 0 ? upper : 0xbf;
      if (c === undefined || c < lo || c > hi) { ok = false; break; }
      code = (code << 6) | (c & 0x3f);
    }
    if (!ok) { out += '\ufffd'; i = j; continue; }
    out += String.fromCodePoint(code);
    i = j;
  }
  return out;
}

function __pyTruthy(v) {
  if (v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Map) return v.size > 0;
  return v === v;
}

function __daysSinceEpoch(v) {
  const year = Math.trunc(Number(v.get('year')));
  const month = Math.trunc(Number(v.get('month')));
  const day = Math.trunc(Number(v.get('day')));
  if (!(year >= 1 && year <= 9999 && month >= 1 && month <= 12 && day >= 1 && day <= __monthDays(year, month))) return null;
  return __utcMs(year, month, day, 0, 0, 0, 0) / 86400000;
}

//# __hogToString: __stlCommon __zones
function __twoDigits(part) {
  const text = String(part);
  return typeof part === 'number' && part < 10 ? '0' + text : text;
}

// `toString`: dates as ISO text, strings raw, everything else in the printed (repr) form.
function __hogToString(v) {
  if (v instanceof __HogDate) {
    return `${String(v.get('year'))}-${__twoDigits(v.get('month'))}-${__twoDigits(v.get('day'))}`;
  }
  if (v instanceof __HogDateTime) {
    if (__hooks.datetimeToString !== null) return __hooks.datetimeToString(v);
    return __isoDatetime(v.get('dt'), v.get('zone'));
  }
  return __printString(v);
}

// ISO-8601 with milliseconds: `Z` in UTC, else the zone's offset; null for an unknown zone or range.
function __isoDatetime(seconds, zone) {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || typeof zone !== 'string') return null;
  const ms = Math.trunc(seconds * 1000);
  const isUtc = ['UTC', 'GMT', 'Z'].includes(zone.toUpperCase());
  let offset = 0;
  if (!isUtc) {
    if (!__zoneExists(zone)) return null;
    offset = __zoneOffsetMs(zone, ms);
  }
  const local = ms + offset;
  if (Math.abs(local) > 253402300799999 || local < -62135596800000) return null;
  const d = new Date(local);
  const pad = (n, w) => String(n).padStart(w, '0');
  let suffix = 'Z';
  if (!isUtc) {
    const total = Math.floor(offset / 60000);
    suffix = `${total >= 0 ? '+' : '-'}${pad(Math.floor(Math.abs(total) / 60), 2)}:${pad(Math.abs(total) % 60, 2)}`;
  }
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}T${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}.${pad(d.getUTCMilliseconds(), 3)}${suffix}`;
}

//# __zones: core
// Time zone offsets through Intl (no zone database of our own): the offset of `zone` at an instant.
const __ZONE_FORMATS = new Map();

function __zoneFormat(zone) {
  let format = __ZONE_FORMATS.get(zone);
  if (format === undefined) {
    try {
      format = new Intl.DateTimeFormat('en-US', {
        timeZone: zone, hourCycle: 'h23', era: 'short', year: 'numeric', month: 'numeric', day: 'numeric',
        hour: 'numeric', minute: 'numeric', second: 'numeric',
      });
    } catch {
      format = null;
    }
    __ZONE_FORMATS.set(zone, format);
  }
  return format;
}

function __zoneExists(zone) {
  return typeof zone === 'string' && !/^(local|system|default)$/i.test(zone) && __zoneFormat(zone) !== null;
}

// Instants outside years 1..9999 read the zone's rules at the edge of that window (as zoneinfo does).
const __ZONE_MIN_MS = -62135510400000;
const __ZONE_MAX_MS = 253402041600000;

function __zoneOffsetMs(zone, utcMs) {
  const format = __zoneFormat(zone);
  const clamped = Math.min(Math.max(utcMs, __ZONE_MIN_MS), __ZONE_MAX_MS);
  const second = Math.floor(clamped / 1000) * 1000;
  const parts = {};
  for (const part of format.formatToParts(new Date(second))) parts[part.type] = part.value;
  let year = Number(parts.year);
  if (parts.era === 'BC' || parts.era === 'B') year = 1 - year;
  const wall = __utcMs(year, Number(parts.month), Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second), 0);
  return wall - second;
}

//# stl:print: core
function __stl_print(rt, ...args) {
  // A host function named print shadows the built-in (as on the VM; templates log this way).
  if (__hostFunction(rt, 'print') !== null) return __callGlobal(rt, 'print', args);
  rt.print(args.map(__printString).join(' '));
  return null;
}

//# stl:typeof: core
function __stl_typeof(rt, v) {
  if (__isDict(v) && v.get('__hx_ast')) return 'sql';
  return __typeOf(v);
}

//# stl:toString: __hogToString
function __stl_toString(rt, v) { return __hogToString(v); }

//# stl:toUUID: __hogToString
function __stl_toUUID(rt, v) { return __hogToString(v); }

//# stl:toInt: __stlCommon
function __stl_toInt(rt, v) {
  if (v instanceof __HogDateTime) {
    const dt = v.get('dt');
    return typeof dt === 'number' && Number.isFinite(dt) ? Math.floor(dt) : null;
  }
  if (v instanceof __HogDate) return __daysSinceEpoch(v);
  const n = parseInt(String(v));
  return n !== n ? null : n;
}

//# stl:toFloat: __stlCommon
function __stl_toFloat(rt, v) {
  if (v instanceof __HogDateTime) return v.get('dt');
  if (v instanceof __HogDate) return __daysSinceEpoch(v);
  const n = parseFloat(String(v));
  return n !== n ? null : n;
}

//# stl:tuple: core
function __stl_tuple(rt, ...args) { return __tuple(args); }

//# stl:isNull: core
function __stl_isNull(rt, v) { return v === null; }

//# stl:isNotNull: core
function __stl_isNotNull(rt, v) { return v !== null; }

//# __isEmpty: core
function __isEmpty(v) {
  if (v === null) return true;
  if (typeof v === 'string' || Array.isArray(v)) return v.length === 0;
  if (v instanceof Map) return v.size === 0;
  return false;
}

//# stl:empty: __isEmpty
function __stl_empty(rt, v) { return __isEmpty(v); }

//# stl:notEmpty: __isEmpty
function __stl_notEmpty(rt, v) { return !__isEmpty(v); }

//# stl:length: core
function __stl_length(rt, v) {
  if (typeof v === 'string' || Array.isArray(v)) return v.length;
  return null;
}

//# stl:coalesce: core
function __stl_coalesce(rt, ...args) {
  for (const v of args) if (v !== null) return v;
  return null;
}

//# stl:assumeNotNull: core
function __stl_assumeNotNull(rt, v) {
  if (v === null) throw new __HogRuntimeError('Value is null in assumeNotNull');
  return v;
}

//# stl:ifNull: core
function __stl_ifNull(rt, v, otherwise) { return v !== null ? v : otherwise; }

//# stl:if: core
function __stl_if(rt, cond, then, otherwise) { return cond ? then : otherwise; }

//# stl:multiIf: core
function __stl_multiIf(rt, ...args) {
  const pairs = args.slice(0, -1);
  for (let i = 0; i < pairs.length; i += 2) {
    if (pairs[i]) return i + 1 < pairs.length ? pairs[i + 1] : null;
  }
  return args[args.length - 1];
}

//# stl:not: core
function __stl_not(rt, v) { return !v; }

//# stl:and: core
function __stl_and(rt, ...args) { return args.every(Boolean); }

//# stl:or: core
function __stl_or(rt, ...args) { return args.some(Boolean); }

//# __jsStrictEquals: core
// JavaScript's `===` on the oracle's representation: primitives by value, containers by identity.
function __jsStrictEquals(a, b) { return a === b; }

//# stl:equals: __jsStrictEquals
function __stl_equals(rt, a, b) { return __jsStrictEquals(a, b); }

//# stl:notEquals: __jsStrictEquals
function __stl_notEquals(rt, a, b) { return !__jsStrictEquals(a, b); }

//# __orderOperands: __stlCommon
// The comparison functions do not unify types: JavaScript's `<` / `<=` on the values as the oracle
// holds them, except that any ordering test with null is false.
function __hogLess(a, b) {
  if (a === null || b === null) return false;
  return __primitive(a) < __primitive(b);
}
function __hogLessOrEqual(a, b) {
  if (a === null || b === null) return false;
  return __primitive(a) <= __primitive(b);
}

//# stl:less: __orderOperands
function __stl_less(rt, a, b) { return __hogLess(a, b); }

//# stl:lessOrEquals: __orderOperands
function __stl_lessOrEquals(rt, a, b) { return __hogLessOrEqual(a, b); }

//# stl:greater: __orderOperands
function __stl_greater(rt, a, b) { return __hogLess(b, a); }

//# stl:greaterOrEquals: __orderOperands
function __stl_greaterOrEquals(rt, a, b) { return __hogLessOrEqual(b, a); }

//# stl:plus: __stlCommon
function __stl_plus(rt, a, b) {
  const left = __primitive(a);
  const right = __primitive(b);
  if (typeof left === 'string' || typeof right === 'string') {
    __guardString(String(left).length + String(right).length);
    return String(left) + String(right);
  }
  return Number(left) + Number(right);
}

//# stl:minus: __stlCommon
function __stl_minus(rt, a, b) { return Number(__primitive(a)) - Number(__primitive(b)); }

//# stl:lower: __stlCommon
function __stl_lower(rt, s) { return s === null ? null : __expectString('lower', s).toLowerCase(); }

//# stl:upper: __stlCommon
function __stl_upper(rt, s) { return s === null ? null : __expectString('upper', s).toUpperCase(); }

//# stl:reverse: __stlCommon
function __stl_reverse(rt, s) {
  if (s === null) return null;
  const text = __expectString('reverse', s);
  let out = '';
  for (let i = text.length - 1; i >= 0; i--) {
    const code = text.charCodeAt(i);
    out += code >= 0xd800 && code <= 0xdfff ? '\ufffd' : text[i];
  }
  return out;
}

//# stl:concat: __hogToString
function __stl_concat(rt, ...args) {
  const parts = args.map((v) => (v === null ? '' : (__hogToString(v) ?? '')));
  __guardString(parts.reduce((n, p) => n + p.length, 0));
  return parts.join('');
}

//# __trim: __stlCommon
function __trim(fn, text, char, left, right) {
  if (char === null) char = ' ';
  // The character is checked first: anything whose JavaScript `.length` is not 1 gives '' whatever
  // the subject is; a one-item array never equals a character, so nothing is stripped.
  if (Array.isArray(char) && char.length === 1) char = null;
  else if (typeof char !== 'string' || char.length !== 1) return '';
  if (text === null) return null;
  __expectString(fn, text);
  if (char === null) return text;
  let start = 0;
  let end = text.length;
  if (left) while (start < end && text[start] === char) start++;
  if (right) while (end > start && text[end - 1] === char) end--;
  return text.slice(start, end);
}

//# stl:trim: __trim
function __stl_trim(rt, s, c) { return __trim('trim', s, c, true, true); }

//# stl:trimLeft: __trim
function __stl_trimLeft(rt, s, c) { return __trim('trimLeft', s, c, true, false); }

//# stl:trimRight: __trim
function __stl_trimRight(rt, s, c) { return __trim('trimRight', s, c, false, true); }

//# stl:splitByString: __stlCommon
function __stl_splitByString(rt, separator, text, limit) {
  const sep = String(separator);
  if (text === null) return null;
  __expectString('splitByString', text);
  let parts;
  if (sep === '') {
    __guardContainer(text.length);
    parts = Array.from({ length: text.length }, (_, i) => {
      const code = text.charCodeAt(i);
      return code >= 0xd800 && code <= 0xdfff ? '\ufffd' : text[i];
    });
  } else {
    parts = text.split(sep);
    __guardContainer(parts.length);
  }
  if (limit !== null) {
    const n = Number(limit);
    const count = Number.isFinite(n) ? ((Math.trunc(n) % 4294967296) + 4294967296) % 4294967296 : 0;
    parts = parts.slice(0, count);
  }
  return parts;
}

//# stl:replaceAll: __stlCommon
function __stl_replaceAll(rt, text, needle, replacement) {
  if (text === null) return null;
  __expectString('replaceAll', text);
  const result = text.replaceAll(String(needle), String(replacement));
  __guardString(result.length);
  return result;
}

//# stl:replaceOne: __stlCommon
function __stl_replaceOne(rt, text, needle, replacement) {
  if (text === null) return null;
  __expectString('replaceOne', text);
  return text.replace(String(needle), String(replacement));
}

//# stl:position: core
function __stl_position(rt, haystack, needle) {
  if (typeof haystack !== 'string') return 0;
  return haystack.indexOf(String(needle)) + 1;
}

//# stl:positionCaseInsensitive: core
function __stl_positionCaseInsensitive(rt, haystack, needle) {
  if (typeof haystack !== 'string') return 0;
  return haystack.toLowerCase().indexOf(String(needle).toLowerCase()) + 1;
}

//# stl:startsWith: core
function __stl_startsWith(rt, text, prefix) {
  return typeof text === 'string' && typeof prefix === 'string' && text.startsWith(prefix);
}

//# stl:substring: core
function __stl_substring(rt, text, startArg, lengthArg) {
  if (typeof text !== 'string') return '';
  const total = text.length;
  const start = Number(startArg) - 1;
  const count = typeof lengthArg === 'number' ? lengthArg : total - start;
  if (start < 0 || count < 0 || !(start < total)) return '';
  const clip = (v) => (v !== v ? 0 : v === Infinity ? total : v === -Infinity ? 0 : Math.max(0, Math.min(total, Math.trunc(v))));
  return text.slice(clip(start), Math.max(clip(start), clip(start + count)));
}

//# stl:like: regex
function __stl_like(rt, text, pattern) {
  return __likeMatch(text, pattern, false);
}

//# stl:ilike: regex
function __stl_ilike(rt, text, pattern) {
  return __likeMatch(text, pattern, true);
}

//# stl:notLike: regex
function __stl_notLike(rt, text, pattern) {
  return !__likeMatch(text, pattern, false);
}

//# stl:notILike: regex
function __stl_notILike(rt, text, pattern) {
  return !__likeMatch(text, pattern, true);
}

//# stl:match: regex
function __stl_match(rt, text, pattern) {
  if (!text || !pattern) return false;
  return __compileRegex(String(pattern), false, 'stl').test(String(text));
}

//# stl:extractRegex: regex
function __stl_extractRegex(rt, text, pattern) {
  if (text === null || pattern === null) return '';
  const re = __compileRegex(String(pattern), false, 'stl');
  const found = re.exec(String(text));
  if (found === null) return '';
  return found.length > 1 ? (found[1] ?? '') : found[0];
}

//# stl:multiSearchAnyCaseInsensitive: core
function __stl_multiSearchAnyCaseInsensitive(rt, text, needles) {
  if (text === null || !Array.isArray(needles)) return 0;
  const haystack = String(text).toLowerCase();
  return needles.some((needle) => haystack.includes(String(needle).toLowerCase())) ? 1 : 0;
}

//# stl:has: core
function __stl_has(rt, items, needle) { return Array.isArray(items) && items.includes(needle); }

//# stl:in: core
function __stl_in(rt, needle, items) { return Array.isArray(items) && items.includes(needle); }

//# stl:indexOf: core
function __stl_indexOf(rt, items, needle) { return Array.isArray(items) ? items.indexOf(needle) + 1 : 0; }

//# stl:arrayPushBack: __stlCommon
function __stl_arrayPushBack(rt, items, item) {
  if (!Array.isArray(items)) return [item];
  __guardContainer(items.length + 1);
  return [...items, item];
}

//# stl:arrayPushFront: __stlCommon
function __stl_arrayPushFront(rt, items, item) {
  if (!Array.isArray(items)) return [item];
  __guardContainer(items.length + 1);
  return [item, ...items];
}

//# stl:arrayPopBack: core
function __stl_arrayPopBack(rt, items) { return Array.isArray(items) ? items.slice(0, Math.max(0, items.length - 1)) : []; }

//# stl:arrayPopFront: core
function __stl_arrayPopFront(rt, items) { return Array.isArray(items) ? items.slice(1) : []; }

//# stl:arrayReverse: core
function __stl_arrayReverse(rt, items) { return Array.isArray(items) ? [...items].reverse() : []; }

//# __sortOrder: core
// The oracle sorts with JavaScript's default order (String() of each item, by UTF-16 units); hoglite
// sorts an array of numbers (and nulls) numerically instead: NaN after the numbers, nulls last.
function __numberRank(v) {
  if (v === null) return 2;
  return v !== v ? 1 : 0;
}
function __sorted(items) {
  if (items.every((v) => v === null || typeof v === 'number')) {
    return [...items].sort((a, b) => {
      const ra = __numberRank(a);
      const rb = __numberRank(b);
      return ra !== rb ? ra - rb : ra === 0 ? a - b : 0;
    });
  }
  return [...items].sort((a, b) => {
    const x = String(a);
    const y = String(b);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

//# stl:arraySort: __sortOrder
function __stl_arraySort(rt, items) { return Array.isArray(items) ? __sorted(items) : []; }

//# stl:arrayReverseSort: __sortOrder
function __stl_arrayReverseSort(rt, items) { return Array.isArray(items) ? __sorted(items).reverse() : []; }

//# stl:arrayStringConcat: __stlCommon
function __stl_arrayStringConcat(rt, items, separator) {
  if (!Array.isArray(items)) return '';
  const result = items.join(separator === null ? '' : String(separator));
  __guardString(result.length);
  return result;
}

//# stl:range: stl:plus stl:minus
// As in the oracle (`Array.from({length})`): the length is ToLength of `n` or of `b - a`, and the
// items are `a + i` with JavaScript's `+` (so a string start concatenates).
function __rangeLength(span) {
  if (span !== span || span <= 0) return 0;
  return span === Infinity ? 9007199254740992 : Math.trunc(span);
}
function __stl_range(rt, a, b) {
  if (b === null) {
    const count = __rangeLength(__stl_minus(rt, a, 0));
    __guardContainer(count);
    return Array.from({ length: count }, (_, i) => i);
  }
  const count = __rangeLength(__stl_minus(rt, b, a));
  __guardContainer(count);
  if (a === null || typeof a === 'number') return Array.from({ length: count }, (_, i) => (a || 0) + i);
  return Array.from({ length: count }, (_, i) => __stl_plus(rt, a, i));
}

//# stl:keys: core
// A function value is a closure record on the VM: its three fields show (the upvalue ids of the VM
// have no JavaScript counterpart, so they show as an empty list).
function __stl_keys(rt, v) {
  if (Array.isArray(v)) return Array.from(v.keys());
  if (v instanceof Map) return Array.from(v.keys());
  if (v instanceof __HogFunction) return ['__hogClosure__', 'callable', 'upvalues'];
  return [];
}

//# stl:values: core
function __stl_values(rt, v) {
  if (Array.isArray(v)) return [...v];
  if (v instanceof Map) return Array.from(v.values());
  if (v instanceof __HogFunction) return [true, v, []];
  return [];
}

//# stl:Error: core
function __stl_Error(rt, message, payload) { return __newError('Error', message, payload); }

//# stl:RetryError: core
function __stl_RetryError(rt, message, payload) { return __newError('RetryError', message, payload); }

//# stl:NotImplementedError: core
function __stl_NotImplementedError(rt, message, payload) { return __newError('NotImplementedError', message, payload); }

//# stl:HogError: core
function __stl_HogError(rt, type, message, payload) { return __newError(type, message, payload); }

//# stl:sleep: core
function __stl_sleep(rt, seconds) { throw new __HogRuntimeError('Unexpected async function call: sleep'); }

//# stl:run: core
function __stl_run(rt, query) { return []; }

//# stl:floor: core
function __stl_floor(rt, v) {
  const n = Number(v);
  return Number.isFinite(n) ? Math.floor(n) : n;
}

//# stl:round: core
function __stl_round(rt, v, digitsArg) {
  const value = Number(v);
  if (digitsArg === null) return Math.round(value);
  const count = Number(digitsArg);
  if (!Number.isFinite(count)) return Math.round(value);
  const digits = Math.trunc(count);
  if (digits === 0 || !Number.isFinite(value)) return Math.round(value);
  if (digits > 0) {
    const factor = 10 ** digits;
    if (Number.isInteger(value) || !Number.isFinite(value * factor)) return value;
    return Math.round(value * factor) / factor;
  }
  const factor = 10 ** -digits;
  return Math.round(value / factor) * factor;
}

//# stl:min2: core
function __stl_min2(rt, a, b) { return a < b ? a : b; }

//# stl:max2: core
function __stl_max2(rt, a, b) { return b < a ? a : b; }

//# stl:randomFloat: core
function __stl_randomFloat(rt) { return rt.random(); }

//# stl:generateUUIDv4: core
function __stl_generateUUIDv4(rt) { return rt.uuid4(); }

//# __base64: __stlCommon
const __B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
function __base64FromBytes(bytes) {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += __B64[(n >> 18) & 63] + __B64[(n >> 12) & 63];
    out += i + 1 < bytes.length ? __B64[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.length ? __B64[n & 63] : '=';
  }
  return out;
}
// node's Buffer.from(text, 'base64'): both alphabets, other characters skipped, stop at '='.
function __base64ToBytes(text) {
  const sextets = [];
  for (const ch of text) {
    if (ch === '=') break;
    const value = ch === '-' ? 62 : ch === '_' ? 63 : __B64.indexOf(ch);
    if (value >= 0 && ch.length === 1) sextets.push(value);
  }
  const out = [];
  for (let start = 0; start < sextets.length; start += 4) {
    const group = sextets.slice(start, start + 4);
    if (group.length < 2) break;
    let bits = 0;
    for (const v of group) bits = bits * 64 + v;
    bits *= 64 ** (4 - group.length);
    const three = [Math.floor(bits / 65536) & 255, Math.floor(bits / 256) & 255, bits & 255];
    out.push(...three.slice(0, group.length - 1));
  }
  return out;
}

//# stl:base64Encode: __base64
function __stl_base64Encode(rt, s) {
  if (s === null) return null;
  return __base64FromBytes(__utf8Encode(__expectString('base64Encode', s)));
}

//# stl:base64Decode: __base64
function __stl_base64Decode(rt, s) {
  if (s === null) return null;
  return __utf8Decode(__base64ToBytes(__expectString('base64Decode', s)));
}

//# stl:tryBase64Decode: __base64
function __stl_tryBase64Decode(rt, s) {
  if (typeof s !== 'string') return '';
  return __utf8Decode(__base64ToBytes(s));
}

//# stl:encodeURLComponent: core
function __stl_encodeURLComponent(rt, v) {
  if (v === null) return null;
  try {
    return encodeURIComponent(String(v));
  } catch {
    throw new __HogRuntimeError('URI malformed');
  }
}

//# stl:decodeURLComponent: core
function __stl_decodeURLComponent(rt, v) {
  if (v === null) return null;
  try {
    return decodeURIComponent(String(v));
  } catch {
    throw new __HogRuntimeError('URI malformed');
  }
}

//# stl:tryDecodeURLComponent: core
function __stl_tryDecodeURLComponent(rt, v) {
  if (v === null) return null;
  try {
    return decodeURIComponent(String(v));
  } catch {
    return null;
  }
}

//# stl:isIPAddressInRange: core
function __ipv4Bytes(text) {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const out = [];
  for (const part of parts) {
    if (!/^[0-9]+$/.test(part) || String(Number(part)) !== part || Number(part) > 255) return null;
    out.push(Number(part));
  }
  return out;
}
function __ipv6Bytes(text) {
  let parts;
  if (text.includes('::')) {
    if (text.split('::').length > 2) return null;
    const [head, tail] = text.split('::');
    const headParts = head ? head.split(':') : [];
    const tailParts = tail ? tail.split(':') : [];
    if (headParts.length + tailParts.length > 7) return null;
    parts = [...headParts, ...Array(8 - headParts.length - tailParts.length).fill('0'), ...tailParts];
  } else {
    parts = text.split(':');
    if (parts.length !== 8) return null;
  }
  const out = [];
  for (const part of parts) {
    if (part === '') return null;
    const value = parseInt(part, 16);
    if (value !== value || value < 0 || value > 0xffff) return null;
    out.push(value >> 8, value & 255);
  }
  return out;
}
function __stl_isIPAddressInRange(rt, address, cidr) {
  if (typeof address !== 'string' || typeof cidr !== 'string' || !address || !cidr) return false;
  const parts = cidr.split('/');
  const network = parts[0];
  const mask = parts.length > 1 ? parts[1] : '';
  if (!network || !mask) return false;
  const prefix = Number(mask);
  if (prefix !== prefix || prefix < 0) return false;
  const isV4 = address.includes('.') && network.includes('.');
  const isV6 = !isV4 && address.includes(':') && network.includes(':');
  if (!isV4 && !isV6) return false;
  if ((isV4 && prefix > 32) || (isV6 && prefix > 128)) return false;
  const parse = isV4 ? __ipv4Bytes : __ipv6Bytes;
  const a = parse(address);
  const b = parse(network);
  if (a === null || b === null) return false;
  const bits = Math.trunc(prefix);
  const full = bits >> 3;
  const rest = bits & 7;
  for (let i = 0; i < full; i++) if (a[i] !== b[i]) return false;
  if (rest && full < a.length) {
    const maskBits = (0xff << (8 - rest)) & 0xff;
    if ((a[full] & maskBits) !== (b[full] & maskBits)) return false;
  }
  return true;
}
