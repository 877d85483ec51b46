"""Why a record was quarantined: one code per kind of bad input, defined once.

The code is stored in ``quarantine.reason``; the free-text ``detail`` says what exactly
was wrong with this record (the field and the value seen).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Reason(str, enum.Enum):
    UNPARSEABLE = "unparseable"  # a CSV/JSONL line or list item that is not a record
    MISSING_ID = "missing_id"  # no service_request_id
    INVALID_ID = "invalid_id"  # id longer than the store allows (128)
    MISSING_FIELD = "missing_field"  # a required field is empty (status, requested_datetime)
    INVALID_STATUS = "invalid_status"  # status / jakarta_status not in the vocabulary
    MISSING_COORDINATES = "missing_coordinates"
    INVALID_COORDINATES = "invalid_coordinates"  # non-numeric, NaN, Infinity, off the globe
    SWAPPED_COORDINATES = "swapped_coordinates"  # (lat, long) swapped: not guessed, refused
    OUTSIDE_JAKARTA = "outside_jakarta"  # incl. (0, 0)
    INVALID_TIMESTAMP = "invalid_timestamp"
    NAIVE_TIMESTAMP = "naive_timestamp"  # no zone and no PANTAU_FEED_TZ
    FUTURE_TIMESTAMP = "future_timestamp"  # more than FUTURE_SLACK after now
    UPDATE_BEFORE_REQUEST = "update_before_request"
    INVALID_TEXT = "invalid_text"  # NUL bytes or invalid UTF-8 in a text field
    DUPLICATE_IN_BATCH = "duplicate_in_batch"  # same id twice in one batch (older one kept out)
    STALE_UPDATE = "stale_update"  # a different record with an update time not newer than stored


@dataclass(frozen=True)
class Rejection:
    """A record refused by :func:`dashboard.ingest.normalize.normalize`."""

    reason: Reason
    detail: str
