"""Hog's only door to the world: `fetch`, its address guard, and a mock for tests and the playground.

* `hoglite.net.fetch`: FetchRequest / FetchResponse / FetchPolicy, build_request, Fetcher, AsyncFetcher,
  to_hog_response, error_to_hog_response, make_client / make_async_client.
* `hoglite.net.guard`: URL syntax checks and the address guard (connect-time, pinned).
* `hoglite.net.mock`: MockFetcher (routes by URL, pattern or function; records calls), the mock file format,
  RecordingFetcher.
* `hoglite.net.errors`: FetchRequestError, FetchBlockedError, FetchLimitError, FetchTransportError.
* `hoglite.net.fakenet`: an in-memory network for tests of the real fetcher.
* `hoglite.net.aio`: the asyncio socket layer under the guard (the async client's default on asyncio).
"""

from hoglite.net.errors import FetchBlockedError, FetchLimitError, FetchRequestError, FetchTransportError
from hoglite.net.fetch import (
    AsyncFetcher,
    Fetcher,
    FetchPolicy,
    FetchRequest,
    FetchResponse,
    build_request,
    error_to_hog_response,
    make_async_client,
    make_client,
    to_hog_response,
)
from hoglite.net.guard import AddressGuard, check_url_syntax
from hoglite.net.mock import AsyncMockFetcher, MockFetcher, MockFileError, RecordingFetcher

__all__ = [
    "AddressGuard", "AsyncFetcher", "AsyncMockFetcher", "FetchBlockedError", "FetchLimitError", "FetchPolicy",
    "FetchRequest", "FetchRequestError", "FetchResponse", "FetchTransportError", "Fetcher", "MockFetcher",
    "MockFileError", "RecordingFetcher", "build_request", "check_url_syntax", "error_to_hog_response",
    "make_async_client", "make_client", "to_hog_response",
]
