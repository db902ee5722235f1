// Tokenizers for the editor: Hog and JSON source to [{start, end, cls}] (UTF-16 offsets, gaps = plain text).
// They only colour text: a wrong guess never changes what runs (the server's compiler is the judge).

const KEYWORDS = new Set([
  "let", "fn", "fun", "if", "else", "while", "for", "in", "return", "throw", "try", "catch", "finally",
  "and", "or", "not", "like", "ilike", "is", "between",
]);
const CONSTANTS = new Set(["true", "false", "null", "inf", "infinity", "nan"]);
const IDENT_START = /[A-Za-z_$]/;
const IDENT = /[A-Za-z0-9_$]/;
const OPERATORS = ["=~*", "!~*", ":=", "==", "!=", "<>", "<=", ">=", "=~", "!~", "~*", "??", "?.", "->", "||",
  "=", "<", ">", "~", "+", "-", "*", "/", "%", "?", ":"];

function scanQuoted(src, i, quote) {
  // i points after the opening quote; returns the index after the closing quote (or the end).
  while (i < src.length) {
    const c = src[i];
    if (c === "\\") { i += 2; continue; }
    if (c === quote) {
      if (src[i + 1] === quote) { i += 2; continue; }  // doubled quote
      return i + 1;
    }
    i++;
  }
  return src.length;
}

// Tokenize Hog from `i`; when `inHole` is set, stop before the `}` that closes an f-string hole.
function tokenizeHog(src, i, tokens, inHole) {
  let depth = 0;
  while (i < src.length) {
    const c = src[i];
    const next = src[i + 1];
    if (c === " " || c === "\t" || c === "\n" || c === "\r") { i++; continue; }
    if ((c === "/" && next === "/") || (c === "-" && next === "-")) {
      let end = src.indexOf("\n", i);
      if (end < 0) end = src.length;
      tokens.push({ start: i, end, cls: "tok-comment" });
      i = end;
      continue;
    }
    if (c === "/" && next === "*") {
      let end = src.indexOf("*/", i + 2);
      end = end < 0 ? src.length : end + 2;
      tokens.push({ start: i, end, cls: "tok-comment" });
      i = end;
      continue;
    }
    if ((c === "f" || c === "F") && next === "'") {
      i = tokenizeFString(src, i, tokens);
      continue;
    }
    if (c === "'") {
      const end = scanQuoted(src, i + 1, "'");
      tokens.push({ start: i, end, cls: "tok-string" });
      i = end;
      continue;
    }
    if (c === '"' || c === "`") {
      const end = scanQuoted(src, i + 1, c);
      tokens.push({ start: i, end, cls: "tok-ident-quoted" });
      i = end;
      continue;
    }
    if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(next || ""))) {
      const m = /^(0[xX][0-9a-fA-F]+|0[bB][01]+|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)/.exec(src.slice(i, i + 64));
      const end = i + (m ? m[0].length : 1);
      tokens.push({ start: i, end, cls: "tok-number" });
      i = end;
      continue;
    }
    if (IDENT_START.test(c)) {
      let end = i + 1;
      while (end < src.length && IDENT.test(src[end])) end++;
      const word = src.slice(i, end);
      const lower = word.toLowerCase();
      const prev = previousSignificant(src, i);
      let cls = "tok-name";
      if (prev === ".") cls = "tok-property";
      else if (CONSTANTS.has(lower)) cls = "tok-constant";
      else if (KEYWORDS.has(lower)) cls = "tok-keyword";
      else if (/^\s*\(/.test(src.slice(end, end + 40))) cls = "tok-function";
      tokens.push({ start: i, end, cls });
      i = end;
      continue;
    }
    if (inHole) {
      if (c === "{") depth++;
      if (c === "}") {
        if (depth === 0) return i;
        depth--;
      }
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (op) {
      tokens.push({ start: i, end: i + op.length, cls: "tok-operator" });
      i += op.length;
      continue;
    }
    tokens.push({ start: i, end: i + 1, cls: "tok-punct" });
    i++;
  }
  return i;
}

function tokenizeFString(src, i, tokens) {
  let textStart = i;
  i += 2;
  while (i < src.length) {
    const c = src[i];
    if (c === "\\") { i += 2; continue; }
    if (c === "'") {
      if (src[i + 1] === "'") { i += 2; continue; }
      tokens.push({ start: textStart, end: i + 1, cls: "tok-string" });
      return i + 1;
    }
    if (c === "{") {
      tokens.push({ start: textStart, end: i, cls: "tok-string" });
      tokens.push({ start: i, end: i + 1, cls: "tok-hole" });
      i = tokenizeHog(src, i + 1, tokens, true);
      if (i < src.length) tokens.push({ start: i, end: i + 1, cls: "tok-hole" });
      i++;
      textStart = i;
      continue;
    }
    i++;
  }
  tokens.push({ start: textStart, end: src.length, cls: "tok-string" });
  return src.length;
}

function previousSignificant(src, i) {
  let j = i - 1;
  while (j >= 0 && /\s/.test(src[j])) j--;
  return j >= 0 ? src[j] : "";
}

export function tokenize(src, language) {
  const tokens = [];
  if (language === "json") tokenizeJson(src, tokens);
  else if (language === "hog") tokenizeHog(src, 0, tokens, false);
  return tokens;
}

function tokenizeJson(src, tokens) {
  const re = /("(?:[^"\\\n]|\\.)*"?)(\s*:)?|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|\b(true|false|null)\b|([{}[\],:])/g;
  let m;
  while ((m = re.exec(src)) !== null) {
    if (m[1] !== undefined) {
      tokens.push({ start: m.index, end: m.index + m[1].length, cls: m[2] ? "tok-key" : "tok-string" });
    } else if (m[3] !== undefined) {
      tokens.push({ start: m.index, end: m.index + m[0].length, cls: "tok-number" });
    } else if (m[4] !== undefined) {
      tokens.push({ start: m.index, end: m.index + m[0].length, cls: "tok-constant" });
    } else {
      tokens.push({ start: m.index, end: m.index + 1, cls: "tok-punct" });
    }
  }
}

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" };
export function escapeHtml(text) {
  return String(text).replace(/[&<>"]/g, (c) => ESCAPES[c]);
}

// HTML for `src` with token colours and error/warning ranges ({start, end, kind}) as underlines.
// A zero-width range becomes a caret mark that takes no room (so the overlay stays aligned).
export function renderHighlighted(src, language, marks) {
  const tokens = tokenize(src, language);
  const cuts = new Set([0, src.length]);
  for (const t of tokens) { cuts.add(t.start); cuts.add(t.end); }
  for (const m of marks) { cuts.add(Math.min(m.start, src.length)); cuts.add(Math.min(m.end, src.length)); }
  const points = [...cuts].filter((x) => x >= 0 && x <= src.length).sort((a, b) => a - b);
  let html = "";
  let tokenIndex = 0;
  for (let p = 0; p < points.length; p++) {
    const at = points[p];
    for (const m of marks) {
      if (m.start === m.end && Math.min(m.start, src.length) === at) html += `<span class="mark-point mark-${m.kind}"></span>`;
    }
    if (p === points.length - 1) break;
    const end = points[p + 1];
    if (end <= at) continue;
    while (tokenIndex < tokens.length && tokens[tokenIndex].end <= at) tokenIndex++;
    const token = tokens[tokenIndex];
    const classes = [];
    if (token && token.start <= at && token.end >= end) classes.push(token.cls);
    for (const m of marks) {
      if (m.start < m.end && m.start <= at && m.end >= end) classes.push(`mark-${m.kind}`);
    }
    const text = escapeHtml(src.slice(at, end));
    html += classes.length ? `<span class="${classes.join(" ")}">${text}</span>` : text;
  }
  return html;
}
