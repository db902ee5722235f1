// Date and time built-ins for transpiled Hog: a port of hoglite/stl/dates.py, dates_core.py and
// dates_format.py. Zone offsets come from Intl (the zone database node and browsers ship); the rest is
// our own calendar arithmetic on epoch milliseconds, with the same rules as the VM for skipped and
// repeated wall-clock times.

//# __dates: __stlCommon __zones
const __MS_SECOND = 1000;
const __MS_MINUTE = 60000;
const __MS_HOUR = 3600000;
const __MS_DAY = 86400000;
const __MAX_ABS_MS = 8640000000000000;
const __UTC_ZONE = { name: 'UTC', fixed: 0, key: null };

function __pyRepr(v) {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return v !== v ? 'nan' : v === Infinity ? 'inf' : v === -Infinity ? '-inf' : String(v);
  if (typeof v === 'string') return `'${v}'`;
  return __printValue(v);
}

function __resolveZoneName(name) {
  const lowered = name.toLowerCase();
  if (lowered === 'utc' || lowered === 'gmt') return __UTC_ZONE;
  if (['local', 'system', 'default'].includes(lowered)) return null;
  const fixed = /^utc(?:([+-][0-9]{1,2})(?::([0-9]{2}))?)?$/i.exec(name);
  if (fixed) {
    const hours = Number(fixed[1] || 0);
    const minutes = Number(fixed[2] || 0);
    const negative = hours < 0 || (fixed[1] || '').startsWith('-');
    const total = hours * 60 + (negative ? -minutes : minutes);
    if (total === 0) return __UTC_ZONE;
    const h = Math.floor(Math.abs(total) / 60);
    const m = Math.abs(total) % 60;
    return { name: `UTC${total > 0 ? '+' : '-'}${h}${m ? ':' + m : ''}`, fixed: total * __MS_MINUTE, key: null };
  }
  if (!__zoneExists(name)) return null;
  return { name, fixed: null, key: name };
}

function __resolveZone(name, fn) {
  if (name === null || name === undefined) return __UTC_ZONE;
  const where = fn ? `${fn}: ` : '';
  if (typeof name !== 'string') throw new __HogRuntimeError(`${where}time zone must be a string, got ${__typeOf(name)}`);
  const zone = name ? __resolveZoneName(name) : __UTC_ZONE;
  if (zone === null) throw __hinted(`${where}unknown time zone '${name}'`, "use an IANA zone name such as 'Europe/Amsterdam', or 'UTC'");
  return zone;
}

function __checkMs(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || Math.abs(ms) > __MAX_ABS_MS) {
    throw new __HogRuntimeError('date is out of range (at most 8.64e12 seconds, about 273,790 years, either side of 1970)');
  }
}

function __offsetAt(zone, utcMs) {
  if (zone.fixed !== null) return zone.fixed;
  __checkMs(utcMs);
  return __zoneOffsetMs(zone.key, utcMs);
}

// The offset for a wall-clock reading: the earlier reading of a repeated hour, and the offset in
// force before the transition for a skipped one (what zoneinfo does with fold=0).
function __firstOffset(zone, wallMs) {
  if (zone.fixed !== null) return zone.fixed;
  const before = __offsetAt(zone, wallMs - __MS_DAY);
  const after = __offsetAt(zone, wallMs + __MS_DAY);
  const valid = (offset) => __offsetAt(zone, wallMs - offset) === offset;
  if (valid(before) || !valid(after)) return before;
  return after;
}

function __isoWeeks(year) {
  const p = (y) => (((y + Math.floor(y / 4) - Math.floor(y / 100) + Math.floor(y / 400)) % 7) + 7) % 7;
  return p(year) === 4 || p(year - 1) === 3 ? 53 : 52;
}

function __daysFromCivil(year, month, day) {
  return Math.round(__utcMs(year, month, day, 0, 0, 0, 0) / __MS_DAY);
}

function __fieldsAt(utcMs, zone) {
  __checkMs(utcMs);
  const offset = __offsetAt(zone, utcMs);
  const local = Math.trunc(utcMs + offset);
  __checkMs(local);
  const days = Math.floor(local / __MS_DAY);
  const msOfDay = local - days * __MS_DAY;
  const d = new Date(days * __MS_DAY);
  const year = d.getUTCFullYear();
  const month = d.getUTCMonth() + 1;
  const day = d.getUTCDate();
  const weekday = ((((days + 3) % 7) + 7) % 7) + 1;
  const ordinal = days - __daysFromCivil(year, 1, 1) + 1;
  let week = Math.floor((ordinal - weekday + 10) / 7);
  if (week < 1) week = __isoWeeks(year - 1);
  else if (week > __isoWeeks(year)) week = 1;
  const secondsOfDay = Math.floor(msOfDay / 1000);
  return {
    year, month, day,
    hour: Math.floor(secondsOfDay / 3600),
    minute: Math.floor(secondsOfDay / 60) % 60,
    second: secondsOfDay % 60,
    millisecond: msOfDay % 1000,
    offset, weekday, ordinal, week,
  };
}

function __daysInMonth(year, month) {
  year += Math.floor((month - 1) / 12);
  month = ((((month - 1) % 12) + 12) % 12) + 1;
  return __monthDays(year, month);
}

function __localMs(year, month, day, hour = 0, minute = 0, second = 0, millisecond = 0) {
  year += Math.floor((month - 1) / 12);
  month = ((((month - 1) % 12) + 12) % 12) + 1;
  const days = __daysFromCivil(year, month, 1) + day - 1;
  const ms = (((days * 24 + hour) * 60 + minute) * 60 + second) * 1000 + millisecond;
  __checkMs(ms);
  return ms;
}

function __toUtcMs(wallMs, zone, preferred) {
  if (zone.fixed !== null) return wallMs - zone.fixed;
  if (preferred === undefined || preferred === null) return wallMs - __firstOffset(zone, wallMs);
  const guess = wallMs - preferred;
  const found = __offsetAt(zone, guess);
  if (found === preferred) return guess;
  const second = wallMs - found;
  const foundAgain = __offsetAt(zone, second);
  if (foundAgain === found) return second;
  return wallMs - Math.min(found, foundAgain);
}

function __secondsFromMs(ms) {
  return ms / 1000;
}

function __datetimeMs(value) {
  const dt = value.get('dt');
  if (typeof dt !== 'number' || !Number.isFinite(dt)) {
    throw new __HogRuntimeError(`invalid DateTime: its timestamp is ${__pyRepr(dt)}`);
  }
  return dt * 1000;
}

function __datetimeZone(value, fn) {
  return __resolveZone(__pyTruthy(value.get('zone')) ? value.get('zone') : 'UTC', fn);
}

function __dateParts(value) {
  const year = value.get('year');
  const month = value.get('month');
  const day = value.get('day');
  for (const part of [year, month, day]) {
    if (typeof part !== 'number' || !Number.isInteger(part)) {
      throw new __HogRuntimeError(`invalid Date: Date(${__pyRepr(year)}, ${__pyRepr(month)}, ${__pyRepr(day)})`);
    }
  }
  if (!(month >= 1 && month <= 12 && day >= 1 && day <= __daysInMonth(year, month))) {
    throw new __HogRuntimeError(`invalid Date: Date(${year}, ${month}, ${day})`);
  }
  return [year, month, day];
}

function __dateMidnightMs(value) {
  return __localMs(...__dateParts(value));
}

const __DATE_LIKE_FULL = /^([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[Tt ]([01][0-9]|2[0-3]):([0-5][0-9])(?::([0-5][0-9])(?:[.,]([0-9]{1,9}))?)?(Z|z|[+-](?:[01][0-9]|2[0-3])(?::?[0-5][0-9])?)?)?$/;

function __parseDateLikeMs(text, zone) {
  const m = __DATE_LIKE_FULL.exec(text.trim());
  if (m === null) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (year === 0 || month < 1 || month > 12 || day < 1 || day > __daysInMonth(year, month)) return null;
  const millis = Number((m[7] || '').slice(0, 3).padEnd(3, '0'));
  const wall = __localMs(year, month, day, Number(m[4] || 0), Number(m[5] || 0), Number(m[6] || 0), millis);
  const offset = m[8];
  if (offset === undefined) return __toUtcMs(wall, zone || __UTC_ZONE);
  if (offset === 'Z' || offset === 'z') return wall;
  const digits = offset.slice(1).replace(':', '');
  const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || 0);
  return wall - (offset[0] === '+' ? minutes : -minutes) * __MS_MINUTE;
}

function __formatOffset(offsetMs, separator) {
  const total = Math.abs(offsetMs / __MS_MINUTE);
  const hours = Math.trunc(total / 60);
  const minutes = Math.trunc(total % 60);
  return `${offsetMs >= 0 ? '+' : '-'}${String(hours).padStart(2, '0')}${separator}${String(minutes).padStart(2, '0')}`;
}

function __makeDateTime(ms, zoneName) {
  return __newDateTime(__secondsFromMs(ms), zoneName);
}

function __makeDate(ms, zone) {
  const f = __fieldsAt(ms, zone || __UTC_ZONE);
  return __newDate(f.year, f.month, f.day);
}

function __finiteNumber(value, fn, what) {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    const shown = typeof value !== 'number' ? __typeOf(value) : __pyRepr(value);
    throw new __HogRuntimeError(`${fn}: ${what} must be a finite number, got ${shown}`);
  }
  return value;
}

function __amount(value, fn) {
  if (value === null) return 0;
  if (typeof value === 'string') {
    const text = value.trim();
    const pythonFloat = /^[+-]?(?:[0-9](?:_?[0-9])*(?:\.(?:[0-9](?:_?[0-9])*)?)?|\.[0-9](?:_?[0-9])*)(?:[eE][+-]?[0-9](?:_?[0-9])*)?$/;
    const number = pythonFloat.test(text) ? Number(text.replace(/_/g, '')) : NaN;
    if (Number.isFinite(number)) return number;
    throw new __HogRuntimeError(`${fn}: the amount must be a number, got '${value}'`);
  }
  return __finiteNumber(value, fn, 'the amount');
}

function __unitName(unit) {
  return String(unit); // the oracle interpolates the unit with JavaScript's String()
}

function __instant(value, fn) {
  if (value instanceof __HogDateTime) return [__datetimeMs(value), __datetimeZone(value, fn)];
  if (value instanceof __HogDate) return [__dateMidnightMs(value), __UTC_ZONE];
  if (typeof value === 'string') {
    const ms = __parseDateLikeMs(value);
    return ms === null ? null : [ms, __UTC_ZONE];
  }
  return null;
}

function __requireDateTime(value, message) {
  if (!(value instanceof __HogDateTime)) throw __hinted(message, `got ${__typeOf(value)}; convert it with toDateTime() first`);
  return value;
}

function __datetimeOrDate(value, fn) {
  if (value instanceof __HogDateTime) return [__datetimeMs(value), __datetimeZone(value, fn)];
  if (value instanceof __HogDate) return [__dateMidnightMs(value), __UTC_ZONE];
  throw __hinted(`${fn}: expected a Date or DateTime, got ${__typeOf(value)}`, 'convert strings with toDateTime() or toDate() first');
}

const __INTERVAL_UNITS = ['second', 'minute', 'hour', 'day', 'week', 'month', 'year'];
const __DURATION_MS = { second: __MS_SECOND, minute: __MS_MINUTE, hour: __MS_HOUR };

// `ms` moved by `amount` units on the wall clock of `zone` (whole days and months keep the time of
// day, a month step clamps to the month's last day; fractions and h/m/s are exact durations).
function __shift(ms, zone, unit, amount) {
  if (unit === 'week') { unit = 'day'; amount *= 7; }
  else if (unit === 'year') { unit = 'month'; amount *= 12; }
  const f = __fieldsAt(ms, zone);
  let months = 0;
  let days = 0;
  let extra = 0;
  if (unit === 'month') {
    months = Math.trunc(amount);
    extra = (amount - months) * 30 * __MS_DAY;
  } else if (unit === 'day') {
    days = Math.trunc(amount);
    extra = (amount - days) * __MS_DAY;
  } else {
    extra = amount * __DURATION_MS[unit];
  }
  const year = f.year;
  const month = f.month + months;
  const day = Math.min(f.day, __daysInMonth(year, month)) + days;
  const wall = __localMs(year, month, day, f.hour, f.minute, f.second, f.millisecond);
  const shifted = __toUtcMs(wall, zone, f.offset);
  return extra ? shifted + extra : shifted;
}

function __applyInterval(value, unit, amount, fn) {
  const [ms, zone] = __datetimeOrDate(value, fn);
  if (!__INTERVAL_UNITS.includes(unit)) throw __hinted(`Unsupported interval unit: ${__unitName(unit)}`, `use one of ${__INTERVAL_UNITS.join(', ')}`);
  const shifted = __shift(ms, zone, unit, __amount(amount, fn));
  if (value instanceof __HogDateTime) return __makeDateTime(shifted, zone.name);
  return __makeDate(shifted, __UTC_ZONE);
}

function __truncate(ms, zone, unit) {
  const f = __fieldsAt(ms, zone);
  let wall;
  if (unit === 'year') wall = __localMs(f.year, 1, 1);
  else if (unit === 'month') wall = __localMs(f.year, f.month, 1);
  else if (unit === 'day') wall = __localMs(f.year, f.month, f.day);
  else if (unit === 'hour') wall = __localMs(f.year, f.month, f.day, f.hour);
  else wall = __localMs(f.year, f.month, f.day, f.hour, f.minute);
  return __toUtcMs(wall, zone, f.offset);
}

function __extractPart(part, value, fn) {
  if (!['year', 'month', 'day', 'hour', 'minute', 'second'].includes(part)) {
    throw __hinted(`Unknown extract part: ${__unitName(part)}`, 'use one of year, month, day, hour, minute, second');
  }
  const instant = __instant(value, fn);
  return instant === null ? null : __fieldsAt(...instant)[part];
}

function __unixSeconds(value, zoneArg, fn) {
  const zone = __resolveZone(zoneArg ? zoneArg : null, fn);
  if (value instanceof __HogDateTime) {
    __datetimeMs(value);
    return value.get('dt');
  }
  if (value instanceof __HogDate) return Math.floor(__dateMidnightMs(value) / 1000);
  if (typeof value === 'string') {
    const ms = __parseDateLikeMs(value, zone);
    return ms === null ? null : __secondsFromMs(ms);
  }
  if (typeof value === 'number') return __finiteNumber(value, fn, 'a timestamp');
  return null;
}

function __startOf(value, unit, fn) {
  const [ms, zone] = __datetimeOrDate(value, fn);
  return __makeDateTime(__truncate(ms, zone, unit), zone.name);
}

// -- formatDateTime (ClickHouse-style % codes) -----------------------------------------------------

const __MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September',
  'October', 'November', 'December'];
const __WEEKDAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

function __pad2(n) {
  return String(n).padStart(2, '0');
}

function __twoDigitYear(f) {
  const tail = String(f.year).slice(-2);
  return tail.startsWith('-') ? '-' + tail.slice(1).padStart(2, '0') : tail.padStart(2, '0');
}

function __fourDigitYear(f) {
  return (f.year < 0 ? '-' : '') + String(Math.abs(f.year)).padStart(4, '0');
}

function __hour12(f) {
  return __pad2(f.hour % 12 || 12);
}

function __meridiem(f) {
  return f.hour < 12 ? 'AM' : 'PM';
}

const __FORMAT_CODES = {
  a: (f) => __WEEKDAY_NAMES[f.weekday - 1].slice(0, 3),
  b: (f) => __MONTH_NAMES[f.month - 1].slice(0, 3),
  c: (f) => __pad2(f.month),
  C: __twoDigitYear,
  d: (f) => __pad2(f.day),
  D: (f) => `${__pad2(f.month)}/${__pad2(f.day)}/${__twoDigitYear(f)}`,
  e: (f) => String(f.day),
  f: (f) => String(f.millisecond).padStart(3, '0'),
  F: (f) => `${__fourDigitYear(f)}-${__pad2(f.month)}-${__pad2(f.day)}`,
  g: __twoDigitYear,
  G: __fourDigitYear,
  h: __hour12,
  H: (f) => __pad2(f.hour),
  i: (f) => __pad2(f.minute),
  I: __hour12,
  j: (f) => String(f.ordinal).padStart(3, '0'),
  k: (f) => __pad2(f.hour),
  l: __hour12,
  m: (f) => __pad2(f.month),
  M: (f) => __MONTH_NAMES[f.month - 1],
  n: () => '\n',
  p: __meridiem,
  Q: (f) => String(Math.floor((f.month + 2) / 3)),
  r: (f) => `${__hour12(f)}:${__pad2(f.minute)} ${__meridiem(f)}`,
  R: (f) => `${__pad2(f.hour)}:${__pad2(f.minute)}`,
  s: (f) => __pad2(f.second),
  S: (f) => __pad2(f.second),
  t: () => '\t',
  T: (f) => `${__pad2(f.hour)}:${__pad2(f.minute)}:${__pad2(f.second)}`,
  u: (f) => String(f.weekday),
  V: (f) => __pad2(f.week),
  w: (f) => String(f.weekday),
  W: (f) => __WEEKDAY_NAMES[f.weekday - 1],
  y: __twoDigitYear,
  Y: __fourDigitYear,
  z: (f) => __formatOffset(f.offset, ''),
  '%': () => '%',
};

function __renderFormat(pattern, fields) {
  let out = '';
  let i = 0;
  while (i < pattern.length) {
    const next = pattern.indexOf('%', i);
    if (next !== i) {
      const end = next < 0 ? pattern.length : next;
      out += pattern.slice(i, end);
      i = end;
      continue;
    }
    const code = pattern[i + 1];
    const render = code !== undefined && Object.prototype.hasOwnProperty.call(__FORMAT_CODES, code) ? __FORMAT_CODES[code] : null;
    if (render !== null) out += render(fields);
    i += 2;
  }
  return out;
}

function __isoYear(year) {
  if (year >= 0 && year <= 9999) return String(year).padStart(4, '0');
  return (year > 0 ? '+' : '-') + String(Math.abs(year)).padStart(6, '0');
}

// toString of a DateTime: ISO-8601 with milliseconds in its zone (`Z` for UTC); null when invalid.
function __datetimeIso(value) {
  try {
    const zone = __datetimeZone(value, 'toString');
    const f = __fieldsAt(__datetimeMs(value), zone);
    const suffix = zone.fixed === 0 ? 'Z' : __formatOffset(f.offset, ':');
    return `${__isoYear(f.year)}-${__pad2(f.month)}-${__pad2(f.day)}T${__pad2(f.hour)}:${__pad2(f.minute)}:${__pad2(f.second)}.${String(f.millisecond).padStart(3, '0')}${suffix}`;
  } catch (error) {
    if (error instanceof __HogRuntimeError) return null;
    throw error;
  }
}

function __isInterval(value) {
  return __isDict(value) && value.get('__hogInterval__') === true && value.has('unit');
}

// `value + interval` (sign 1) or `value - interval` (sign -1); undefined when it is no such pair.
function __dateArithmetic(value, interval, sign) {
  if (!(value instanceof __HogDate || value instanceof __HogDateTime) || !__isInterval(interval)) return undefined;
  const amount = __amount(interval.get('value') ?? null, 'interval arithmetic');
  return __applyInterval(value, interval.get('unit'), amount * sign, 'interval arithmetic');
}

__hooks.dateArithmetic = __dateArithmetic;
__hooks.datetimeToString = __datetimeIso;

function __interval(value, unit) {
  return new Map([['__hogInterval__', true], ['value', value], ['unit', unit]]);
}

//# stl:now: __dates
function __stl_now(rt, zoneArg) {
  const zone = zoneArg ? zoneArg : 'UTC';
  __resolveZone(zone, 'now');
  return __newDateTime(__finiteNumber(rt.now(), 'now', 'the host clock'), zone);
}

//# stl:today: __dates
function __stl_today(rt) {
  return __makeDate(__finiteNumber(rt.now(), 'today', 'the host clock') * 1000, __UTC_ZONE);
}

//# stl:toDateTime: __dates
function __stl_toDateTime(rt, value, zoneArg) {
  zoneArg = zoneArg ? zoneArg : null;
  const zone = __resolveZone(zoneArg, 'toDateTime');
  const zoneName = zoneArg !== null ? zoneArg : 'UTC';
  if (typeof value === 'number') return __newDateTime(__finiteNumber(value, 'toDateTime', 'a timestamp'), zoneName);
  if (typeof value === 'string') {
    const ms = __parseDateLikeMs(value, zone);
    return ms === null ? null : __makeDateTime(ms, zoneName);
  }
  if (value instanceof __HogDateTime) {
    __datetimeMs(value);
    const own = __pyTruthy(value.get('zone')) ? value.get('zone') : 'UTC';
    return __newDateTime(value.get('dt'), zoneArg !== null ? zoneName : own);
  }
  if (value instanceof __HogDate) return __makeDateTime(__toUtcMs(__localMs(...__dateParts(value)), zone), zoneName);
  return null;
}

//# stl:toDate: __dates
function __stl_toDate(rt, value) {
  if (typeof value === 'number') return __makeDate(__finiteNumber(value, 'toDate', 'a timestamp') * 1000, __UTC_ZONE);
  if (typeof value === 'string') {
    const ms = __parseDateLikeMs(value);
    return ms === null ? null : __makeDate(ms, __UTC_ZONE);
  }
  if (value instanceof __HogDateTime) return __makeDate(__datetimeMs(value), __datetimeZone(value, 'toDate'));
  if (value instanceof __HogDate) return __newDate(...__dateParts(value));
  return null;
}

//# stl:fromUnixTimestamp: __dates
function __stl_fromUnixTimestamp(rt, value) {
  if (value === null) return null;
  return __newDateTime(__finiteNumber(value, 'fromUnixTimestamp', 'the timestamp'), 'UTC');
}

//# stl:fromUnixTimestampMilli: __dates
function __stl_fromUnixTimestampMilli(rt, value) {
  if (value === null) return null;
  return __newDateTime(__secondsFromMs(__finiteNumber(value, 'fromUnixTimestampMilli', 'the timestamp')), 'UTC');
}

//# stl:toUnixTimestamp: __dates
function __stl_toUnixTimestamp(rt, value, zoneArg) { return __unixSeconds(value, zoneArg, 'toUnixTimestamp'); }

//# stl:toUnixTimestampMilli: __dates
function __stl_toUnixTimestampMilli(rt, value, zoneArg) {
  const seconds = __unixSeconds(value, zoneArg, 'toUnixTimestampMilli');
  return seconds === null ? null : seconds * 1000;
}

//# stl:toTimeZone: __dates
function __stl_toTimeZone(rt, value, zone) {
  __requireDateTime(value, 'Expected a DateTime');
  __datetimeMs(value);
  __resolveZone(zone, 'toTimeZone');
  return __newDateTime(value.get('dt'), zone ? zone : 'UTC');
}

//# stl:formatDateTime: __dates
function __stl_formatDateTime(rt, value, pattern, zoneArg) {
  __requireDateTime(value, 'Expected a DateTime');
  if (!pattern) throw __hinted('formatDateTime requires at least 2 arguments', 'the format is empty');
  if (typeof pattern !== 'string') throw new __HogRuntimeError(`formatDateTime: the format must be a string, got ${__typeOf(pattern)}`);
  const zone = zoneArg ? __resolveZone(zoneArg, 'formatDateTime') : __datetimeZone(value, 'formatDateTime');
  return __renderFormat(pattern, __fieldsAt(__datetimeMs(value), zone));
}

//# stl:extract: __dates
function __stl_extract(rt, part, value) { return __extractPart(part, value, 'extract'); }

//# stl:toYear: __dates
function __stl_toYear(rt, value) { return __extractPart('year', value, 'toYear'); }

//# stl:toMonth: __dates
function __stl_toMonth(rt, value) { return __extractPart('month', value, 'toMonth'); }

//# stl:toYYYYMM: __dates
function __stl_toYYYYMM(rt, value) {
  const instant = __instant(value, 'toYYYYMM');
  if (instant === null) return null;
  const f = __fieldsAt(...instant);
  return f.year * 100 + f.month;
}

//# stl:dateTrunc: __dates
function __stl_dateTrunc(rt, unit, value, zoneArg) {
  __requireDateTime(value, 'Expected a DateTime for dateTrunc');
  if (!['year', 'month', 'day', 'hour', 'minute'].includes(unit)) {
    throw __hinted(`Unsupported unit for dateTrunc: ${__unitName(unit)}`, 'use one of year, month, day, hour, minute');
  }
  const zone = __datetimeZone(value, 'dateTrunc');
  return __makeDateTime(__truncate(__datetimeMs(value), zone, unit), zone.name);
}

//# stl:toStartOfDay: __dates
function __stl_toStartOfDay(rt, value) { return __startOf(value, 'day', 'toStartOfDay'); }

//# stl:toStartOfHour: __dates
function __stl_toStartOfHour(rt, value) { return __startOf(value, 'hour', 'toStartOfHour'); }

//# stl:toStartOfMonth: __dates
function __stl_toStartOfMonth(rt, value) { return __startOf(value, 'month', 'toStartOfMonth'); }

//# stl:toStartOfWeek: __dates
function __stl_toStartOfWeek(rt, value) {
  const [ms, zone] = __datetimeOrDate(value, 'toStartOfWeek');
  const monday = __shift(ms, zone, 'day', -(__fieldsAt(ms, zone).weekday - 1));
  return __makeDateTime(__truncate(monday, zone, 'day'), zone.name);
}

//# stl:dateAdd: __dates
function __stl_dateAdd(rt, unit, amount, value) { return __applyInterval(value, unit, amount, 'dateAdd'); }

//# stl:addDays: __dates
function __stl_addDays(rt, value, amount) { return __applyInterval(value, 'day', amount, 'addDays'); }

//# stl:dateDiff: __dates
function __stl_dateDiff(rt, unit, startValue, endValue) {
  if (!__INTERVAL_UNITS.includes(unit)) throw __hinted(`Unsupported unit for dateDiff: ${__unitName(unit)}`, `use one of ${__INTERVAL_UNITS.join(', ')}`);
  const start = __instant(startValue, 'dateDiff');
  const end = __instant(endValue, 'dateDiff');
  if (start === null || end === null) return null;
  if (unit === 'month' || unit === 'year') {
    const a = __fieldsAt(...start);
    const b = __fieldsAt(...end);
    if (unit === 'year') return b.year - a.year;
    return (b.year - a.year) * 12 + (b.month - a.month);
  }
  const unitMs = { second: __MS_SECOND, minute: __MS_MINUTE, hour: __MS_HOUR, day: __MS_DAY, week: 7 * __MS_DAY }[unit];
  return Math.floor((end[0] - start[0]) / unitMs);
}

//# stl:toIntervalDay: __dates
function __stl_toIntervalDay(rt, value) { return __interval(value, 'day'); }

//# stl:toIntervalHour: __dates
function __stl_toIntervalHour(rt, value) { return __interval(value, 'hour'); }

//# stl:toIntervalMinute: __dates
function __stl_toIntervalMinute(rt, value) { return __interval(value, 'minute'); }

//# stl:toIntervalMonth: __dates
function __stl_toIntervalMonth(rt, value) { return __interval(value, 'month'); }
