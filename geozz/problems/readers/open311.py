"""Open311 GeoReport v2 service requests (JSON), read with the standard :mod:`json`.

A ``.json`` file whose top level is a list of request objects, or an object holding one
under ``"service_requests"`` or ``"requests"``, is GeoReport v2; any other JSON (a
GeoJSON ``FeatureCollection``) goes to GDAL. Each element of the list is a record (its
``line`` is the element number); an element that is not an object is a
``malformed_record``.

The request keys are kept as columns (nested values as JSON text) and found by the usual
column names: ``service_request_id`` -> problem_id, ``requested_datetime`` -> found_at,
``expected_datetime`` -> deadline, ``lat`` / ``long``, ``status`` (``open``, ``closed``
-> rectified), ``description``, ``address``, ``agency_responsible`` -> agency,
``media_url`` (internal, like the photo of a photo report). Two columns are derived:

- ``category``: ``service_name``, or ``service_code`` where the name is empty;
- ``rectified_at``: ``updated_datetime`` of the requests whose status is ``closed``
  (GeoReport v2 has no closing time; a closed request was last updated when it was
  closed). Not derived when the requests carry a rectification-time key of their own
  (``rectified_at``, ``closed_date``, ...), which is then used as it is.

GeoReport v2 has no source field: ``source`` stays empty (it is not guessed) unless the
requests carry a ``source`` key. Requests without ``lat`` / ``long`` (the standard allows
an address instead) are ``missing_coordinates``: geozz does not geocode.

Examples
--------
>>> t = parse_open311([{"service_request_id": "1", "service_code": "001",
...                     "status": "closed", "updated_datetime": "2024-05-02T10:00:00+08:00"},
...                    7], file="r.json")
>>> t.frame.loc[0, ["category", "rectified_at"]].tolist(), t.n_records
(['001', '2024-05-02T10:00:00+08:00'], 2)
>>> t.malformed[0]["value"]
'a JSON number, not a request object'
"""

from __future__ import annotations

import json

import numpy as np

from .base import RawTable, _fail, _frame

#: the request keys of GeoReport v2, in the order of the specification
GEOREPORT_KEYS = ("service_request_id", "status", "status_notes", "service_name",
                  "service_code", "description", "agency_responsible", "service_notice",
                  "requested_datetime", "updated_datetime", "expected_datetime", "address",
                  "address_id", "zipcode", "lat", "long", "media_url")
_JSON_KINDS = {str: "string", int: "number", float: "number", bool: "boolean",
               list: "array", type(None): "null"}


def requests_of(data: object) -> list | None:
    """The request list of parsed JSON, or None when it is not GeoReport v2.

    Examples
    --------
    >>> requests_of({"service_requests": [{}]}), requests_of({"type": "FeatureCollection"})
    ([{}], None)
    """
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        for key in ("service_requests", "requests"):
            if isinstance(data.get(key), list):
                return data[key]
    return None


def _text(v: object) -> str | None:
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (dict, list)):
        return json.dumps(v, ensure_ascii=False)
    text = str(v)
    return text if text.strip() else None


def parse_open311(requests: list, *, file: str, rectified_names: tuple[str, ...] = ()) -> RawTable:
    """The records of a GeoReport v2 request list (see the module docstring).

    ``rectified_names`` are the column names that hold a rectification time; when a
    request has one of them, ``rectified_at`` is not derived from ``updated_datetime``.
    """
    objects = [r for r in requests if isinstance(r, dict)]
    if objects and all(set(r) <= {"code", "description"} and "code" in r for r in objects):
        first = objects[0]
        raise _fail(file, "Open311 service requests", "fetch the requests again (the "
                    "server answered with an error)",
                    got=f"an Open311 error response: {first.get('code')} "
                        f"{first.get('description')}"[:200])
    keys = list(GEOREPORT_KEYS)
    seen = set(keys)
    for r in objects:
        for k in r:
            k = str(k)
            if k not in seen:
                seen.add(k)
                keys.append(k)
    derive_category = "category" not in seen
    derive_rectified = "rectified_at" not in seen and not (seen & set(rectified_names))
    records: list[list] = []
    rows: list[int] = []
    malformed: list[dict] = []
    for i, r in enumerate(requests, start=1):
        if not isinstance(r, dict):
            kind = _JSON_KINDS.get(type(r), type(r).__name__)
            malformed.append({"row": i, "line": i, "reason": "malformed_record",
                              "field": None, "value": f"a JSON {kind}, not a request "
                                                      "object"})
            continue
        rec = [_text(r.get(k)) for k in keys]
        if derive_category:
            rec.append(_text(r.get("service_name")) or _text(r.get("service_code")))
        if derive_rectified:
            closed = (_text(r.get("status")) or "").strip().casefold() == "closed"
            rec.append(_text(r.get("updated_datetime")) if closed else None)
        records.append(rec)
        rows.append(i)
    names = keys + (["category"] if derive_category else []) + \
        (["rectified_at"] if derive_rectified else [])
    rows_arr = np.array(rows, dtype=int)
    return RawTable(frame=_frame(records, names), rows=rows_arr, lines=rows_arr.copy(),
                    n_records=len(requests), malformed=malformed)
