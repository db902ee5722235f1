"""The Hog lexer: source text to a list of tokens for the LALR parser in parser.py.

Why a hand-written lexer instead of lark's contextual lexer: several Hog tokens depend on context that a
regular expression cannot see.

* f-strings nest: `f'a {f'{x}'} b'` needs a stack of modes (text, hole, text, hole ...).
* Keywords are case-insensitive, but SQL-ish words (`date`, `key`, `from`, `name`) stay identifiers, a
  keyword after `.` is a member name, and a keyword directly before `(` in expression position is a
  call (`Not (x)` calls a function called `Not`, spec 11a).
* `-` directly before a number literal is part of the literal only where an operand is expected.
* `.5` is a number but `t.2.2` is two positional accesses; `--` starts a comment anywhere.
* HogQLX tags need the lookahead of spec 2.10 so that we can refuse them with a clear message.

Decisions that need to see whole bracket groups ahead are made afterwards, on the finished token list,
by lookahead.py (which also holds `tokenize`, the entry point).
"""

from __future__ import annotations

import re
from bisect import bisect_right

from lark import Token

from hoglite.errors import HogSyntaxError
from hoglite.source import Span

_new_str = str.__new__


class HogToken(Token):
    """A lark token that also carries the decoded value (`data`) and whether it was quoted."""

    __slots__ = ("data", "quoted", "kwcall")


# Token types that end an operand: after one of these, `-` is binary, `(` is a call, `[` an index.
EXPR_END = frozenset({"NAME", "NUMBER", "STRING", "FSTRING_END", "NULL", "RPAR", "RSQB", "RBRACE",
                      "INTERVAL_UNIT", "END"})
# After these a sign is an operator (or, after a dot, an error), never part of a number literal.
_NO_SIGN_AFTER = EXPR_END | {"DOT", "QDOT"}
# Before `(` these make it a call; `}` is left out: after a block, `(a) -> a` starts a new statement.
CALLABLE_END = EXPR_END - {"RBRACE"}
# After these a `{` or `if` begins a statement (an operand cannot continue past them).
STMT_PREV = EXPR_END | {"SEMI", "LBRACE_BLOCK", "ELSE", "TRY", "FINALLY", "CATCH"}
STMT_KEYWORDS = frozenset({"LET", "FUN", "WHILE", "FOR", "RETURN", "THROW", "TRY", "CATCH", "FINALLY",
                           "ELSE", "IF"})
# Tokens that can only begin an operand, never continue one (used to spot two juxtaposed statements).
START_ONLY = frozenset({"NAME", "NUMBER", "STRING", "FSTRING_START", "NULL", "LBRACE", "LBRACE_BLOCK",
                        "LAMBDA_PARAMS", "NOT", "LPAR_GROUP", "INTERVAL", "CASE"})
OPENERS = {"LPAR": "RPAR", "LPAR_GROUP": "RPAR", "LSQB": "RSQB", "LBRACE": "RBRACE",
           "LBRACE_BLOCK": "RBRACE", "HOLE_OPEN": "HOLE_CLOSE", "FSTRING_START": "FSTRING_END"}
CLOSERS = frozenset({"RPAR", "RSQB", "RBRACE", "HOLE_CLOSE", "FSTRING_END"})

KEYWORDS = {
    "let": "LET", "fn": "FUN", "fun": "FUN", "if": "IF", "else": "ELSE", "while": "WHILE", "for": "FOR",
    "in": "IN", "return": "RETURN", "throw": "THROW", "try": "TRY", "catch": "CATCH",
    "finally": "FINALLY", "and": "AND", "or": "OR", "not": "NOT", "like": "LIKE", "ilike": "ILIKE",
    "is": "IS", "null": "NULL", "between": "BETWEEN",
}
NUMBER_WORDS = {"inf": float("inf"), "infinity": float("inf"), "nan": float("nan")}
# Keywords that become a call name when `(` follows in operand position (`not(x)`, `if(c, a, b)`).
CALLABLE_KEYWORDS = frozenset({"NOT", "AND", "OR", "LIKE", "ILIKE", "IN", "IS", "BETWEEN", "IF"})
TRIM_SIDES = {"leading": "trimLeft", "trailing": "trimRight", "both": "trim"}
INTERVAL_UNITS = {"second": "Second", "minute": "Minute", "hour": "Hour", "day": "Day", "week": "Week",
                  "month": "Month", "quarter": "Quarter", "year": "Year"}

OPERATORS = {
    "=~*": ("CMP", "=~*"), "!~*": ("CMP", "!~*"), ":=": ("ASSIGN", None), "==": ("CMP", "=="),
    "!=": ("CMP", "!="), "<>": ("CMP", "!="), "<=": ("CMP", "<="), ">=": ("CMP", ">="),
    "=~": ("CMP", "=~"), "!~": ("CMP", "!~"), "~*": ("CMP", "=~*"), "??": ("NULLISH", None),
    "?.": ("QDOT", None), "->": ("ARROW", None), "||": ("CONCAT", None), "=": ("CMP", "=="),
    "<": ("CMP", "<"), ">": ("CMP", ">"), "~": ("CMP", "=~"), "+": ("PLUS", None), "-": ("MINUS", None),
    "*": ("MULOP", "*"), "/": ("MULOP", "/"), "%": ("MULOP", "%"), "?": ("QUESTION", None),
    ":": ("COLON", None), ".": ("DOT", None), ",": ("COMMA", None), ";": ("SEMI", None),
    "(": ("LPAR", None), ")": ("RPAR", None), "[": ("LSQB", None), "]": ("RSQB", None),
    "{": ("LBRACE", None), "}": ("RBRACE", None),
}

_WS = "[ \\t\\r\\n\\v\\f\\xa0\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]"
# Whitespace and complete comments are skipped by an atomic prefix of the same match (one regex call
# per token instead of one more per gap); atomic so that trailing blanks cannot be given back to `bad`.
_MASTER = re.compile(
    rf"(?>(?:{_WS}+|(?://|--)[^\n]*|/\*[\s\S]*?\*/)*)(?:"
    r"(?P<bcomment>/\*)"
    r"|(?P<word>[A-Za-z_$][A-Za-z0-9_$]*)"
    r"|(?P<number>0[xX][0-9a-fA-F]+|0[bB][01]+|(?:\d+\.\d*|\.\d+)(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+|\d+)"
    r"|(?P<string>')"
    r"|(?P<quoted>[`\"])"
    r"|(?P<badop>&&|\+\+(?![\d.])|[-+*/%]=|\*\*|!(?![=~]))"
    r"|(?P<op>=~\*|!~\*|:=|==|!=|<>|<=|>=|=~|!~|~\*|\?\?|\?\.|->|\|\||[=<>~+\-*/%?:.,;()\[\]{}])"
    r"|(?P<bad>[\s\S]))"
)
_SKIP = re.compile(rf"(?:{_WS}+|(?://|--)[^\n]*|/\*[\s\S]*?\*/)*")
_INT = re.compile(r"\d+")
_IDENT_CHAR = re.compile(r"[A-Za-z0-9_$]")
_STRING_BODY = re.compile(r"(?:[^'\\]|''|\\[\s\S])*")
_FSTRING_TEXT = re.compile(r"(?:[^'\\{]|''|\\[\s\S])*")
# In a whole-input template a backslash is ordinary text unless it starts a known escape (below).
_TEMPLATE_TEXT = re.compile(r"(?:[^\\{]|\\[\s\S]?)*")
_QUOTED_BODY = {"`": re.compile(r"(?:[^`\\]|``|\\[\s\S])*"), '"': re.compile(r'(?:[^"\\]|""|\\[\s\S])*')}
_BACKSLASH_PAIR = re.compile(r"\\[\s\S]")
_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|[\s\S])|''|``|\"\"")
# Atomic: a comment skipped here must not be re-read as the `/` or letter that makes a tag.
_TAG_AFTER_NAME = re.compile(rf"(?>(?:{_WS}|//[^\n]*|--[^\n]*|/\*[\s\S]*?\*/)*)([>/A-Za-z0-9_])")
_COHORT = re.compile(rf"(?:{_WS}|--[^\n]*|//[^\n]*)+((?i:cohort))(?:{_WS}|--[^\n]*|//[^\n]*)+(\d+|'[^']*')")
_TAG_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SIMPLE_ESCAPES = {"b": "\b", "f": "\f", "r": "\r", "n": "\n", "t": "\t", "a": "\a", "v": "\v",
                   "\\": "\\", "0": "", "'": "'"}
_QUOTE_NAMES = {"'": "string", "`": "quoted identifier", '"': "quoted identifier",
                "f": "f-string", "F": "template"}
# Operators that need more than a table lookup in `Lexer.lex_op`.
_SPECIAL_OPS = frozenset({"{", "}", "<", "<=", "<>"})

BADOP_MESSAGES = {
    "&&": "'&&' is not a Hog operator, use 'and'",
    "++": "'++' is not a Hog operator, write 'x := x + 1'",
    "**": "'**' is not a Hog operator (Hog has no power operator)",
}


class SourceMap:
    """Offset to (line, column) for one source text; built once per parse."""

    __slots__ = ("text", "starts", "_line", "_line_start", "_next_start")

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0]
        self.starts.extend(m.end() for m in re.finditer("\n", text))
        self.starts.append(len(text) + 1)  # sentinel: the end of the last line
        self._line, self._line_start, self._next_start = 1, 0, self.starts[1]

    def position(self, offset: int) -> tuple[int, int]:
        # Tokens come mostly in order and many share a line: remember the last line looked up.
        if self._line_start <= offset < self._next_start:
            return self._line, offset - self._line_start + 1
        index = bisect_right(self.starts, offset) - 1
        if index >= len(self.starts) - 1:
            index = len(self.starts) - 2
        self._line, self._line_start, self._next_start = index + 1, self.starts[index], self.starts[index + 1]
        return index + 1, offset - self._line_start + 1

    def span(self, start: int, end: int) -> Span:
        line, column = self.position(start)
        end_line, end_column = self.position(end)
        return Span(start, end, line, column, end_line, end_column)

    def error(self, message: str, start: int, end: int | None = None, hint: str | None = None) -> HogSyntaxError:
        end = start + 1 if end is None else end
        end = max(start, min(end, len(self.text)))
        return HogSyntaxError(message, span=self.span(start, end), hint=hint, source=self.text)


def _describe_char(char: str) -> str:
    code = ord(char)
    if 0x21 <= code <= 0x7E:
        return f"Unexpected character '{char}' (U+{code:04X})"
    return f"Unexpected character U+{code:04X}"


class Lexer:
    """Turns one source text into HogTokens (see module docstring)."""

    def __init__(self, text: str, smap: SourceMap) -> None:
        self.text = text
        self.smap = smap
        self.tokens: list[HogToken] = []

    # -- token construction ------------------------------------------------------------------------
    def emit(self, type_: str, start: int, end: int, data: object = None, quoted: bool = False) -> HogToken:
        tok = _new_str(HogToken, self.text[start:end])
        smap = self.smap
        line_start = smap._line_start
        if line_start <= start and end < smap._next_start:
            # Most tokens lie on the line of the previous one: skip the two `position` calls.
            line = end_line = smap._line
            column = start - line_start + 1
            end_column = end - line_start + 1
        else:
            line, column = smap.position(start)
            end_line, end_column = smap.position(end)
        tok.type = type_
        tok.value = tok
        tok.start_pos = start
        tok.end_pos = end
        tok.line = line
        tok.column = column
        tok.end_line = end_line
        tok.end_column = end_column
        tok.data = data
        tok.quoted = quoted
        tok.kwcall = False
        self.tokens.append(tok)
        return tok

    def prev_type(self, back: int = 1) -> str | None:
        return self.tokens[-back].type if len(self.tokens) >= back else None

    # -- escapes -----------------------------------------------------------------------------------
    def decode(self, raw: str, start: int, kind: str) -> str:
        """Decode one string/identifier/f-string body in a single left-to-right pass (spec 2.5)."""
        if "\\" not in raw and "''" not in raw and "``" not in raw and '""' not in raw:
            return raw

        def replace(m: re.Match[str]) -> str:
            whole = m.group(0)
            if whole == "''":
                return "'" if kind in ("'", "f") else whole
            if whole == "``":
                return "`" if kind == "`" else whole
            if whole == '""':
                return '"' if kind == '"' else whole
            seq = m.group(1)
            if seq in _SIMPLE_ESCAPES:
                return _SIMPLE_ESCAPES[seq]
            if seq[0] == "x" and len(seq) == 3:
                return whole  # \xHH is accepted but kept verbatim, as PostHog does
            if seq == "{" and kind in ("f", "F"):
                return "{"
            if seq == '"' and kind == '"':
                return '"'
            if kind == "F":
                # PostHog's whole-template lexer takes any character but `{` as text, and unescaping
                # only replaces the known sequences, so `\d` stays as written.
                return whole
            at = start + m.start()
            shown = whole if seq.isprintable() else f"\\U+{ord(seq):04X}"
            raise self.smap.error(
                f"Invalid escape sequence '{shown}' in {_QUOTE_NAMES[kind]}", at, at + len(whole),
                hint="write '\\\\' for a literal backslash (for example '\\\\d' in a regex)")

        return _ESCAPE.sub(replace, raw)

    # -- main loop ---------------------------------------------------------------------------------
    def run(self, template: bool = False) -> list[HogToken]:
        text = self.text
        pos = 0
        # Mode stack entries: ["f", start] f-string text, ["F", 0] whole-input template text,
        # ["hole", start, brace_depth] expression inside `{...}` of an f-string or template.
        stack: list[list] = [["F", 0]] if template else []
        while True:
            if stack and stack[-1][0] in ("f", "F"):
                pos = self.scan_text(pos, stack)
                if pos < 0:
                    break
                continue
            m = _MASTER.match(text, pos)
            if m is None:  # end of input
                if stack:
                    hole = stack[-1]
                    raise self.smap.error("Unterminated f-string hole: expected '}'", hole[1], hole[1] + 1)
                break
            kind = m.lastgroup
            start, end = m.start(kind), m.end()
            if kind == "word":
                pos = self.lex_word(m.group(kind), start, end, stack)
            elif kind == "op":
                pos = self.lex_op(m.group(kind), start, end, stack)
            elif kind == "bcomment":  # only an unterminated one gets here
                close = text.find("*/", end)
                if close < 0:
                    raise self.smap.error("Unterminated comment: '/*' without '*/'", start, start + 2)
                pos = close + 2
            elif kind == "number":
                pos = self.lex_number(start, end)
            elif kind == "string":
                pos = self.lex_string(start, stack)
            elif kind == "quoted":
                pos = self.lex_quoted(text[start], start, stack)
            elif kind == "badop":
                op = m.group(kind)
                message = BADOP_MESSAGES.get(op)
                if message is None and op == "!":
                    raise self.smap.error(_describe_char("!"), start, end,
                                          hint="use 'not x' for negation and '!=' for inequality")
                if message is None:
                    message = f"'{op}' is not a Hog operator, write 'x := x {op[0]} 1'"
                raise self.smap.error(message, start, end)
            else:
                char = m.group(kind)
                if char == "|":
                    raise self.smap.error("'|' is not a Hog operator: use 'or' for logic, '||' to concatenate",
                                          start, end)
                if char == "&":
                    raise self.smap.error("'&' is not a Hog operator, use 'and'", start, end)
                raise self.smap.error(_describe_char(char), start, end)
        return self.tokens

    def scan_text(self, pos: int, stack: list[list]) -> int:
        """Literal text of an f-string or template, up to a hole or the closing quote. Returns -1 at the
        end of a template."""
        text = self.text
        mode = stack[-1]
        pattern = _FSTRING_TEXT if mode[0] == "f" else _TEMPLATE_TEXT
        m = pattern.match(text, pos)
        end = m.end()
        if end > pos:
            self.emit("FSTRING_TEXT", pos, end, self.decode(text[pos:end], pos, mode[0]))
        if end >= len(text):
            if mode[0] == "F":
                stack.pop()
                return -1
            raise self.smap.error("Unterminated f-string: missing closing \"'\"", mode[1], mode[1] + 2)
        char = text[end]
        if char == "{":
            self.emit("HOLE_OPEN", end, end + 1)
            stack.append(["hole", end, 0])
            return end + 1
        if char == "'":
            self.emit("FSTRING_END", end, end + 1)
            stack.pop()
            return end + 1
        # A lone backslash at the very end of the input.
        raise self.smap.error("Unterminated f-string: missing closing \"'\"", mode[1], mode[1] + 2)

    def lex_word(self, word: str, start: int, end: int, stack: list[list]) -> int:
        text = self.text
        if word == "f" and end < len(text) and text[end] == "'":
            self.emit("FSTRING_START", start, end + 1)
            stack.append(["f", start])
            return end + 1
        tokens = self.tokens
        prev = tokens[-1].type if tokens else None
        if prev == "DOT" or prev == "QDOT":
            # A member name: keywords are plain names here (`obj.from`, `e.type`, `x.null`).
            if prev == "DOT" and self.prev_type(2) == "NAME" and self.prev_type(3) not in ("DOT", "QDOT"):
                # `a.b.c` on a name folds into one chain token (a `Field` in the AST).
                head = self.tokens[-2]
                self.tokens.pop()
                self.tokens.pop()
                self.emit("NAME", head.start_pos, end, head.data + (word,), head.quoted)
                return end
            self.emit("NAME", start, end, (word,))
            return end
        lower = word.lower()
        kw = KEYWORDS.get(lower)
        if kw is None:
            number = NUMBER_WORDS.get(lower)
            if number is None:  # the common case: a plain name
                self.emit("NAME", start, end, (word,))
            else:
                self.emit_number(start, end, number)
            return end
        if kw in ("LIKE", "ILIKE", "IN", "BETWEEN") and prev == "NOT" and self.prev_type(2) in EXPR_END:
            not_tok = self.tokens.pop()
            self.emit("NOT_" + kw, not_tok.start_pos, end)
            return end
        if kw == "NOT" and prev == "IS":
            is_tok = self.tokens.pop()
            self.emit("IS_NOT", is_tok.start_pos, end)
            return end
        if kw == "IN":
            self.check_cohort(end)
        self.emit(kw, start, end)
        return end

    def check_cohort(self, pos: int) -> None:
        m = _COHORT.match(self.text, pos)
        if m:
            raise self.smap.error(
                "Can't use cohorts in real-time filters. Please inline the relevant expressions "
                f"(cohort id={m.group(2)}).", m.start(1), m.end(2))

    def lex_number(self, start: int, end: int) -> int:
        text = self.text
        prev = self.prev_type()
        if prev in ("DOT", "QDOT"):
            # After a dot only a positional index is possible: `t.2.2` is two accesses, not `t.(2.2)`.
            m = _INT.match(text, start)
            if m is None:  # `.5` right after a dot, e.g. `a..5`
                raise self.smap.error(_describe_char("."), start, start + 1)
            end = m.end()
            self.emit("NUMBER", start, end, int(m.group()))
            return end
        if text[start] == "." and prev in EXPR_END:
            # `x.1` where the lexer would otherwise read `.1` as a float.
            self.emit("DOT", start, start + 1)
            return start + 1
        if end < len(text) and _IDENT_CHAR.match(text, end):
            bad_end = end
            while bad_end < len(text) and _IDENT_CHAR.match(text, bad_end):
                bad_end += 1
            raise self.smap.error(f"Invalid number '{text[start:bad_end]}'", start, bad_end)
        raw = text[start:end]
        if raw[:2] in ("0x", "0X"):
            value: int | float = int(raw[2:], 16)
        elif raw[:2] in ("0b", "0B"):
            value = int(raw[2:], 2)
        elif "." in raw or "e" in raw or "E" in raw:
            value = float(raw)
        else:
            value = int(raw)
        self.emit_number(start, end, value)
        return end

    def emit_number(self, start: int, end: int, value: int | float) -> None:
        # A sign directly before a literal, where an operand is expected, belongs to the literal.
        prev = self.prev_type()
        if prev in ("MINUS", "PLUS") and self.prev_type(2) not in _NO_SIGN_AFTER:
            sign = self.tokens.pop()
            if prev == "MINUS":
                value = -value
            self.emit("NUMBER", sign.start_pos, end, value)
            return
        self.emit("NUMBER", start, end, value)

    def lex_string(self, start: int, stack: list[list]) -> int:
        text = self.text
        m = _STRING_BODY.match(text, start + 1)
        end = m.end()
        if end >= len(text) or text[end] != "'":
            if stack and stack[-1][0] == "hole":
                hole = stack[-1][1]
                raise self.smap.error("Unterminated f-string hole: expected '}'", hole, hole + 1)
            raise self.smap.error("Unterminated string", start, start + 1)
        self.emit("STRING", start, end + 1, self.decode(text[start + 1:end], start + 1, "'"))
        return end + 1

    def lex_quoted(self, quote: str, start: int, stack: list[list]) -> int:
        text = self.text
        m = _QUOTED_BODY[quote].match(text, start + 1)
        end = m.end()
        if end >= len(text) or text[end] != quote:
            if stack and stack[-1][0] == "hole":
                hole = stack[-1][1]
                raise self.smap.error("Unterminated f-string hole: expected '}'", hole, hole + 1)
            hint = "strings use single quotes: 'text'" if quote == '"' else None
            raise self.smap.error("Unterminated quoted identifier", start, start + 1, hint=hint)
        raw = text[start + 1:end]
        # Backslash pairs are read left to right, so in `\\``` the backslash is escaped, not the quote.
        bad = [m for m in _BACKSLASH_PAIR.finditer(raw) if m.group() == "\\`"] if quote == "`" else []
        if bad:
            at = start + 1 + bad[0].start()
            raise self.smap.error("Invalid escape sequence '\\`' in quoted identifier: write ``", at, at + 2)
        name = self.decode(raw, start + 1, quote)
        prev = self.prev_type()
        if prev == "DOT" and self.prev_type(2) == "NAME" and self.prev_type(3) not in ("DOT", "QDOT"):
            head = self.tokens[-2]
            del self.tokens[-2:]
            self.emit("NAME", head.start_pos, end + 1, head.data + (name,), head.quoted)
            return end + 1
        self.emit("NAME", start, end + 1, (name,), quoted=True)
        return end + 1

    def lex_op(self, op: str, start: int, end: int, stack: list[list]) -> int:
        if op not in _SPECIAL_OPS:  # the common case: no brace or tag bookkeeping
            type_, data = OPERATORS[op]
            self.emit(type_, start, end, data)
            return end
        if op == "{":
            if stack and stack[-1][0] == "hole":
                stack[-1][2] += 1
        elif op == "}":
            if stack and stack[-1][0] == "hole":
                if stack[-1][2] == 0:
                    self.emit("HOLE_CLOSE", start, end)
                    stack.pop()
                    return end
                stack[-1][2] -= 1
        elif op == "<" or op == "<=" or op == "<>":
            self.check_tag(start)
        type_, data = OPERATORS[op]
        self.emit(type_, start, end, data)
        return end

    def check_tag(self, start: int) -> None:
        """Refuse HogQLX tags (spec 2.10's lookahead decides what counts as a tag)."""
        text = self.text
        pos = start + 1
        closing = pos < len(text) and text[pos] == "/"
        if closing:
            pos += 1
        m = _TAG_NAME.match(text, pos)
        if m is None:
            return
        after = m.end()
        is_tag = closing or (after < len(text) and text[after] in ">/")
        if not is_tag:
            follow = _TAG_AFTER_NAME.match(text, after)
            is_tag = follow is not None and after < len(text) and text[after].isspace()
        if is_tag:
            raise self.smap.error("HogQLX tags are not supported in hoglite", start, m.end())
