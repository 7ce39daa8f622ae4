"""Give memory back to the operating system after a big import.

pyarrow and the C allocator keep freed buffers for reuse; after reading a large table that can
leave several times the table's size reserved. Releasing it is harmless (Linux: malloc_trim).
"""

from __future__ import annotations

import contextlib
import ctypes
import sys


def release_memory() -> None:
    # A courtesy: never fail an import over it.
    with contextlib.suppress(Exception):
        import pyarrow as pa

        pa.default_memory_pool().release_unused()
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6").malloc_trim(0)
