// hoglite's JavaScript runtime for transpiled Hog, part two: the comparison operators (type
// unification, equality, ordering, between), `in`, regular expressions (RE2 syntax on RegExp) and LIKE.
// Sections as in prelude.js. Behaviour follows hoglite/vm/operators.py and the conformance suite.

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

