"""The work the unattended intake does to a stick, as a child process for the sandbox tests.

    python intake_work.py [--deny-write-execute] DEVICE HOME

Imports every module of the appliance (so every extension any code path loads: DuckDB, pyarrow,
cryptography, pytsk3...) and runs a DuckDB query, reads the device's udev properties when it is
a block device, then runs the real unattended intake (``appliance intake --unattended DEVICE``:
The Sleuth Kit reading the FAT stick read-only, hashing, sealing with X25519, HKDF and
AES-256-GCM, the custody ledger) into HOME's active case, and makes a ctypes callback (libffi
closures are the classic casualty of MemoryDenyWriteExecute=).

With --deny-write-execute it first installs the seccomp filter systemd 252 installs for
MemoryDenyWriteExecute=yes (src/shared/seccomp-util.c, seccomp_memory_deny_write_execute):
mmap with PROT_WRITE|PROT_EXEC, mprotect and pkey_mprotect with PROT_EXEC, and shmat with
SHM_EXEC fail with EPERM. Only then does it import anything of the appliance's.
"""

from __future__ import annotations

import ctypes
import importlib
import mmap
import os
import pkgutil
import stat
import struct
import sys
from pathlib import Path

EVIDENCE = "/EVIDENCE.CSV"

# x86-64 system call numbers and seccomp constants (linux/seccomp.h, linux/filter.h).
AUDIT_ARCH_X86_64 = 0xC000003E
SYSCALLS = {"mmap": 9, "mprotect": 10, "shmat": 30, "pkey_mprotect": 329, "fchown": 93}
PROT_WRITE, PROT_EXEC, SHM_EXEC = 0x2, 0x4, 0o100000
BPF_LD_W_ABS, BPF_JEQ_K, BPF_AND_K, BPF_RET_K = 0x20, 0x15, 0x54, 0x06
SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO = 0x7FFF0000, 0x00050000
PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2
NR_OFFSET, ARCH_OFFSET, ARG2_LOW_OFFSET = 0, 4, 16 + 2 * 8  # struct seccomp_data


class SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def deny_write_execute() -> None:
    # (system call, mask): refused when (third argument & mask) == mask.
    refused = [
        (SYSCALLS["mmap"], PROT_WRITE | PROT_EXEC),
        (SYSCALLS["mprotect"], PROT_EXEC),
        (SYSCALLS["pkey_mprotect"], PROT_EXEC),
        (SYSCALLS["shmat"], SHM_EXEC),
        # Not MemoryDenyWriteExecute's, but the unit's SystemCallFilter= refuses it too (a mask
        # of 0 always matches): the one call the intake makes outside the filter.
        (SYSCALLS["fchown"], 0),
    ]
    program = [
        (BPF_LD_W_ABS, 0, 0, ARCH_OFFSET),
        (BPF_JEQ_K, 1, 0, AUDIT_ARCH_X86_64),
        (BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW),
    ]
    for number, mask in refused:
        program += [
            (BPF_LD_W_ABS, 0, 0, NR_OFFSET),
            (BPF_JEQ_K, 0, 4, number),
            (BPF_LD_W_ABS, 0, 0, ARG2_LOW_OFFSET),
            (BPF_AND_K, 0, 0, mask),
            (BPF_JEQ_K, 0, 1, mask),
            (BPF_RET_K, 0, 0, SECCOMP_RET_ERRNO | 1),  # EPERM
        ]
    program.append((BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW))
    code = ctypes.create_string_buffer(b"".join(struct.pack("HBBI", *i) for i in program))
    fprog = SockFprog(len(program), ctypes.addressof(code))
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise SystemExit(f"SKIP no_new_privs refused: {os.strerror(ctypes.get_errno())}")
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        raise SystemExit(f"SKIP seccomp refused: {os.strerror(ctypes.get_errno())}")
    try:  # the control: the filter is really in force
        mmap.mmap(-1, mmap.PAGESIZE, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    except OSError:
        print("W+X MAPPING REFUSED")
    else:
        raise SystemExit("the filter let a writable and executable mapping through")


def import_everything() -> None:
    import duckdb

    import appliance

    for module in pkgutil.walk_packages(appliance.__path__, "appliance."):
        if not module.name.endswith("__main__"):  # that one runs the command line
            importlib.import_module(module.name)
    assert duckdb.connect().execute("SELECT 6 * 7").fetchone() == (42,)


def work(device: str, home: str) -> str:
    """The real unattended intake of ``device`` into the active case of ``home``."""
    import_everything()
    from appliance.cli.main import main as appliance
    from appliance.custody.ledger import Ledger
    from appliance.store.home import Home

    if stat.S_ISBLK(os.stat(device).st_mode):
        import pyudev

        properties = pyudev.Devices.from_device_file(pyudev.Context(), device).properties
        assert properties["SUBSYSTEM"] == "block"
    os.environ.pop("APPLIANCE_PASSPHRASE", None)  # the service has none
    status = appliance(["--home", home, "intake", "--unattended", device])
    assert status == 0, status
    case = Home(Path(home)).active()
    assert case is not None
    with Ledger(Path(home) / case / "custody.sqlite") as ledger:
        (entry,) = [e for e in ledger.entries(action="acquired") if EVIDENCE in (e.origin or "")]
    assert entry.sha256 is not None

    callback = ctypes.CFUNCTYPE(ctypes.c_int)(lambda: 7)
    assert callback() == 7
    return entry.sha256


def main(argv: list[str]) -> None:
    if argv[:1] == ["--deny-write-execute"]:
        deny_write_execute()
        argv = argv[1:]
    print(f"WORK DONE {work(argv[0], argv[1])}")


if __name__ == "__main__":
    main(sys.argv[1:])
