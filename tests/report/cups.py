"""A private CUPS scheduler for the printing tests: a real ``cupsd`` with a ``cups-pdf`` queue.

Everything it needs lives in one temporary folder (configuration, spool, logs, a Unix socket
that ``CUPS_SERVER`` points ``lp`` at), except the one thing cups-pdf cannot be told any other
way: where to write, which it reads from ``/etc/cups/cups-pdf-QUEUE.conf``. That file is named
for a queue unique to the run and removed afterwards. cupsd runs its backends as root only when
it is root itself, so the tests skip, saying why, when that or a package is missing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

CUPSD = Path("/usr/sbin/cupsd")
BACKEND = Path("/usr/lib/cups/backend/cups-pdf")
PPD = Path("/usr/share/ppd/cups-pdf/CUPS-PDF_noopt.ppd")
CONFIG_DIR = Path("/etc/cups")


class CupsUnavailable(Exception):
    """Why a private cupsd with a cups-pdf queue cannot run here."""


@dataclass(frozen=True)
class PrivateCups:
    socket: Path
    queue: str
    out: Path
    log: Path

    def env(self) -> dict[str, str]:
        return {**os.environ, "CUPS_SERVER": str(self.socket)}

    def run(self, *command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            list(command), env=self.env(), capture_output=True, text=True, timeout=60, check=False
        )

    def wait_for_pdf(self, job: str, timeout_s: float = 180) -> Path:
        """The PDF cups-pdf wrote for ``job``, once the job has left the queue."""
        number = job.rsplit("-", 1)[-1]
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if f"[Job {number}] Job stopped" in self.log.read_text(errors="replace"):
                raise AssertionError(f"CUPS stopped job {job}; see {self.log}")
            pending = self.run("lpstat", "-o", self.queue).stdout
            done = sorted(self.out.glob("*.pdf"), key=lambda p: p.stat().st_mtime)
            if job not in pending and done:
                return done[-1]
            time.sleep(0.5)
        raise AssertionError(f"no PDF from job {job} after {timeout_s} s; see {self.log}")


def _why_not() -> str | None:
    if os.geteuid() != 0:
        return "cupsd runs the cups-pdf backend only as root, and these tests are not root"
    for path, package in ((CUPSD, "cups"), (BACKEND, "printer-driver-cups-pdf"), (PPD, "cups-pdf")):
        if not path.exists():
            return f"{path} is missing (Debian package {package}; make system-deps installs it)"
    for tool in ("lp", "lpadmin", "lpstat"):
        if shutil.which(tool) is None:
            return f"{tool} is missing (Debian package cups-client)"
    if not os.access(CONFIG_DIR, os.W_OK):
        return f"{CONFIG_DIR} is not writable for the cups-pdf queue's configuration"
    return None


def _write_config(root: Path, scratch: Path) -> None:
    (root / "cups-files.conf").write_text(
        f"ServerRoot {root}\nRequestRoot {root}/spool\nCacheDir {root}/cache\n"
        f"StateDir {root}/state\nTempDir {scratch}\nErrorLog {root}/log/error_log\n"
        f"AccessLog {root}/log/access_log\nPageLog {root}/log/page_log\n"
        f"Printcap {root}/printcap\nServerBin /usr/lib/cups\nDataDir /usr/share/cups\n"
        "FileDevice No\n"
    )
    (root / "cupsd.conf").write_text(
        f"Listen {root}/run/cups.sock\nLogLevel debug\nWebInterface No\nBrowsing No\n"
        "DefaultAuthType None\n<Location />\n  Order allow,deny\n  Allow all\n</Location>\n"
        "<Policy default>\n  <Limit All>\n    Order deny,allow\n  </Limit>\n</Policy>\n"
    )


@contextmanager
def private_cups() -> Iterator[PrivateCups]:
    reason = _why_not()
    if reason:
        raise CupsUnavailable(reason)
    # Filters run as the lp user and read the queue's PPD and the spooled file: the scheduler's
    # folder must be one lp can reach, not one inside pytest's private (0700) temporary tree.
    root = Path(tempfile.mkdtemp(prefix="appliance-cups-"))
    root.chmod(0o755)
    for sub in ("spool", "cache", "state", "log", "run", "out", "tmp"):
        (root / sub).mkdir(parents=True)
    scratch = root / "tmp"
    scratch.chmod(0o1777)
    _write_config(root, scratch)
    queue = f"appliance-test-{uuid.uuid4().hex[:8]}"
    queue_config = CONFIG_DIR / f"cups-pdf-{queue}.conf"
    queue_config.write_text(f"Out {root}/out\nGrp root\n")
    daemon = subprocess.Popen(
        [str(CUPSD), "-f", "-c", str(root / "cupsd.conf"), "-s", str(root / "cups-files.conf")],
        stdout=subprocess.DEVNULL,
        stderr=(root / "log" / "stderr").open("w"),
        start_new_session=True,
    )
    cups = PrivateCups(root / "run" / "cups.sock", queue, root / "out", root / "log" / "error_log")
    try:
        deadline = time.monotonic() + 30
        while not cups.socket.exists():
            if daemon.poll() is not None or time.monotonic() > deadline:
                stderr = (root / "log" / "stderr").read_text()
                raise CupsUnavailable(f"cupsd did not start: {stderr.strip()[-300:]}")
            time.sleep(0.1)
        added = cups.run("lpadmin", "-p", queue, "-E", "-v", f"cups-pdf:/{queue}", "-P", str(PPD))
        if added.returncode != 0:
            raise CupsUnavailable(f"lpadmin could not add the cups-pdf queue: {added.stderr}")
        yield cups
    finally:
        daemon.terminate()
        try:
            daemon.wait(timeout=20)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait()
        queue_config.unlink(missing_ok=True)
        shutil.rmtree(root, ignore_errors=True)
