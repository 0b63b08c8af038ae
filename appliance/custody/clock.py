"""Whether the system clock can be trusted when a custody entry is written.

An offline appliance has no time server; its clock is only as good as its real-time clock and
whoever last set it. The kernel knows whether anything has disciplined the clock (NTP, chrony,
a GPS receiver): ``adjtimex`` returns ``TIME_ERROR`` while it is unsynchronised. Each entry
records what the kernel said, so a court can weigh the times accordingly.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from functools import lru_cache
from pathlib import Path

_TIME_ERROR = 5
# struct timex is about 208 bytes on 64-bit Linux; a larger zeroed buffer with modes = 0 asks
# the kernel to read, never to change, the clock.
_TIMEX_BYTES = 512


@lru_cache(maxsize=1)
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name, use_errno=True) if name else None
    except OSError:
        return None


TIMESYNC_FLAG = Path("/run/systemd/timesync/synchronized")
PROTECTED_ENV = "APPLIANCE_CLOCK_PROTECTED"


def clock_state() -> str:
    """``trusted: ...`` or ``untrusted: ...``, with the reason in plain words."""
    if TIMESYNC_FLAG.exists():
        return "trusted: systemd-timesyncd has synchronised the clock to a time source"
    if os.environ.get(PROTECTED_ENV):
        # The USB service's sandbox (ProtectClock=) refuses clock system calls outright.
        return "untrusted: not checked (the intake service's sandbox forbids asking the kernel)"
    libc = _libc()
    if libc is None or not hasattr(libc, "adjtimex"):
        return "untrusted: the clock's synchronisation state cannot be read"
    buffer = ctypes.create_string_buffer(_TIMEX_BYTES)
    state = libc.adjtimex(buffer)
    if state < 0:
        return "untrusted: the clock's synchronisation state cannot be read"
    if state == _TIME_ERROR:
        return "untrusted: the system clock is not synchronised to any time source"
    return "trusted: the kernel reports the clock synchronised to a time source"


def trusted(state: str) -> bool:
    return state.startswith("trusted")
