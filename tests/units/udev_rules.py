"""A small reader for udev rule files: syntax as udev(7) of systemd 252 defines it, and an
evaluator for the match keys the appliance's rule uses.

udev 252 has no `udevadm verify` (it came in 254), so the syntax is checked here: each rule is
comma-separated KEY[{attribute}] OPERATOR "value" pairs, match operators only on match keys,
assignment operators only on assignment keys.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

# udev(7), systemd 252.
MATCH_ONLY = {
    "ACTION",
    "DEVPATH",
    "KERNEL",
    "KERNELS",
    "SUBSYSTEM",
    "SUBSYSTEMS",
    "DRIVER",
    "DRIVERS",
    "ATTRS",
    "TAGS",
    "TEST",
    "PROGRAM",
    "RESULT",
    "CONST",
}
ASSIGN_ONLY = {"OWNER", "GROUP", "MODE", "SECLABEL", "OPTIONS", "IMPORT", "RUN", "LABEL", "GOTO"}
EITHER = {"NAME", "SYMLINK", "ATTR", "SYSCTL", "ENV", "TAG"}
WITH_ATTRIBUTE = {"ATTR", "ATTRS", "SYSCTL", "ENV", "TEST", "IMPORT", "RUN", "SECLABEL", "CONST"}
MATCH_OPS = {"==", "!="}
ASSIGN_OPS = {"=", "+=", "-=", ":="}

PAIR = re.compile(
    r"""\s*(?P<key>[A-Z_]+)(?:\{(?P<attr>[^}]+)\})?\s*(?P<op>==|!=|\+=|-=|:=|=)\s*"""
    r""""(?P<value>(?:[^"\\]|\\.)*)"\s*(?P<sep>,|$)"""
)


class RuleSyntaxError(ValueError):
    pass


@dataclass(frozen=True)
class Pair:
    key: str
    attr: str | None
    op: str
    value: str

    @property
    def name(self) -> str:
        return f"{self.key}{{{self.attr}}}" if self.attr else self.key

    @property
    def is_match(self) -> bool:
        return self.op in MATCH_OPS


@dataclass(frozen=True)
class Rule:
    line: int
    pairs: tuple[Pair, ...]

    def matches(self) -> list[Pair]:
        return [pair for pair in self.pairs if pair.is_match]

    def assignments(self) -> list[Pair]:
        return [pair for pair in self.pairs if not pair.is_match]

    def find(self, name: str) -> list[Pair]:
        return [pair for pair in self.pairs if pair.name == name]


def read_rules(path: Path) -> list[Rule]:
    """Every rule in the file, continuation lines joined; raises RuleSyntaxError on any fault."""
    rules: list[Rule] = []
    pending = ""
    start = 0
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not pending:
            start = number
            if not raw.strip() or raw.lstrip().startswith("#"):
                continue
        if raw.endswith("\\"):
            pending += raw[:-1]
            continue
        rules.append(parse_rule(pending + raw, start))
        pending = ""
    if pending:
        raise RuleSyntaxError(f"line {start}: file ends inside a continued line")
    return rules


def parse_rule(text: str, line: int) -> Rule:
    pairs: list[Pair] = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        found = PAIR.match(text, position)
        if found is None:
            raise RuleSyntaxError(f"line {line}: cannot read {text[position:]!r}")
        pair = Pair(found["key"], found["attr"], found["op"], found["value"])
        _check(pair, line)
        pairs.append(pair)
        position = found.end()
        if found["sep"] == "" and position < len(text):
            raise RuleSyntaxError(f"line {line}: missing comma before {text[position:]!r}")
    if not pairs:
        raise RuleSyntaxError(f"line {line}: empty rule")
    return Rule(line, tuple(pairs))


def _check(pair: Pair, line: int) -> None:
    known = MATCH_ONLY | ASSIGN_ONLY | EITHER
    if pair.key not in known:
        raise RuleSyntaxError(f"line {line}: unknown key {pair.key}")
    if pair.key in MATCH_ONLY and pair.op not in MATCH_OPS:
        raise RuleSyntaxError(f"line {line}: {pair.key} can only be matched, not assigned")
    if pair.key in ASSIGN_ONLY and pair.op not in ASSIGN_OPS:
        raise RuleSyntaxError(f"line {line}: {pair.key} can only be assigned, not matched")
    if pair.attr is not None and pair.key not in WITH_ATTRIBUTE:
        raise RuleSyntaxError(f"line {line}: {pair.key} takes no {{attribute}}")
    if pair.key in {"ATTR", "ATTRS", "ENV", "SYSCTL", "CONST"} and pair.attr is None:
        raise RuleSyntaxError(f"line {line}: {pair.key} needs an {{attribute}}")


def rule_applies(rule: Rule, event: Mapping[str, str], attributes: Mapping[str, str]) -> bool:
    """Whether all of a rule's match keys hold for an event (ACTION, SUBSYSTEM, ENV{}, ATTR{}).

    Values are shell-style patterns with | between alternatives, as in udev."""
    for pair in rule.matches():
        if pair.key == "ENV":
            actual = event.get(pair.attr or "", "")
        elif pair.key == "ATTR":
            actual = attributes.get(pair.attr or "", "")
        elif pair.key in {"ACTION", "SUBSYSTEM"}:
            actual = event.get(pair.key, "")
        else:
            raise NotImplementedError(f"line {rule.line}: no evaluator for {pair.name}")
        hit = any(fnmatch.fnmatchcase(actual, one) for one in pair.value.split("|"))
        if hit != (pair.op == "=="):
            return False
    return True
