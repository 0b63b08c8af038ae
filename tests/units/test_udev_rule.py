"""udev/90-appliance-usb.rules: its syntax, what it asks for, and what udev 252 makes of it.

Three levels. The file is read with a strict reader (udev 252 has no `udevadm verify`). Its match
conditions are evaluated against real devices' property sets and must agree with the watcher's
``is_usb_stick``. And the real rule engine runs it: `udevadm test` on loop devices the test
attaches, in a private mount namespace whose /etc/udev/rules.d, /run and /dev are throwaway
tmpfs, so nothing reaches the machine's own udev. Loop devices are not on USB, so for the
positive cases a test-only rule sorted before ours sets ID_BUS=usb, as 60-persistent-storage's
usb_id does for a real stick; the negative case runs without it.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from intake_watch.recorded import LG_FLASHDRIVE, SAMSUNG_860_PRO_SATA, SONY_MICROVAULT_PART1

from appliance.intake.watch import is_usb_stick

from .udev_rules import Rule, RuleSyntaxError, parse_rule, read_rules, rule_applies

REPO = Path(__file__).resolve().parents[2]
RULE_FILE = REPO / "udev" / "90-appliance-usb.rules"
SETRO = "/usr/sbin/blockdev --setro $devnode"
WANTS = "appliance-intake@%k.service"


@pytest.fixture(scope="module")
def rules() -> list[Rule]:
    return read_rules(RULE_FILE)


# --- syntax and intent -----------------------------------------------------------------------


def test_the_rule_file_reads_cleanly(rules: list[Rule]) -> None:
    assert len(rules) >= 2


@pytest.mark.parametrize(
    "bad",
    [
        'ACTION=="add" SUBSYSTEM=="block"',  # missing comma
        'ACTION="add"',  # ACTION is matched, never assigned
        'RUN=="/bin/true"',  # RUN is assigned, never matched
        "ENV{ID_BUS}==usb",  # unquoted value
        'SUBSYSTEM{x}=="block"',  # no attribute on SUBSYSTEM
        'ACTON=="add"',  # unknown key
    ],
)
def test_the_reader_refuses_broken_rules(bad: str) -> None:
    with pytest.raises(RuleSyntaxError):
        parse_rule(bad, 1)


def test_every_rule_ignores_removal_without_matching_only_add(rules: list[Rule]) -> None:
    for rule in rules:
        actions = rule.find("ACTION")
        assert [(a.op, a.value) for a in actions] == [("!=", "remove")], f"line {rule.line}"


def test_every_rule_is_for_usb_block_devices(rules: list[Rule]) -> None:
    for rule in rules:
        assert [(p.op, p.value) for p in rule.find("SUBSYSTEM")] == [("==", "block")]
        assert [(p.op, p.value) for p in rule.find("ENV{ID_BUS}")] == [("==", "usb")]


def test_run_is_only_the_short_blockdev_command_for_disks_and_partitions(
    rules: list[Rule],
) -> None:
    runs = [(rule, pair) for rule in rules for pair in rule.find("RUN")]
    assert len(runs) == 1
    rule, run = runs[0]
    assert run.op == "+="
    assert run.value == SETRO
    assert len(run.value) < 64  # a short command, never the intake itself
    devtypes = rule.find("ENV{DEVTYPE}")
    assert [(p.op, sorted(p.value.split("|"))) for p in devtypes] == [("==", ["disk", "partition"])]
    program = Path(shlex.split(run.value)[0])
    if program.exists():  # the absolute path is where Debian 12 installs blockdev
        assert os.access(program, os.X_OK)


def test_only_the_whole_disk_asks_systemd_for_one_intake(rules: list[Rule]) -> None:
    wanting = [rule for rule in rules if rule.find("ENV{SYSTEMD_WANTS}")]
    assert len(wanting) == 1
    rule = wanting[0]
    [wants] = rule.find("ENV{SYSTEMD_WANTS}")
    assert (wants.op, wants.value) == ("+=", WANTS)
    assert [(p.op, p.value) for p in rule.find("ENV{DEVTYPE}")] == [("==", "disk")]
    assert [(p.op, p.value) for p in rule.find("TAG")] == [("+=", "systemd")]
    template = REPO / "systemd" / WANTS.replace("%k", "")
    assert template.is_file(), f"{template.name} is what SYSTEMD_WANTS instantiates"


def test_every_line_of_rules_is_explained(rules: list[Rule]) -> None:
    text = RULE_FILE.read_text(encoding="utf-8")
    comments = "\n".join(line for line in text.splitlines() if line.startswith("#"))
    for needle in ("ACTION!=", "change", "ID_BUS", "blockdev", "DEVTYPE", "SYSTEMD_READY"):
        assert needle in comments


# --- the same test as the watcher -------------------------------------------------------------

RECORDED = {
    "usb flash drive": LG_FLASHDRIVE,
    "usb stick partition": SONY_MICROVAULT_PART1,
    "sata disk": SAMSUNG_860_PRO_SATA,
}


@pytest.mark.parametrize("name", sorted(RECORDED))
@pytest.mark.parametrize("action", ["add", "change"])
def test_the_rule_and_the_watcher_agree_on_what_a_stick_is(
    rules: list[Rule], name: str, action: str
) -> None:
    event = {**RECORDED[name], "ACTION": action}
    wanting = [rule for rule in rules if rule.find("ENV{SYSTEMD_WANTS}")]
    asked = any(rule_applies(rule, event, {"size": "15663104"}) for rule in wanting)
    assert asked == is_usb_stick(event)


def test_a_removal_asks_for_nothing(rules: list[Rule]) -> None:
    event = {**LG_FLASHDRIVE, "ACTION": "remove"}
    assert not any(rule_applies(rule, event, {"size": "15663104"}) for rule in rules)


# --- udev 252's own rule engine ---------------------------------------------------------------

PRETEND = "10-appliance-test-pretend-usb.rules"
NAMESPACE_SCRIPT = r"""
set -eu
action=$1; syspath=$2; rules=$3; shift 3
mount -t tmpfs tmpfs /etc/udev/rules.d
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /dev
mknod -m 666 /dev/null c 1 3
for node in "$@"; do
    name=${node%%:*}; numbers=${node#*:}
    mknod -m 600 "/dev/$name" b "${numbers%%:*}" "${numbers#*:}"
done
cp "$rules"/*.rules /etc/udev/rules.d/
exec udevadm test --action="$action" --resolve-names=never "$syspath"
"""


@dataclass
class Outcome:
    properties: dict[str, str]
    runs: list[str]


def udevadm_test(action: str, name: str, rules_dir: Path, nodes: list[str]) -> Outcome:
    specs = []
    for node in nodes:
        major, minor = (Path("/sys/class/block") / node / "dev").read_text().strip().split(":")
        specs.append(f"{node}:{major}:{minor}")
    argv = ["unshare", "--mount", "--propagation", "private", "sh", "-c", NAMESPACE_SCRIPT]
    argv += ["sh", action, f"/sys/class/block/{name}", str(rules_dir), *specs]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        if done.stderr.lstrip().startswith(("unshare:", "mount:", "mknod:")):
            pytest.skip(f"no private mount namespace here: {done.stderr.strip()[:200]}")
        pytest.fail(f"udevadm test failed ({done.returncode}): {done.stderr[-2000:]}")
    output = done.stdout + done.stderr
    properties = dict(re.findall(r"^([A-Z][A-Z0-9_]*)=(.*)$", output, re.MULTILINE))
    runs = re.findall(r"^run: '(.*)'$", output, re.MULTILINE)
    return Outcome(properties, runs)


class Loops:
    def __init__(self) -> None:
        self.nodes: list[str] = []

    def attach(self, image: Path, *extra: str) -> str:
        argv = ["losetup", "-f", "--show", *extra, str(image)]
        done = subprocess.run(argv, capture_output=True, text=True)
        if done.returncode != 0:
            pytest.skip(f"losetup cannot attach a loop device here: {done.stderr.strip()}")
        node = done.stdout.strip()
        self.nodes.append(node)
        return node


@pytest.fixture
def loops() -> Iterator[Loops]:
    for tool in ("udevadm", "unshare", "losetup"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed")
    if not os.access("/dev/loop-control", os.W_OK):
        pytest.skip("no write access to /dev/loop-control: loop devices need root")
    attached = Loops()
    try:
        yield attached
    finally:
        for node in reversed(attached.nodes):
            subprocess.run(["partx", "-d", node], capture_output=True)
            subprocess.run(["losetup", "-d", node], capture_output=True)


def rules_dir(tmp_path: Path, pretend_usb: list[str]) -> Path:
    folder = tmp_path / "rules.d"
    folder.mkdir(exist_ok=True)
    shutil.copy(RULE_FILE, folder / RULE_FILE.name)
    if pretend_usb:
        names = "|".join(pretend_usb)
        rule = f'SUBSYSTEM=="block", KERNEL=="{names}", ENV{{ID_BUS}}="usb"\n'
        (folder / PRETEND).write_text(rule)
    return folder


@pytest.fixture
def image(tmp_path: Path) -> Path:
    path = tmp_path / "stick.img"
    path.write_bytes(b"\0" * (4 * 1024 * 1024))
    return path


def test_udev_leaves_a_disk_that_is_not_usb_alone(
    loops: Loops, image: Path, tmp_path: Path
) -> None:
    name = Path(loops.attach(image, "-r")).name
    outcome = udevadm_test("add", name, rules_dir(tmp_path, []), [name])
    assert outcome.properties["DEVNAME"] == f"/dev/{name}"  # the engine did run on it
    assert "ID_BUS" not in outcome.properties
    assert "SYSTEMD_WANTS" not in outcome.properties
    assert not any("blockdev" in run for run in outcome.runs)


@pytest.mark.parametrize("action", ["add", "change"])
def test_udev_makes_a_usb_disk_read_only_and_wants_its_intake(
    loops: Loops, image: Path, tmp_path: Path, action: str
) -> None:
    node = loops.attach(image, "-r")
    name = Path(node).name
    outcome = udevadm_test(action, name, rules_dir(tmp_path, [name]), [name])
    assert outcome.properties["ID_BUS"] == "usb"
    assert outcome.runs == [f"/usr/sbin/blockdev --setro {node}"]
    assert outcome.properties["SYSTEMD_WANTS"] == f"appliance-intake@{name}.service"
    assert ":systemd:" in outcome.properties["TAGS"]
    assert "SYSTEMD_READY" not in outcome.properties


def test_udev_does_nothing_when_a_usb_disk_is_removed(
    loops: Loops, image: Path, tmp_path: Path
) -> None:
    name = Path(loops.attach(image, "-r")).name
    outcome = udevadm_test("remove", name, rules_dir(tmp_path, [name]), [name])
    assert outcome.runs == []
    assert "SYSTEMD_WANTS" not in outcome.properties


def test_udev_holds_back_an_empty_card_reader(loops: Loops, tmp_path: Path) -> None:
    empty = tmp_path / "empty.img"
    empty.write_bytes(b"")
    name = Path(loops.attach(empty, "-r")).name
    assert (Path("/sys/class/block") / name / "size").read_text().strip() == "0"
    outcome = udevadm_test("add", name, rules_dir(tmp_path, [name]), [name])
    assert outcome.properties["SYSTEMD_READY"] == "0"
    assert outcome.properties["SYSTEMD_WANTS"] == f"appliance-intake@{name}.service"


def test_udev_makes_a_usb_partition_read_only_without_a_second_intake(
    loops: Loops, image: Path, tmp_path: Path
) -> None:
    for tool in ("sfdisk", "partx"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed")
    table = "label: dos\nstart=2048, type=c\n"
    subprocess.run(["sfdisk", "-q", str(image)], input=table, text=True, check=True)
    node = loops.attach(image, "-r", "-P")
    name = Path(node).name
    # Added through BLKPG from user space, which works even in kernels built without partition
    # table parsers.
    subprocess.run(["partx", "-a", node], capture_output=True)
    part = f"{name}p1"
    if not (Path("/sys/class/block") / part).exists():
        pytest.skip("this kernel made no partition device for the loop device")
    outcome = udevadm_test("add", part, rules_dir(tmp_path, [name, part]), [name, part])
    assert outcome.properties["DEVTYPE"] == "partition"
    assert outcome.runs == [f"/usr/sbin/blockdev --setro /dev/{part}"]
    assert "SYSTEMD_WANTS" not in outcome.properties


def test_the_command_udev_runs_really_makes_the_disk_read_only(
    loops: Loops, image: Path, tmp_path: Path
) -> None:
    node = loops.attach(image)  # attached writable: read-only must come from the rule
    name = Path(node).name
    ro = Path("/sys/class/block") / name / "ro"
    # The flag outlives a detach: clear what an earlier user of this loop device left, and
    # clear ours afterwards, so no one else gets a read-only loop device from this test.
    subprocess.run(["blockdev", "--setrw", node], check=True)
    try:
        assert ro.read_text().strip() == "0"
        outcome = udevadm_test("add", name, rules_dir(tmp_path, [name]), [name])
        # udevadm test lists RUN programs without running them; run exactly what it listed.
        assert outcome.runs == [f"/usr/sbin/blockdev --setro {node}"]
        for command in outcome.runs:
            subprocess.run(shlex.split(command), check=True)
        assert ro.read_text().strip() == "1"
        with pytest.raises(OSError):
            descriptor = os.open(node, os.O_WRONLY)
            try:
                os.write(descriptor, b"\xff" * 512)
            finally:
                os.close(descriptor)
        assert image.read_bytes()[:512] == b"\0" * 512
    finally:
        subprocess.run(["blockdev", "--setrw", node], check=True)
