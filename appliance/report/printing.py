"""Printing through CUPS with ``lp``: the job id back, or one clear line saying what went wrong.

``lp`` is the standard CUPS client; it reaches the local scheduler (or the one ``CUPS_SERVER``
names), so the appliance prints to whatever printer the station has set up, with no network
code of its own.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from appliance.errors import PrintError

LP_TIMEOUT_S = 60
_REQUEST = re.compile(r"request id is (\S+)")


@dataclass(frozen=True)
class PrintJob:
    job: str
    printer: str
    message: str

    def as_json(self) -> dict[str, str]:
        return {"job": self.job, "printer": self.printer, "message": self.message}


def _reason(stderr: str) -> str:
    text = " ".join(stderr.split()) or "lp failed without saying why"
    lowered = text.lower()
    if "no default destination" in lowered:
        return f"there is no default printer ({text})"
    if "does not exist" in lowered or "not found" in lowered:
        return f"no such printer ({text})"
    return text


def _scheduler_running() -> bool:
    """Whether cupsd answers. lp reports an unreachable scheduler as a missing printer, so
    the reason is asked separately."""
    lpstat = shutil.which("lpstat")
    if lpstat is None:
        return True  # cannot tell; lp's own words stand
    try:
        done = subprocess.run(
            [lpstat, "-r"], capture_output=True, text=True, timeout=LP_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired:
        return False
    return "scheduler is running" in done.stdout


def print_pdf(path: Path, printer: str | None) -> PrintJob:
    """Send ``path`` to ``printer`` (the default destination when None or empty)."""
    lp = shutil.which("lp")
    if lp is None:
        raise PrintError(
            "cannot print: the CUPS client (lp) is not installed.",
            "Install cups-client, or print the PDF from another machine.",
        )
    if not path.is_file():
        raise PrintError(f"cannot print {path}: there is no such file.", "Make the report first.")
    command = [lp, "-t", path.name]
    if printer:
        command += ["-d", printer]
    command += ["--", str(path)]
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=LP_TIMEOUT_S,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise PrintError(
            f"cannot print: lp did not answer within {LP_TIMEOUT_S} s.",
            "Check the print service (lpstat -t) and try again.",
        ) from None
    match = _REQUEST.search(done.stdout)
    if done.returncode != 0 or match is None:
        target = f"printer {printer}" if printer else "the default printer"
        if not _scheduler_running():
            raise PrintError(
                f"cannot print to {target}: the print service (cupsd) is not running or not "
                "reachable.",
                "Start CUPS (systemctl start cups) or check CUPS_SERVER, then print again.",
            )
        raise PrintError(
            f"cannot print to {target}: {_reason(done.stderr or done.stdout)}.",
            "See the printers with `lpstat -p -d`; name one with --print PRINTER.",
        )
    job = match.group(1)
    queue = job.rsplit("-", 1)[0]
    return PrintJob(job=job, printer=printer or queue, message=" ".join(done.stdout.split()))
