"""Parser decisions checked by meaning: hoglite parses and compiles each program, and both PostHog's
TypeScript VM (the oracle, see tests/oracle_runner.py) and hoglite's VM must print exactly the expected
text. The programs gather the parse-sensitive corners probed by test_parser_qa.py (CASE, `if()` at
statement start, `between ... and ... and`, `not` as an operand, optional semicolons, keywords as names,
number signs, comments, lambdas, f-strings).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from hoglite.compiler import compile_source
from hoglite.vm import execute

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from oracle_runner import OracleJob, run_oracle_batch  # noqa: E402

# name -> (source, expected stdout)
PROGRAMS: dict[str, tuple[str, str]] = {
    'case_when': (r"""
let x := 5
print(case when x < 3 then 'small' when x < 10 then 'medium' else 'large' end)
print(CASE WHEN x = 5 THEN 'five' ELSE 'other' END, Case When false Then 1 End)
print(case when false then 1 when x > 1 then 2 end, case when x then case when false then 'a' else 'b' end else 'c' end)
let case := 1 let end := 2 let when := 3 let then := 4
print(case + end + when + then, case when true then -1 else -2 end + 10)
""", 'medium\nfive null\n2 b\n10 9\n'),
    'if_function': (r"""
if(true, print('yes'), print('no'))
let f := x -> { if(x, print('side'), 2) }
print(f(true))
print(if(false, 1, 2)); if(false, print(1), print(2))
fun g(x) { if(x, print('g true'), print('g false')) return if(x, 'T', 'F') }
print(g(true), g(false))
""", 'yes\nside\nnull\n2\n2\ng true\ng false\nT F\n'),
    'between_and': (r"""
let x := 5
let y := true
print(x between 1 and 10 and y, (x between 1 and 10) and y)
print(x between 1 and 10 or false, x not between 6 and 10, x between (1 and 10) and 7)
print(x between 1 and 10 ? 'in' : 'out', [x between 1 and 5, true and false])
""", 'false true\nfalse true true\nin [true, false]\n'),
    'not_operand': (r"""
let a := true let b := false
print(a = not b, b ?? not a, not a = b, not a and b, not b or b, 1 + 1 = 2 ?? not true)
print(not (a) = false, not 1 = 2, not null ?? true)
""", 'true false true false true true\ntrue true false\n'),
    'statements_without_semicolons': (r"""
let a := 0 let b := 0 (a) := 1 (b) := 2 print(a + b)
fun f() { return
  2 + 2 }
fun g() { return; }
fun h(x) { if (x) return 1 return 2 }
print(f(), g(), h(true), h(false))
let c := 1;;;
print(c);
""", '3\n4 null 1 2\n1\n'),
    'if_else_forms': (r"""
let x := 0
if (true) x := 1 else x := 2
print(x)
if (false) print(1); else print(2);
if (true) if (false) print('inner') else print('dangling binds inner')
let n := 2
if (n == 1) print('one') else if (n == 2) print('two') else print('other')
if (n == 3) { print('three') } else if (n == 4) { print('four') } else { print('else') }
""", '1\n2\ndangling binds inner\ntwo\nelse\n'),
    'keywords_as_names': (r"""
let date := 1 let key := 2 let name := 3 let value := 4 let type := 5 let from := 6
let to := 7 let first := 8 let last := 9 let id := 10 let step := 11
print(date + key + name + value + type + from + to + first + last + id + step)
let obj := {'from': 'f', 'name': 'n', 'if': 'i', 'select': 's'}
print(obj.from, obj.name, obj.if, obj?.select)
let event := {'properties': {'name': 'pageview', '$browser': 'Chrome'}}
print(event.properties.name, event.properties.$browser)
fun f(key, value) { return key || value }
print(f('k', 'v'))
for (let key, value in {'a': 1}) print(key, value)
print(TRUE, False, NULL, `key`, "name")
""", '66\nf n i s\npageview Chrome\nkv\na 1\ntrue false null 2 3\n'),
    'numbers_and_signs': (r"""
print(1., .5, 1e3, 1E+3, 1.5e-3, 0x1F, 0b101, 017, -7, +7)
print(inf, -inf, NaN, -Infinity)
let a := 5
print(a -1, a - -1, a-1, 5 --3
)
print(-a * 2, -(a * 2), - 2, 2 - -2, 1 - 1)
print(a--1
)
""", '1 0.5 1000 1000 0.0015 31 5 17 -7 7\nInfinity -Infinity NaN -Infinity\n4 6 4 5\n-10 -10 -2 4 0\n5\n'),
    'comments_everywhere': (r"""
let x := 1 // line comment
/* block
   comment */ let y := 2 -- sql comment
print(x /* inline */ + /* more */ y, [1, /* in array */ 2], {'a': /* in dict */ 1})
print(f'{x /* in a hole */}')
""", "3 [1, 2] {'a': 1}\n1\n"),
    'operators': (r"""
let a := 1 let b := 1 let c := true
print(a = b = c, not a = b, null ?? 2 == 2, 1 + 1 || 'x', 'a' || 'b' || 1 + 2 || 'c')
print(1 + 2 * 3, -2 * 3, 10 - 4 - 3, 2 * 3 % 4, 7 / 2, -7 % 3)
print('abc' like '%b%', 'abc' not ilike '%B%', 1 in [1], 2 not in [1], null is null, 1 is not null)
print('ab' =~ 'b', 'ab' ~ 'b', 'ab' !~ 'b', 'ab' =~* 'B', 'ab' ~* 'B', 'ab' !~* 'B', 1 <> 2)
print(a < 2 ? 'lt' : 'ge', true ? 1 : false ? 2 : 3, null ?? null ?? 'deep')
""", 'true false true 2x NaNc\n7 -6 3 2 3.5 -1\ntrue false true true true true\ntrue true false true true false true\nlt 1 deep\n'),
    'member_chains': (r"""
let obj := {'a': {'b': [10, 20, 30]}, 'f': x -> x * 2, 'g': () -> (y -> y + 1)}
print(obj.a.b.2, obj['a']['b'][-1], obj?.a?.b?.[1], obj.a.b?.3, obj.x.y.z, obj?.x?.[1])
print(obj.f(4), obj['f'](5), obj.g()(6), (x -> x)(7), [x -> x * 3][1](3))
let t := (1, (2, (3, 4)), 5)
print(t.2.2.1, t.2?.1, t[3])
fun mk() { return {'k': [1, 2]} }
print(mk()['k'][2], mk().k.1)
""", '20 30 10 30 null null\n8 10 7 7 9\n3 2 5\n2 1\n'),
    'lambdas': (r"""
let double := x -> x * 2
let add := (a, b) -> a + b
let noop := () -> { print('side effect') }
let dict := () -> {}
let curly := x -> {x * 2}
let d2 := x -> {'a': x}
let nested := x -> y -> x + y
print(double(4), add(1, 2), (x -> x + 1)(1), dict(), curly(5), d2(1), nested(1)(2))
noop()
print(length([inc, dbl, x -> x - 3]), length([(x -> x), (y -> y)]))
print(arrayMap(x -> x * 2, [1, 2]), arrayFilter(x -> x > 1 and x < 3, [1, 2, 3]))
print(arrayReduce((acc, x) -> acc + x, [1, 2, 3], 0), arrayMap((x) -> { return x + 1 }, [1]))
let withBlock := (a, b) -> { let s := a + b; return s * 2 }
print(withBlock(1, 2))
""", "8 3 2 {} null {'a': 1} 3\nside effect\n1 2\n[2, 4] [2]\n6 [2]\n6\n"),
    'fstrings': (r"""
let name := 'Hog' let n := 3
print(f'Hello {name}, {n + 1} times, {[1, 'a']}, [{null}]')
print(f'nested {f'{name}!'}', f'\{literal braces}', f'it''s', f'it\'s', f'a}b')
print(f'{ {'a': 1}['a'] }', f'{'}'}', f'{x -> x}'(1) ?? 'lambda', f'{n ? 'y' : 'n'}')
print(typeof(f'{n}'), typeof(f'{n} '), f'', f'{f'{f'{n}'}'}')
""", "Hello Hog, 4 times, [1, 'a'], []\nnested Hog! {literal braces} it's it's a}b\n1 } 1 y\ninteger string  3\n"),
    'strings': (r"""
print('it''s', 'it\'s', 'back\\slash', 'a\0b', '\x41', 'tab\there', 'multi
line')
""", "it's it's back\\slash ab \\x41 tab\there multi\nline\n"),
}


@pytest.fixture(scope="module")
def oracle_results() -> dict:
    jobs = [OracleJob(name, compile_source(source, name=name).bytecode) for name, (source, _) in PROGRAMS.items()]
    return run_oracle_batch(jobs)


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_oracle_agrees(name: str, oracle_results: dict) -> None:
    result = oracle_results[name]
    assert result.error is None
    assert result.stdout == PROGRAMS[name][1]


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_hoglite_vm_agrees(name: str) -> None:
    source, expected = PROGRAMS[name]
    run = execute(compile_source(source, name=name).bytecode)
    assert "".join(line + "\n" for line in run.output) == expected
