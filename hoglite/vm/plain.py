"""Fast paths for plain data: small, acyclic trees of dicts with string keys, lists and JSON scalars.

Most values that cross the VM's edges are such trees: host globals, fetch arguments and responses,
the locals of a template. The general walkers (values.from_json_value / to_json_value,
memory.value_cost, state._order_dicts) handle every case — cycles, sharing, dates, closures,
non-string keys, unbounded depth — iteratively and with bookkeeping that costs several times the
work itself on a tree of twenty nodes. The functions here do the plain case recursively and raise
`NotPlain` as soon as a value needs more; callers then run the general walker, so the result is
always the general walker's result.

What "plain" excludes, and why:
- depth beyond `MAX_DEPTH`: bounds the recursion, and makes a cycle end here (it would recurse
  forever) before the general walker handles it;
- a container met twice in one tree (`seen`): the general walkers keep sharing (from_json_value) or
  cycles (to_json_value writes null) in ways a plain recursive copy would not;
- PostHog's marker keys (dates, closures, callables) and keys starting with a digit, where
  from_json_value builds a special value or reorders keys as JavaScript does;
- dict subclasses (HogDate, HogDateTime, HogErrorValue), tuples, closures and other Hog records.
"""

from __future__ import annotations

import math
from typing import Any

from hoglite.vm.values import MAX_SAFE_INTEGER, js_property_order

MAX_DEPTH = 32
SETTLE_BUDGET = 20_000
_MARKERS = ("__hogDateTime__", "__hogDate__", "__hogClosure__", "__hogCallable__")
_UNIT = 8  # memory.UNIT (not imported: memory imports this module)


class NotPlain(Exception):
    """The value needs the general walker."""


def _scalar_in(value: Any) -> bool:
    """A JSON scalar that from_json_value returns unchanged."""
    kind = type(value)
    return (kind is str or kind is bool or value is None or kind is float
            or (kind is int and -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER))


def from_json(value: Any) -> Any:
    """`values.from_json_value(value)` for plain host data (a dict or list); raises NotPlain otherwise."""
    return _from_json(value, 0, set(), None)[0]


def from_json_with_cost(value: Any, cache: tuple[dict[int, int], list[Any], dict[int, set[int]]] | None = None,
                        ) -> tuple[Any, int]:
    """from_json, and the copy's `memory.value_cost`, found in the same walk. With `cache` (a VM's
    cost memo, keep list and holder edges, see Runtime.container_cost), the cost of every container of
    the copy and the edges between them are recorded, so reading a part of it later costs a lookup."""
    return _from_json(value, 0, set(), cache)


def _from_json(value: Any, depth: int, seen: set[int], cache: Any) -> tuple[Any, int]:
    if depth > MAX_DEPTH or id(value) in seen:
        raise NotPlain
    seen.add(id(value))
    total = _UNIT
    children: list[Any] | None = [] if cache is not None else None
    if type(value) is dict:
        for marker in _MARKERS:
            if marker in value:
                raise NotPlain
        copy: Any = {}
        for key, item in value.items():
            if type(key) is not str or key[:1].isdigit():
                raise NotPlain
            total += _UNIT + (len(key) if key.isascii() else _utf16(key))
            kind = type(item)
            if kind is str:
                copy[key] = item
                total += _UNIT + (len(item) if item.isascii() else _utf16(item))
            elif kind is dict or kind is list:
                copy[key], cost = _from_json(item, depth + 1, seen, cache)
                total += cost
                if children is not None:
                    children.append(copy[key])
            elif _scalar_in(item):
                copy[key] = item
                total += _UNIT
            else:
                raise NotPlain
    elif type(value) is list:
        copy = []
        for item in value:
            kind = type(item)
            if kind is str:
                copy.append(item)
                total += _UNIT + (len(item) if item.isascii() else _utf16(item))
            elif kind is dict or kind is list:
                copied, cost = _from_json(item, depth + 1, seen, cache)
                copy.append(copied)
                total += cost
                if children is not None:
                    children.append(copied)
            elif _scalar_in(item):
                copy.append(item)
                total += _UNIT
            else:
                raise NotPlain
    else:
        raise NotPlain
    if cache is not None:
        memo, keep, holders = cache
        memo[id(copy)] = total
        keep.append(copy)
        for child in children:  # type: ignore[union-attr]
            holders[id(child)] = {id(copy)}  # a fresh tree: its parent is its only holder
    return copy, total


def to_json(value: Any) -> Any:
    """`values.to_json_value(value)` for a plain Hog dict or list; raises NotPlain otherwise.

    A shared sub-tree is copied once per reference, as to_json_value does; only cycles need the
    general walker, and the depth bound sends them there.
    """
    return _to_json(value, 0)


def _to_json(value: Any, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise NotPlain
    if type(value) is dict:
        copy: dict[str, Any] = {}
        for key, item in value.items():
            if type(key) is not str:
                raise NotPlain  # json_key conversions
            kind = type(item)
            if kind is str or kind is bool or kind is int or item is None:
                copy[key] = item
            elif kind is float:
                copy[key] = item if math.isfinite(item) else None
            elif kind is dict or kind is list:
                copy[key] = _to_json(item, depth + 1)
            else:
                raise NotPlain
        return copy
    if type(value) is not list:
        raise NotPlain
    items: list[Any] = []
    for item in value:
        kind = type(item)
        if kind is str or kind is bool or kind is int or item is None:
            items.append(item)
        elif kind is float:
            items.append(item if math.isfinite(item) else None)
        elif kind is dict or kind is list:
            items.append(_to_json(item, depth + 1))
        else:
            raise NotPlain
    return items


def cost_cached(value: Any, budget: int, memo: dict[int, int], keep: list[Any],
                holders: dict[int, set[int]]) -> int:
    """`memory.value_cost(value, None, memo, keep, holders)` for a plain tree of at most `budget`
    entries: the same costs land in `memo` (containers kept alive in `keep`) and the same container
    edges in `holders`, so the VM's exact invalidation (Runtime.forget_costs) works on them. Raises
    NotPlain, possibly after caching the costs of some plain sub-trees (which are correct)."""
    total, _ = _cost_cached(value, 0, budget, memo, keep, holders)
    return total


def _cost_cached(value: Any, depth: int, budget: int, memo: dict[int, int], keep: list[Any],
                 holders: dict[int, set[int]]) -> tuple[int, int]:
    if depth > MAX_DEPTH:
        raise NotPlain
    budget -= len(value)
    if budget < 0:
        raise NotPlain
    total = _UNIT
    if type(value) is dict:
        items: Any = value.values()
        for key in value:
            if type(key) is not str:
                raise NotPlain
            total += _UNIT + (len(key) if key.isascii() else _utf16(key))
    elif type(value) is list:
        items = value
    else:
        raise NotPlain
    for item in items:
        kind = type(item)
        if kind is str:
            total += _UNIT + (len(item) if item.isascii() else _utf16(item))
        elif kind is int or kind is float or kind is bool or item is None:
            total += _UNIT
        elif kind is dict or kind is list:
            found = holders.get(id(item))
            if found is None:
                holders[id(item)] = {id(value)}
            else:
                found.add(id(value))
            known = memo.get(id(item))
            if known is None:
                known, budget = _cost_cached(item, depth + 1, budget, memo, keep, holders)
            total += known
        else:
            raise NotPlain
    memo[id(value)] = total
    keep.append(value)
    return total, budget


def settle(value: Any) -> int:
    """For a value moving into a resumed run (state.transplant_state): give each plain dict in it
    JavaScript's key order, as the JSON state would, and return its cost. Raises NotPlain (also past
    SETTLE_BUDGET entries: shared sub-trees are walked once per reference, so a tree built by
    doubling must go to the memoised walk)."""
    total, _ = _cost(value, 0, SETTLE_BUDGET, True)
    return total


def _cost(value: Any, depth: int, budget: int, order: bool) -> tuple[int, int]:
    """(cost, budget left). Shared sub-trees are counted once per reference, as PostHog does;
    `order` reorders dicts with array-index keys (values.js_property_order)."""
    if depth > MAX_DEPTH:
        raise NotPlain
    budget -= len(value)
    if budget < 0:
        raise NotPlain
    total = _UNIT
    if type(value) is dict:
        digits = False
        for key, item in value.items():
            if type(key) is not str:
                raise NotPlain
            total += _UNIT + (len(key) if key.isascii() else _utf16(key))
            if not digits and key[:1].isdigit():
                digits = True
            kind = type(item)
            if kind is str:
                total += _UNIT + (len(item) if item.isascii() else _utf16(item))
            elif kind is int or kind is float or kind is bool or item is None:
                total += _UNIT
            elif kind is dict or kind is list:
                add, budget = _cost(item, depth + 1, budget, order)
                total += add
            else:
                raise NotPlain
        if order and digits:
            for marker in _MARKERS:
                if value.get(marker):
                    raise NotPlain  # kept as is in a state: the general path decides
            js_property_order(value)
        return total, budget
    if type(value) is not list:
        raise NotPlain
    for item in value:
        kind = type(item)
        if kind is str:
            total += _UNIT + (len(item) if item.isascii() else _utf16(item))
        elif kind is int or kind is float or kind is bool or item is None:
            total += _UNIT
        elif kind is dict or kind is list:
            add, budget = _cost(item, depth + 1, budget, order)
            total += add
        else:
            raise NotPlain
    return total, budget


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2
