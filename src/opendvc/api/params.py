"""Bounds shared by every paginated list and numeric identifier of the API.

A number past what the database can hold (an ``offset`` of 10^20, an id of 2^64) must be refused as
invalid input (422), never reach the query and fail there (500). Every list takes its page or offset
bounds from here; a test walks every operation and checks that no integer parameter is unbounded.
"""

from __future__ import annotations

# Deep offsets are also slow: past this, clients narrow the query instead of paging further.
MAX_OFFSET = 10_000
MAX_PAGE = 10_000
MAX_LIMIT = 100
# Primary keys are 64-bit signed integers (BigAutoField).
MAX_ID = 2**63 - 1
