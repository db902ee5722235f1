"""The standard library: importing this package registers every native built-in.

Each family module registers its functions in `registry.NATIVE_FUNCTIONS` when imported. Modules are
imported by name so that a family still being written does not break the others; a missing module is
recorded in `MISSING_FAMILIES` (and shows up as "Unsupported function call" for its functions).
"""

from __future__ import annotations

import importlib

FAMILIES = (
    "core",  # print
    "types",  # conversions, typeof, type tests, logic and comparison functions
    "strings",  # string built-ins, like/match/extract
    "arrays",  # array built-ins, range, in
    "dicts",  # keys, values
    "json",  # jsonParse/jsonStringify and the JSON path functions
    "encoding",  # base64 and URL encoding
    "crypto",  # hashes and HMAC chains
    "math",  # floor, round, min2/max2, randomFloat, generateUUIDv4
    "errors",  # Error, HogError, RetryError, NotImplementedError
    "ip",  # isIPAddressInRange
    "dates",  # date and time built-ins
    "control",  # sleep, run
)

MISSING_FAMILIES: list[str] = []

for _family in FAMILIES:
    try:
        importlib.import_module(f"{__name__}.{_family}")
    except ModuleNotFoundError as _error:
        if _error.name != f"{__name__}.{_family}":
            raise
        MISSING_FAMILIES.append(_family)
