"""PostHog's memory estimate of a Hog value (hog-bytecode.md §3.3), computed without recursion.

cost = 8 for null, booleans and numbers; 8 + length (UTF-16 code units) for strings; 8 + the costs of
the elements for arrays and tuples; 8 + the costs of keys and values for dicts and for every other
object PostHog represents as a plain object (closures, callables, errors, dates). A container met
again on the path being costed (a cycle) costs 8. Shared sub-containers count once per reference,
as in PostHog; we memoise them by identity within one walk so a deliberately shared structure
(`a := [b, b]` repeated) cannot make the walk itself exponential.
"""

from __future__ import annotations

from itertools import chain
from typing import Any

from hoglite.vm.values import Callable, Closure

UNIT = 8
# A key of a walk's `holders` map (never an id): set when the walk met a container on its own path.
CYCLE = -1
_SCALARS = frozenset({type(None), bool, int, float})


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units, which is what JavaScript's `.length` (and PostHog's cost) counts."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def callable_cost(callable: Callable) -> int:
    # A plain object {__hogCallable__, name, chunk, argCount, upvalueCount, ip}: the key costs add up to
    # 8 + 23 + 12 + 13 + 16 + 20 + 10 and the three numbers to 24, i.e. 150 plus the three strings.
    return (
        150
        + _text_len(callable.kind)
        + _text_len(callable.name)
        + _text_len(callable.chunk)
    )


def closure_cost(closure: Closure) -> int:
    # {__hogClosure__: true, callable, upvalues: [ids]}: 8 + (22 + 8) + 16 + 16 + 8 = 78, plus 8 per id.
    return 78 + UNIT * len(closure.upvalues) + callable_cost(closure.callable)


def _text_len(value: Any) -> int:
    return utf16_length(value) if isinstance(value, str) else 0


def value_cost(value: Any, cap: int | None = None, memo: dict[int, int] | None = None,
               keep: list[Any] | None = None, holders: dict[int, set[int]] | None = None) -> int:
    """The estimate for `value`. With `cap`, the walk may stop early once the total passes `cap`.

    `memo` (id -> cost) lets a caller keep container costs between walks; every container added to it
    is appended to `keep`, so its id stays unique while the entry exists. `holders` (child container
    id -> ids of the containers the walk found it in) records every container edge the walk crosses,
    including edges to children whose cost came from `memo`, so a caller can later forget exactly the
    cached costs that include a container it changed (Runtime.forget_costs). A walk that meets a
    cycle sets `holders[CYCLE]`: costs inside a cycle depend on where the walk entered it.
    """
    kind = type(value)
    if kind in _SCALARS:
        return UNIT
    if kind is str:
        return UNIT + (len(value) if value.isascii() else utf16_length(value))
    if kind is Closure:
        return closure_cost(value)
    if kind is Callable:
        return callable_cost(value)
    if isinstance(value, (list, tuple, dict)):
        if memo is not None:
            known = memo.get(id(value))
            if known is not None:
                return known
        return _container_cost(value, cap, memo, keep, holders)
    return UNIT


def _children(container: Any) -> Any:
    if isinstance(container, dict):
        return chain.from_iterable(container.items())
    return iter(container)


def _container_cost(root: Any, cap: int | None, memo: dict[int, int] | None, keep: list[Any] | None,
                    holders: dict[int, set[int]] | None = None) -> int:
    """PostHog's walk (a container met again on the current path costs 8), reusing the costs of
    sub-containers whose own walk met no container on the path: those do not depend on the path, so
    they are the same wherever the walk meets them. A sub-container in or reaching a cycle is walked
    each time, as PostHog walks it, since its cost depends on where the walk entered the cycle."""
    if memo is None:
        memo = {}
    on_path = {id(root)}
    # Each entry: [container, iterator over its children, cost so far, whether its walk met the path].
    stack: list[list[Any]] = [[root, _children(root), UNIT, False]]
    grand = UNIT
    while True:
        top = stack[-1]
        descended = False
        for child in top[1]:
            kind = type(child)
            if kind in _SCALARS:
                top[2] += UNIT
                grand += UNIT
                continue
            if kind is str:
                add = UNIT + (len(child) if child.isascii() else utf16_length(child))
            elif kind is Closure:
                add = closure_cost(child)
            elif kind is Callable:
                add = callable_cost(child)
            elif isinstance(child, (list, tuple, dict)):
                child_id = id(child)
                if holders is not None:
                    found = holders.get(child_id)
                    if found is None:
                        holders[child_id] = {id(top[0])}
                    else:
                        found.add(id(top[0]))
                if child_id in on_path:
                    if holders is not None:
                        holders[CYCLE] = set()
                    top[3] = True
                    add = UNIT
                else:
                    known = memo.get(child_id)
                    if known is None:
                        on_path.add(child_id)
                        stack.append([child, _children(child), UNIT, False])
                        grand += UNIT
                        descended = True
                        break
                    add = known
            else:
                add = UNIT
            top[2] += add
            grand += add
            if cap is not None and grand > cap:
                return grand
        if descended:
            if cap is not None and grand > cap:
                return grand
            continue
        stack.pop()
        finished_id = id(top[0])
        on_path.discard(finished_id)
        if not top[3]:
            memo[finished_id] = top[2]
            if keep is not None:
                keep.append(top[0])
        if not stack:
            return top[2]
        stack[-1][2] += top[2]
        if top[3]:
            stack[-1][3] = True
