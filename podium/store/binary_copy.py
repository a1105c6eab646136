"""PostgreSQL's binary ``COPY``, written from columns.

``insert_rows`` hands psycopg one row at a time (``write_row``), which formats each value in
Python; a float alone costs about 0.5 µs as text. In the binary format a row whose values all
have a fixed width is one record of big-endian fields: NumPy lays out every such row of a batch
at once (``fixed_rows``), and the rows that do not fit that shape (a NULL, a text of another
length) are packed one by one (``packed_row``). Both go into one ``COPY … (FORMAT BINARY)``
(``copy_binary``).

Each value must be of its column's exact type: ``INT8`` into ``bigint``, ``FLOAT8`` into
``double precision``, ``BOOL`` into ``boolean``, ``TEXT`` into ``text`` or ``varchar``;
PostgreSQL rejects the row otherwise (it does not cast binary values).
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence
from enum import Enum

import numpy as np
from sqlalchemy.orm import Session

_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # the header: signature, flags, extension
_TRAILER = struct.pack("!h", -1)
_NULL = -1


class Kind(Enum):
    """A column's type in the binary format, with its field's NumPy layout."""

    INT8 = ">i8"
    FLOAT8 = ">f8"
    BOOL = "u1"
    TEXT = ""


_DTYPES = {
    np.dtype(np.int64): Kind.INT8,
    np.dtype(np.float64): Kind.FLOAT8,
    np.dtype(np.bool_): Kind.BOOL,
}
_PACKED = {Kind.INT8: struct.Struct("!iq"), Kind.FLOAT8: struct.Struct("!id")}


def fixed_rows(columns: Sequence[np.ndarray | str | None]) -> bytes:
    """Rows of the binary format, one per element of the array columns.

    A column is an ``int64``, ``float64`` or ``bool`` array (written as ``INT8``, ``FLOAT8``,
    ``BOOL``; NaN stays NaN), a string (the same text in every row) or ``None`` (NULL in every
    row). The arrays are of one length, and at least one column is an array.
    """
    arrays = [column for column in columns if isinstance(column, np.ndarray)]
    if not arrays:
        raise ValueError("fixed_rows needs at least one array column")
    count = len(arrays[0])
    fields: list[tuple[str, str]] = [("width", ">i2")]
    values: dict[str, np.ndarray | bytes] = {}
    lengths: dict[str, int] = {}
    for index, column in enumerate(columns):
        length, value = f"l{index}", f"v{index}"
        fields.append((length, ">i4"))
        if column is None:
            lengths[length] = _NULL
        elif isinstance(column, str):
            encoded = column.encode()
            fields.append((value, f"S{len(encoded)}"))
            lengths[length] = len(encoded)
            values[value] = encoded
        else:
            kind = _DTYPES.get(column.dtype)
            if kind is None:
                raise TypeError(f"column {index}: no binary field for dtype {column.dtype}")
            if len(column) != count:
                raise ValueError(f"column {index}: {len(column)} values, expected {count}")
            fields.append((value, kind.value))
            lengths[length] = column.dtype.itemsize
            values[value] = column
    rows = np.empty(count, dtype=np.dtype(fields))
    rows["width"] = len(columns)
    for name, width in lengths.items():
        rows[name] = width
    for name, data in values.items():
        rows[name] = data
    return rows.tobytes()


def packed_row(values: Sequence[object], kinds: Sequence[Kind]) -> bytes:
    """One row of the binary format, any value ``None`` (NULL); for the rows ``fixed_rows``
    cannot lay out."""
    parts = [struct.pack("!h", len(values))]
    for value, kind in zip(values, kinds, strict=True):
        if value is None:
            parts.append(struct.pack("!i", _NULL))
        elif kind is Kind.TEXT:
            encoded = str(value).encode()
            parts.append(struct.pack("!i", len(encoded)) + encoded)
        elif kind is Kind.BOOL:
            parts.append(struct.pack("!i?", 1, bool(value)))
        else:
            parts.append(_PACKED[kind].pack(_PACKED[kind].size - 4, value))
    return b"".join(parts)


def copy_binary(
    session: Session, table: str, columns: Sequence[str], chunks: Iterable[bytes]
) -> None:
    """Rows into ``table`` by one binary ``COPY``: ``chunks`` are rows of ``fixed_rows`` and
    ``packed_row``, in the order of ``columns``. ``table`` and ``columns`` are the caller's
    constants."""
    driver = session.connection().connection.driver_connection
    assert driver is not None
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        copy.write(_SIGNATURE)
        for chunk in chunks:
            copy.write(chunk)
        copy.write(_TRAILER)
