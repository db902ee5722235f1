"""Token-level decisions that need to look ahead over whole bracket groups.

PostHog's ANTLR parser resolves several Hog ambiguities with unbounded lookahead (ALL(*)), which an
LALR(1) parser cannot do. `postprocess` settles them on the finished token list from lexer.py and
retypes tokens, so grammar.lark stays LALR(1):

* `a, b -> e` and `(a, b) -> e` lambdas: the parameter list becomes one LAMBDA_PARAMS token;
* `{` as block, dict or placeholder (spec 3.4);
* `(y) := 1` after an operand: a new statement (`let b := 0 (a) := 1`), or, after a bare expression
  statement, a call continuing it (`f(x) (a) := 1` is an assignment to a call, as in PostHog);
* `if (` as an `if` statement or a call of the `if()` function (`if(c, a, b)` at statement start);
* keywords followed by `(` in operand position are calls (`not(x)`, `and(a, b)`);
* SQL's `CASE WHEN c THEN a ELSE b END`: `case`, `when`, `then` and `end` are plain names in HogQL's
  grammar too, so they only become keywords where a complete CASE expression follows;
* `x between a and b and c`: which `and` belongs to `between` (ANTLR takes the last one that still
  leaves a valid parse, so the low operand is `a and b`, as PostHog's grammar itself admits);
* `trim(leading 'x' from s)`, `interval 2 day`, and the refusals of `sql(...)` / `(select ...)`.
"""

from __future__ import annotations

from hoglite.syntax.lexer import (
    CALLABLE_END,
    CALLABLE_KEYWORDS,
    CLOSERS,
    EXPR_END,
    INTERVAL_UNITS,
    OPENERS,
    START_ONLY,
    STMT_KEYWORDS,
    STMT_PREV,
    TRIM_SIDES,
    HogToken,
    Lexer,
    SourceMap,
)


def tokenize(text: str, smap: SourceMap, *, mode: str = "program") -> list[HogToken]:
    """Tokens for `mode` "program", "expression" (the input is one expression) or "template"."""
    tokens = Lexer(text, smap).run(template=mode == "template")
    return postprocess(tokens, smap, statement_start=mode == "program")


MAX_NESTING = 200  # brackets; deeper programs are refused so later recursive passes stay safe


def _match_brackets(tokens: list[HogToken], smap: SourceMap) -> list[int]:
    """Index of the matching bracket for every opener and closer (-1 when unmatched)."""
    match = [-1] * len(tokens)
    stack: list[int] = []
    for i, tok in enumerate(tokens):
        t = tok.type
        if t in OPENERS:
            stack.append(i)
            if len(stack) > MAX_NESTING:
                raise smap.error(f"Program is nested too deeply (more than {MAX_NESTING} levels of brackets)",
                                 tok.start_pos, tok.end_pos)
        elif t in CLOSERS:
            if stack and OPENERS[tokens[stack[-1]].type] == t:
                j = stack.pop()
                match[i] = j
                match[j] = i
            else:
                # Mismatch: let the parser report it; drop openers that this closer skipped over.
                while stack and OPENERS[tokens[stack[-1]].type] != t:
                    stack.pop()
                if stack:
                    j = stack.pop()
                    match[i] = j
                    match[j] = i
    return match


def _merge_lambda_params(tokens: list[HogToken], header_ends: set[int]) -> list[HogToken]:
    """Fold lambda parameter lists into one LAMBDA_PARAMS token.

    `(a, b) ->`, `() ->`, `x ->` and also `a, b, x ->`: PostHog's grammar reads a comma-separated run
    of names followed by `->` as ONE lambda, even inside an array or argument list (spec 11a:
    `[inc, dbl, x -> x - 3]` is a one-element array)."""
    out: list[HogToken] = []
    n = len(tokens)
    i = 0
    skip_until = -1  # names of a run already known not to end in `->`
    while i < n:
        tok = tokens[i]
        t = tok.type
        prev = out[-1].type if out else None
        if t == "LPAR" and (prev not in CALLABLE_END or id(out[-1]) in header_ends):
            j = i + 1
            names: list[str] = []
            ok = True
            expect_name = True
            while j < n and tokens[j].type != "RPAR":
                tj = tokens[j]
                if expect_name and tj.type == "NAME" and len(tj.data) == 1:
                    names.append(tj.data[0])
                    expect_name = False
                elif not expect_name and tj.type == "COMMA":
                    expect_name = True
                else:
                    ok = False
                    break
                j += 1
            if ok and j + 1 < n and tokens[j].type == "RPAR" and tokens[j + 1].type == "ARROW":
                out.append(_combine(tok, tokens[j], tuple(names)))
                i = j + 1
                continue
        elif t == "NAME" and len(tok.data) == 1 and i > skip_until and prev not in ("DOT", "QDOT"):
            j = i
            names = []
            while True:
                names.append(tokens[j].data[0])
                if j + 1 < n and tokens[j + 1].type == "COMMA":
                    if j + 2 < n and tokens[j + 2].type == "NAME" and len(tokens[j + 2].data) == 1:
                        j += 2
                        continue
                    if j + 2 < n and tokens[j + 2].type == "ARROW":
                        j += 1  # trailing comma before `->`
                break
            if j + 1 < n and tokens[j + 1].type == "ARROW":
                out.append(_combine(tok, tokens[j], tuple(names)))
                i = j + 1
                continue
            skip_until = j
        out.append(tok)
        i += 1
    return out


def _combine(first: HogToken, last: HogToken, names: tuple[str, ...]) -> HogToken:
    tok = str.__new__(HogToken, "lambda")
    tok.type = "LAMBDA_PARAMS"
    tok.value = tok
    tok.start_pos, tok.line, tok.column = first.start_pos, first.line, first.column
    tok.end_pos, tok.end_line, tok.end_column = last.end_pos, last.end_line, last.end_column
    tok.data = names
    tok.quoted = False
    tok.kwcall = False
    return tok


def _classify_brace(tokens: list[HogToken], match: list[int], i: int, lambda_body: bool) -> str:
    """Decide whether the `{` at i (at statement start or as a lambda body) opens a block or an
    expression (dict / placeholder), the way PostHog's grammar resolves it (spec 3.4)."""
    close = match[i]
    if close < 0:
        return "LBRACE_BLOCK"
    if close == i + 1:
        return "LBRACE" if lambda_body else "LBRACE_BLOCK"
    # A top-level `:` that is not the `:` of a ternary makes it a dict.
    pending_ternary = 0
    j = i + 1
    prev: str | None = None
    single_expression = True
    while j < close:
        t = tokens[j].type
        if t == "SEMI" or t == "ASSIGN" or t in STMT_KEYWORDS:
            return "LBRACE_BLOCK"
        if t == "QUESTION":
            pending_ternary += 1
        elif t == "COLON":
            if not pending_ternary:
                return "LBRACE"
            pending_ternary -= 1
        if prev in EXPR_END and t in START_ONLY:
            single_expression = False  # two juxtaposed statements
        if t in OPENERS and match[j] > j:
            j = match[j]
        elif t == "CASE":
            j = tokens[j].data  # its `else` is not the statement keyword
        prev = tokens[j].type
        j += 1
    if lambda_body and single_expression:
        return "LBRACE"  # `x -> {x * 2}` is a placeholder expression
    return "LBRACE_BLOCK"


def _forced_block(tokens: list[HogToken], match: list[int], i: int) -> bool:
    """`{` that the grammar can only read as a block: after try/finally/catch and function headers."""
    prev = tokens[i - 1]
    if prev.type in ("TRY", "FINALLY", "CATCH"):
        return True
    if prev.type == "RPAR" and match[i - 1] >= 1:
        before = match[i - 1] - 1
        if tokens[before].type == "CATCH":
            return True
        if tokens[before].type == "NAME" and before >= 1 and tokens[before - 1].type == "FUN":
            return True
    return False


def word_of(tok: HogToken) -> str | None:
    """The lower-cased word of an unquoted one-part NAME token, else None."""
    if tok.type == "NAME" and not tok.quoted and len(tok.data) == 1:
        return tok.data[0].lower()
    return None


def _mark_keyword_runs(tokens: list[HogToken], match: list[int]) -> None:
    """`if(...)` calls at statement start, CASE expressions and the `and` of `between` (module docstring),
    in that order: a CASE may hold `if(...)` calls, and a `between` may hold CASE expressions."""
    ifs: list[int] = []
    cases: list[int] = []
    betweens: list[int] = []
    for i, tok in enumerate(tokens):
        t = tok.type
        if t == "IF":
            ifs.append(i)
        elif t == "BETWEEN" or t == "NOT_BETWEEN":
            betweens.append(i)
        elif t == "NAME" and word_of(tok) == "case" and (i == 0 or tokens[i - 1].type != "QDOT"):
            cases.append(i)
    n = len(tokens)
    for i in ifs:
        if i + 1 < n and tokens[i + 1].type == "LPAR" and _is_if_call(tokens, match, i):
            tok = tokens[i]
            tok.type = "NAME"
            tok.data = (str(tok),)
            tok.kwcall = True
    for i in cases:
        _mark_case(tokens, match, i)
    for i in betweens:
        _mark_between_and(tokens, match, i)


# After `if (...)` these cannot begin the statement that an `if` needs, so `if(...)` must be a call.
_CONTINUES_EXPRESSION = frozenset({
    "RPAR", "RSQB", "RBRACE", "HOLE_CLOSE", "FSTRING_END", "CMP", "MULOP", "CONCAT", "NULLISH", "QUESTION",
    "COLON", "DOT", "QDOT", "AND", "OR", "IS", "IS_NOT", "IN", "NOT_IN", "LIKE", "ILIKE", "NOT_LIKE",
    "NOT_ILIKE", "BETWEEN", "NOT_BETWEEN", "ASSIGN", "COMMA", "ARROW", "WHEN", "THEN", "END",
})


def _is_if_call(tokens: list[HogToken], match: list[int], i: int) -> bool:
    """Whether `if (` at i can only be the `if()` function: PostHog's grammar tries the `if` statement
    first, so `if (c) x` stays a statement, but `if(c, a, b)` (a comma, which no condition can hold), `if()`
    and `if (c) * 2` (nothing that starts a statement follows) are calls."""
    close = match[i + 1]
    if close < 0:
        return False
    if close == i + 2:
        return True
    j = i + 2
    while j < close:
        t = tokens[j].type
        if t == "COMMA":
            return True
        j = match[j] + 1 if t in OPENERS and match[j] > j else j + 1
    return close + 1 >= len(tokens) or tokens[close + 1].type in _CONTINUES_EXPRESSION


# A CASE expression cannot reach past these (`f(case, when, ...)` holds names only).
_CASE_STOP = CLOSERS | {"SEMI", "COMMA", "ASSIGN"}


def _mark_case(tokens: list[HogToken], match: list[int], i: int) -> None:
    """Retype `case [x] when c then a ... [else d] end` starting at i. The CASE token's `data` becomes
    the index of its END, so later scans can step over the whole construct like a bracket group.

    Only a complete construct is retyped, so `case`, `when`, `then` and `end` stay usable as names."""
    n = len(tokens)
    nested = 0
    pending_ternary = 0
    marks: list[int] = []
    j = i + 1
    while j < n:
        tok = tokens[j]
        t = tok.type
        if t in _CASE_STOP or (t in STMT_KEYWORDS and t != "ELSE"):
            return
        if t == "QUESTION":
            pending_ternary += 1
        elif t == "COLON":
            if not pending_ternary:
                return  # `{case: 1}`: a dict key, not a CASE
            pending_ternary -= 1
        if t in OPENERS:
            if match[j] < 0:
                return
            j = match[j] + 1
            continue
        word = word_of(tok)
        if word == "case":
            nested += 1
        elif word == "end":
            if nested == 0:
                break
            nested -= 1
        elif nested == 0 and (word == "when" or word == "then" or t == "ELSE"):
            marks.append(j)
        j += 1
    else:
        return
    # The shape must be WHEN THEN (WHEN THEN)* [ELSE], each part non-empty.
    kinds = ["ELSE" if tokens[k].type == "ELSE" else word_of(tokens[k]) for k in marks]
    if kinds and kinds[-1] == "ELSE":
        kinds = kinds[:-1]
    if not kinds or len(kinds) % 2 or kinds != ["when", "then"] * (len(kinds) // 2):
        return
    bounds = [i, *marks, j]
    if any(b + 1 == a for a, b in zip(bounds[2:], bounds[1:-1])):
        return  # an empty part such as `when then`
    tokens[i].type = "CASE"
    tokens[i].data = j
    for k in marks:
        if tokens[k].type == "NAME":
            tokens[k].type = "WHEN" if word_of(tokens[k]) == "when" else "THEN"
    tokens[j].type = "END"


# Where the expression holding a `between` ends: its `and` cannot be past these.
_BETWEEN_STOP = STMT_KEYWORDS | {"COMMA", "SEMI", "ASSIGN", "BETWEEN", "NOT_BETWEEN", "ARROW", "LAMBDA_PARAMS",
                                 "WHEN", "THEN", "END"}


def _mark_between_and(tokens: list[HogToken], match: list[int], i: int) -> None:
    """Retype the `and` that completes the `between` at i as BETWEEN_AND.

    The low operand of PostHog's `x between low and high` is a whole expression and ANTLR's loop over it
    is greedy, so of several `and`s at this level the LAST one that still leaves a valid parse wins:
    `x between a and b and c` is `x between (a and b) and c`. Scan to where the enclosing expression
    ends (a closing bracket, `,`, `;`, a statement keyword, the `:` of an enclosing ternary, or the start
    of a juxtaposed statement) and take the last `and`."""
    n = len(tokens)
    last = -1
    pending_ternary = 0
    prev = tokens[i].type
    j = i + 1
    while j < n:
        t = tokens[j].type
        if t in CLOSERS or t in _BETWEEN_STOP:
            break
        if t == "COLON":
            if not pending_ternary:
                break
            pending_ternary -= 1
        elif t == "QUESTION":
            pending_ternary += 1
        elif t == "AND":
            last = j
        elif prev in EXPR_END and t in START_ONLY:
            break  # two statements side by side
        if t in OPENERS and match[j] > j:
            j = match[j]
        elif t == "CASE":
            j = tokens[j].data
        prev = tokens[j].type
        j += 1
    if last >= 0:
        tokens[last].type = "BETWEEN_AND"


def _in_expression_statement(tokens: list[HogToken], match: list[int], i: int, header_ends: set[int]) -> bool:
    """Whether the `(` at i, written after an operand and before `(...) :=`, continues a statement that
    so far is a bare expression.

    Then PostHog's grammar reads `f(x) (a) := 1` as ONE assignment to the call `f(x)(a)` (both readings
    parse, and the assignment alternative comes first), which its compiler refuses. After `let x := e`,
    `y := e`, `return e` or `throw e` only the two-statement reading parses: `let b := 0 (a) := 1`."""
    k = i - 1
    while k >= 0:
        tok = tokens[k]
        t = tok.type
        if t in ("ASSIGN", "LET", "RETURN", "THROW"):
            return False
        if t in ("SEMI", "LBRACE_BLOCK", "ELSE") or (t == "RPAR" and id(tok) in header_ends):
            return True
        if t in CLOSERS:
            opener = match[k]
            if opener < 0 or tokens[opener].type == "LBRACE_BLOCK":
                return True  # the end of a block statement
            k = opener
            t = tokens[k].type
        elif t in OPENERS:
            return True  # inside brackets: not a statement at all
        if k > 0 and tokens[k - 1].type in EXPR_END and t in START_ONLY:
            return True  # two statements side by side: ours starts at k
        k -= 1
    return True


def postprocess(tokens: list[HogToken], smap: SourceMap, *, statement_start: bool = True) -> list[HogToken]:
    match = _match_brackets(tokens, smap)
    # The `)` of `if (...)`, `while (...)`, `for (...)` ends a header, not an operand: `(a) -> a` after
    # it is a lambda, not a call.
    header_ends = {id(tokens[match[i]]) for i in range(1, len(tokens))
                   if tokens[i].type == "LPAR" and match[i] > i and tokens[i - 1].type in ("IF", "WHILE", "FOR")}
    if any(tok.type == "ARROW" for tok in tokens):
        tokens = _merge_lambda_params(tokens, header_ends)
        match = _match_brackets(tokens, smap)
    _mark_keyword_runs(tokens, match)
    n = len(tokens)
    open_types: list[str] = []  # enclosing brackets, to tell statement context from expression context
    for i, tok in enumerate(tokens):
        t = tok.type
        prev = tokens[i - 1].type if i else None
        nxt = tokens[i + 1] if i + 1 < n else None
        if t in CLOSERS:
            if open_types:
                open_types.pop()
            continue
        in_statements = open_types[-1] == "LBRACE_BLOCK" if open_types else statement_start
        if t == "LBRACE":
            if prev is None:
                if statement_start:
                    tok.type = _classify_brace(tokens, match, i, False)
            elif _forced_block(tokens, match, i):
                tok.type = "LBRACE_BLOCK"
            elif prev == "ARROW":
                tok.type = _classify_brace(tokens, match, i, True)
            elif prev in STMT_PREV and in_statements:
                tok.type = _classify_brace(tokens, match, i, False)
            open_types.append(tok.type)
            continue
        if t in OPENERS:
            open_types.append(t)
        if t in CALLABLE_KEYWORDS and nxt is not None and nxt.type == "LPAR" and prev not in EXPR_END:
            if t != "IF" or (prev is None and not statement_start) or (prev is not None and prev not in STMT_PREV):
                # `not (x)`, `if(c, a, b)`: a call whose name keeps the case it was written in.
                tok.type = "NAME"
                tok.data = (str(tok),)
                tok.kwcall = True
        elif t == "LPAR":
            if prev in EXPR_END and match[i] > 0 and match[i] + 1 < n and tokens[match[i] + 1].type == "ASSIGN" \
                    and not _in_expression_statement(tokens, match, i, header_ends):
                # `let b := 0 (a) := 1` is two statements, not an assignment to a call (spec 3.4).
                tok.type = "LPAR_GROUP"
            if nxt is not None and nxt.type == "NAME" and not nxt.quoted and nxt.data[0].lower() == "select" \
                    and len(nxt.data) == 1 and i + 2 < n:
                after = tokens[i + 2]
                if after.type in ("NAME", "NUMBER", "STRING", "FSTRING_START") or (
                        after.type == "MULOP" and str(after) == "*" and i + 3 < n
                        and tokens[i + 3].type in ("COMMA", "NAME", "RPAR")):
                    raise smap.error("SQL select queries are not supported in hoglite",
                                     nxt.start_pos, nxt.end_pos)
        elif t == "NAME" and not tok.quoted and len(tok.data) == 1:
            word = tok.data[0]
            lower = word.lower()
            if lower == "sql" and word == "sql" and nxt is not None and nxt.type == "LPAR" and prev != "FUN":
                raise smap.error("sql() expressions are not supported in hoglite", tok.start_pos, tok.end_pos)
            if lower == "trim" and i + 5 < n and nxt is not None and nxt.type == "LPAR":
                side, string, from_ = tokens[i + 2], tokens[i + 3], tokens[i + 4]
                if side.type == "NAME" and not side.quoted and side.data[0].lower() in TRIM_SIDES \
                        and string.type == "STRING" and from_.type == "NAME" and not from_.quoted \
                        and from_.data[0].lower() == "from":
                    # SQL's `trim(leading 'x' from s)` (spec 5.18).
                    side.type = "TRIM_SIDE"
                    side.data = TRIM_SIDES[side.data[0].lower()]
                    from_.type = "FROM"
            if lower == "interval" and i + 2 < n and prev not in EXPR_END:
                # `interval <operand> <unit>`: a literal, a name, a call or a parenthesised expression.
                last = i + 1
                if tokens[last].type == "NAME" and last + 1 < n and tokens[last + 1].type == "LPAR":
                    last += 1
                if tokens[last].type == "LPAR" and match[last] > last:
                    last = match[last]
                elif tokens[last].type not in ("NUMBER", "NAME", "STRING"):
                    last = n
                unit = tokens[last + 1] if last + 1 < n else None
                if unit is not None and word_of(unit) in INTERVAL_UNITS:
                    tok.type = "INTERVAL"
                    unit.type = "INTERVAL_UNIT"
                    unit.data = INTERVAL_UNITS[unit.data[0].lower()]
    return tokens
