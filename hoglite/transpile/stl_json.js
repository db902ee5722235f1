// JSON built-ins for transpiled Hog, mirroring hoglite/stl/json.py: a parser with the messages and
// positions of Python's json module (what hoglite's VM reports), key order as JavaScript objects
// have it (array-index keys first), the __hogDateTime__/__hogDate__/__hogError__ markers, and
// JSON.stringify's layout for serialising.

//# __json: __stlCommon
const __MAX_JSON_DEPTH = 512;

function __isArrayIndex(key) {
  return /^(0|[1-9][0-9]*)$/.test(key) && Number(key) < 4294967295;
}

// A parsed object in JavaScript's own-property order, or the Hog record its markers describe.
function __jsonObject(pairs) {
  const map = new Map();
  for (const [key, value] of pairs) map.set(key, value);
  const indexKeys = [...map.keys()].filter(__isArrayIndex).sort((a, b) => Number(a) - Number(b));
  let obj = map;
  if (indexKeys.length) {
    obj = new Map();
    for (const key of indexKeys) obj.set(key, map.get(key));
    for (const [key, value] of map) if (!obj.has(key)) obj.set(key, value);
  }
  const field = (key) => (obj.has(key) ? obj.get(key) : null);
  if (__pyTruthy(field('__hogDateTime__'))) return __newDateTime(field('dt'), __pyTruthy(field('zone')) ? field('zone') : 'UTC');
  if (__pyTruthy(field('__hogDate__'))) return __newDate(field('year'), field('month'), field('day'));
  if (__pyTruthy(field('__hogError__'))) {
    const error = __newError('Error', 'An error occurred', field('payload'));
    if (__pyTruthy(field('type'))) error.set('type', field('type'));
    if (__pyTruthy(field('message'))) error.set('message', field('message'));
    return error;
  }
  return obj;
}

class __JsonStop {
  constructor(pos) {
    this.pos = pos;
  }
}

function __jsonFail(text, msg, pos) {
  // Python counts characters (code points), lines from 1, columns from 1.
  const before = text.slice(0, pos);
  const lineno = (before.match(/\n/g) || []).length + 1;
  const lastNewline = before.lastIndexOf('\n');
  const colno = [...before.slice(lastNewline + 1)].length + 1;
  throw new __HogRuntimeError(`Invalid JSON: ${msg} (line ${lineno}, column ${colno})`);
}

function __jsonParseText(text) {
  if (__jsonNesting(text) > __MAX_JSON_DEPTH) {
    throw new __HogRuntimeError(`Invalid JSON: nested deeper than ${__MAX_JSON_DEPTH} levels`);
  }
  const ws = (i) => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
    return i;
  };
  const isWs = (ch) => ch !== undefined && ' \t\n\r'.includes(ch);
  const constant = (name) => {
    throw new __HogRuntimeError(`Invalid JSON: ${name} is not valid JSON`);
  };
  const number = /(-?(?:0|[1-9][0-9]*))(\.[0-9]+)?([eE][-+]?[0-9]+)?/y;

  function scanString(end) {
    const begin = end - 1;
    let out = '';
    for (;;) {
      let i = end;
      while (i < text.length) {
        const code = text.charCodeAt(i);
        if (code === 34 || code === 92 || code < 32) break;
        i++;
      }
      if (i >= text.length) __jsonFail(text, 'Unterminated string starting at', begin);
      out += text.slice(end, i);
      const terminator = text[i];
      end = i + 1;
      if (terminator === '"') return [out, end];
      if (terminator !== '\\') __jsonFail(text, 'Invalid control character at', i);
      const esc = text[end];
      if (esc === undefined) __jsonFail(text, 'Unterminated string starting at', begin);
      if (esc !== 'u') {
        const simple = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' }[esc];
        if (simple === undefined) __jsonFail(text, 'Invalid \\escape', end - 1);
        out += simple;
        end += 1;
        continue;
      }
      const hex = (at) => {
        const digits = text.slice(at + 1, at + 5);
        if (!/^[0-9A-Fa-f]{4}$/.test(digits)) __jsonFail(text, 'Invalid \\uXXXX escape', at);
        return parseInt(digits, 16);
      };
      let uni = hex(end);
      end += 5;
      if (uni >= 0xd800 && uni <= 0xdbff && text[end] === '\\' && text[end + 1] === 'u') {
        const second = hex(end + 1);
        if (second >= 0xdc00 && second <= 0xdfff) {
          uni = 0x10000 + (((uni - 0xd800) << 10) | (second - 0xdc00));
          end += 6;
        }
      }
      out += String.fromCodePoint(uni);
    }
  }

  function scan(idx, depth) {
    const ch = text[idx];
    if (ch === undefined) throw new __JsonStop(idx);
    if (ch === '"') return scanString(idx + 1);
    if (ch === '{') return scanObject(idx + 1, depth + 1);
    if (ch === '[') return scanArray(idx + 1, depth + 1);
    if (ch === 'n' && text.startsWith('null', idx)) return [null, idx + 4];
    if (ch === 't' && text.startsWith('true', idx)) return [true, idx + 4];
    if (ch === 'f' && text.startsWith('false', idx)) return [false, idx + 5];
    number.lastIndex = idx;
    const m = number.exec(text);
    if (m) return [Number(m[0]), idx + m[0].length];
    if (ch === 'N' && text.startsWith('NaN', idx)) constant('NaN');
    if (ch === 'I' && text.startsWith('Infinity', idx)) constant('Infinity');
    if (ch === '-' && text.startsWith('-Infinity', idx)) constant('-Infinity');
    throw new __JsonStop(idx);
  }

  function value(idx, depth) {
    try {
      return scan(idx, depth);
    } catch (error) {
      if (error instanceof __JsonStop) __jsonFail(text, 'Expecting value', error.pos);
      throw error;
    }
  }

  function scanObject(end, depth) {
    const pairs = [];
    let next = text[end];
    if (next !== '"') {
      if (isWs(next)) {
        end = ws(end);
        next = text[end];
      }
      if (next === '}') return [__jsonObject(pairs), end + 1];
      if (next !== '"') __jsonFail(text, 'Expecting property name enclosed in double quotes', end);
    }
    end += 1;
    for (;;) {
      let key;
      [key, end] = scanString(end);
      if (text[end] !== ':') {
        end = ws(end);
        if (text[end] !== ':') __jsonFail(text, "Expecting ':' delimiter", end);
      }
      end = ws(end + 1);
      let item;
      [item, end] = value(end, depth);
      pairs.push([key, item]);
      end = ws(end);
      next = text[end] ?? '';
      end += 1;
      if (next === '}') break;
      if (next !== ',') __jsonFail(text, "Expecting ',' delimiter", end - 1);
      end = ws(end);
      next = text[end] ?? '';
      end += 1;
      if (next !== '"') __jsonFail(text, 'Expecting property name enclosed in double quotes', end - 1);
    }
    return [__jsonObject(pairs), end];
  }

  function scanArray(end, depth) {
    const items = [];
    let next = text[end];
    if (isWs(next)) {
      end = ws(end + 1);
      next = text[end];
    }
    if (next === ']') return [items, end + 1];
    for (;;) {
      let item;
      [item, end] = value(end, depth);
      items.push(item);
      end = ws(end);
      next = text[end] ?? '';
      end += 1;
      if (next === ']') break;
      if (next !== ',') __jsonFail(text, "Expecting ',' delimiter", end - 1);
      end = ws(end);
    }
    return [items, end];
  }

  const start = ws(0);
  const [result, end] = value(start, 0);
  const tail = ws(end);
  if (tail !== text.length) __jsonFail(text, 'Extra data', tail);
  return result;
}

// The deepest bracket nesting outside string literals (only counted for texts with many brackets).
function __jsonNesting(text) {
  let brackets = 0;
  for (const ch of text) if (ch === '[' || ch === '{') brackets++;
  if (brackets <= __MAX_JSON_DEPTH) return 0;
  const stripped = text.replace(/"(?:[^"\\]|\\[\s\S])*"/g, '');
  let depth = 0;
  let deepest = 0;
  for (const ch of stripped) {
    if (ch === '[' || ch === '{') deepest = Math.max(deepest, ++depth);
    else if (ch === ']' || ch === '}') depth--;
  }
  return deepest;
}

function __jsonParseArgument(v) {
  return typeof v === 'string' ? __jsonParseText(v) : v;
}

// -- serialising -----------------------------------------------------------------------------------

function __jsonPairs(v) {
  if (v instanceof __HogErrorValue) return [...v].filter(([k, item]) => !(k === 'payload' && item === null));
  const map = new Map();
  for (const [key, item] of v) map.set(String(key), item);
  const indexKeys = [...map.keys()].filter(__isArrayIndex).sort((a, b) => Number(a) - Number(b));
  const out = indexKeys.map((key) => [key, map.get(key)]);
  for (const [key, item] of map) if (!__isArrayIndex(key)) out.push([key, item]);
  return out;
}

function __jsonStringify(value, indent) {
  const out = [];
  let size = 0;
  const onPath = new Set();
  const write = (text) => {
    size += text.length;
    if (size > 67108864) __guardString(size);
    out.push(text);
  };
  const newline = (depth) => {
    if (indent) write('\n' + ' '.repeat(indent * depth));
  };
  // An explicit stack, so deep values can not exhaust JavaScript's.
  const stack = [];
  const begin = (item, depth) => {
    if (item === null || item === undefined) return write('null');
    if (item === true || item === false) return write(String(item));
    if (typeof item === 'number') return write(Number.isFinite(item) ? String(item) : 'null');
    if (typeof item === 'string') return write(JSON.stringify(item));
    if (item instanceof __HogFunction) return write(JSON.stringify(`fn<${item.name || 'lambda'}(${item.argCount})>`));
    const isArray = Array.isArray(item);
    if (!isArray && !(item instanceof Map)) return write('null');
    if (onPath.has(item)) return write('null');
    const data = isArray ? item : __jsonPairs(item);
    if (!data.length) return write(isArray ? '[]' : '{}');
    write(isArray ? '[' : '{');
    onPath.add(item);
    stack.push({ isArray, data, index: 0, depth, item });
    return undefined;
  };
  begin(value, 0);
  while (stack.length) {
    const frame = stack[stack.length - 1];
    if (frame.index === frame.data.length) {
      newline(frame.depth);
      write(frame.isArray ? ']' : '}');
      onPath.delete(frame.item);
      stack.pop();
      continue;
    }
    const index = frame.index++;
    if (index) write(',');
    newline(frame.depth + 1);
    let item;
    if (frame.isArray) {
      item = frame.data[index];
    } else {
      const [key, entry] = frame.data[index];
      write(JSON.stringify(key) + (indent ? ': ' : ':'));
      item = entry;
    }
    begin(item, frame.depth + 1);
  }
  return out.join('');
}

// -- paths -----------------------------------------------------------------------------------------

function __jsonIndex(items, key) {
  if (key !== key || !Number.isInteger(key)) return null;
  const length = items.length;
  const index = key > 0 ? key - 1 : length + key;
  if (!(index >= 0 && index < length)) return null;
  if (typeof items === 'string') {
    const code = items.charCodeAt(index);
    return code >= 0xd800 && code <= 0xdfff ? '\ufffd' : items[index];
  }
  return items[index];
}

// JavaScript `Object.hasOwn(obj, String(key))` for a value the oracle holds as a plain object or an
// array (parsed JSON, records, arrays, strings): [found, value].
function __ownProperty(obj, key) {
  const name = __jsString(key, false);
  if (obj instanceof Map) {
    for (const [stored, item] of obj) {
      if ((typeof stored === 'string' ? stored : __jsString(stored, false)) === name) return [true, item];
    }
    return [false, null];
  }
  if (Array.isArray(obj) || typeof obj === 'string') {
    if (name === 'length') return [true, obj.length];
    if (/^[0-9]+$/.test(name) && (name === '0' || !name.startsWith('0')) && Number(name) < obj.length) {
      return [true, __jsonIndex(obj, Number(name) + 1)];
    }
  }
  return [false, null];
}

// String() of a value; with `plain`, dicts are plain objects (what JSON.parse makes in the oracle).
function __jsString(v, plain) {
  if (Array.isArray(v)) return v.map((item) => (item === null ? '' : __jsString(item, plain))).join(',');
  if (__isDict(v)) return plain ? '[object Object]' : '[object Map]';
  return String(v);
}

// Follow `path` into `obj`: dict keys, 1-based (negative from the end) positions; missing gives null.
// `plain`: `obj` came from parsing a JSON string, so keys compare as strings and reach own properties.
function __getNested(obj, path, plain) {
  if (!(Array.isArray(obj) || obj instanceof Map)) return null;
  for (const key of path) {
    if (obj === null) return null;
    if (!plain && __isDict(obj)) {
      const found = obj.get(key);
      obj = found === undefined ? null : found;
    } else if (typeof key === 'number') {
      if (key === 0) throw new __HogRuntimeError(__ARRAYS_START);
      if (Array.isArray(obj) || typeof obj === 'string') obj = __jsonIndex(obj, key);
      else if (obj instanceof Map && key > 0) obj = __ownProperty(obj, key - 1)[1];
      else obj = null;
    } else {
      obj = __ownProperty(obj, key)[1];
    }
  }
  return obj;
}

function __jsonTarget(args) {
  let obj;
  try {
    obj = __jsonParseArgument(args[0]);
  } catch (error) {
    if (error instanceof __HogRuntimeError) return [false, null];
    throw error;
  }
  return [true, __getNested(obj, args.slice(1), typeof args[0] === 'string')];
}

//# stl:jsonParse: __json
function __stl_jsonParse(rt, v) { return __jsonParseText(typeof v === 'string' ? v : String(v)); }

//# stl:jsonStringify: __json
function __stl_jsonStringify(rt, value, indentArg) {
  let indent = 0;
  if (typeof indentArg === 'number' && indentArg > 0) indent = indentArg === Infinity ? 10 : Math.min(10, Math.floor(indentArg));
  return __jsonStringify(value, indent);
}

//# stl:isValidJSON: __json
function __stl_isValidJSON(rt, v) {
  try {
    __jsonParseText(typeof v === 'string' ? v : String(v));
  } catch (error) {
    if (error instanceof __HogRuntimeError) return false;
    throw error;
  }
  return true;
}

//# stl:JSONHas: __json
function __stl_JSONHas(rt, ...args) {
  const undefinedValue = Symbol('undefined');
  let current = args[0];
  let plain = false;
  for (const key of args.slice(1)) {
    if (typeof current === 'string') {
      try {
        current = __jsonParseText(current);
      } catch (error) {
        if (error instanceof __HogRuntimeError) return false;
        throw error;
      }
      plain = true;
    }
    if (!plain && __isDict(current)) {
      if (!current.has(key)) return false;
      current = current.get(key);
    } else if (Array.isArray(current) && typeof key === 'number') {
      if (key !== key || key === 0 || key > current.length || key < -current.length) return false;
      // A fractional position reads no element (undefined), so a further key fails.
      current = Number.isInteger(key) ? __jsonIndex(current, key) : undefinedValue;
    } else if (current instanceof Map && typeof key === 'number') {
      continue;
    } else if (Array.isArray(current) || current instanceof Map) {
      const [found, value] = __ownProperty(current, key);
      if (!found) return false;
      current = value;
    } else {
      return false;
    }
  }
  return true;
}

//# stl:JSONLength: __json
function __stl_JSONLength(rt, ...args) {
  const [ok, value] = __jsonTarget(args);
  if (ok && Array.isArray(value)) return value.length;
  if (ok && value instanceof Map) return value.size;
  return 0;
}

//# stl:JSONExtractBool: __json
function __stl_JSONExtractBool(rt, ...args) {
  let obj;
  try {
    obj = __jsonParseArgument(args[0]);
  } catch (error) {
    if (error instanceof __HogRuntimeError) return false;
    throw error;
  }
  if (args.length > 1) obj = __getNested(obj, args.slice(1), typeof args[0] === 'string');
  return typeof obj === 'boolean' ? obj : false;
}

//# stl:JSONExtractInt: __json
function __stl_JSONExtractInt(rt, ...args) {
  const [ok, value] = __jsonTarget(args);
  if (!ok) return null;
  const n = parseInt(String(value));
  return n !== n ? null : n;
}

//# stl:JSONExtractFloat: __json
function __stl_JSONExtractFloat(rt, ...args) {
  const [ok, value] = __jsonTarget(args);
  if (!ok) return null;
  const n = parseFloat(String(value));
  return n !== n ? null : n;
}

//# stl:JSONExtractString: __json
function __stl_JSONExtractString(rt, ...args) {
  const [ok, value] = __jsonTarget(args);
  return ok && value !== null ? __jsString(value, typeof args[0] === 'string') : null;
}

//# stl:JSONExtractArrayRaw: __json
function __stl_JSONExtractArrayRaw(rt, ...args) {
  const [ok, value] = __jsonTarget(args);
  return ok && Array.isArray(value) ? value : null;
}

//# stl:JSONExtract: __json
function __stl_JSONExtract(rt, ...args) {
  let obj;
  try {
    obj = __jsonParseArgument(args[0]);
  } catch (error) {
    if (error instanceof __HogRuntimeError) return null;
    throw error;
  }
  return __getNested(obj, args.slice(1, -1), typeof args[0] === 'string');
}
