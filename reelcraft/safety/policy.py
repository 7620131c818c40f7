"""Moderation policies: a platform preset (data/policies.toml), or a team's own file built on one.

A team's file, kept with its brand kit, looks like:

    [policy]
    name = "acme"
    extends = "douyin"          # a preset: tiktok, reels, shorts, douyin, bilibili
    [severity]
    claims = "block"            # a whole category…
    "personal_data.phone" = "off"   # …or one rule in it
    [terms]
    block = ["rival brand"]     # the team's own words, in any language
    warn = ["cheapest"]
    allow = ["killer deal"]     # never flagged

Every error names the line to fix.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, Field

from reelcraft.errors import ModerationError
from reelcraft.plan import Platform, SafetyCategory, Severity

Setting = Severity | Literal["off"]
PRESETS = ("tiktok", "reels", "shorts", "douyin", "bilibili")
PLATFORM_POLICIES: dict[Platform, str] = {
    Platform.TIKTOK: "tiktok", Platform.REELS: "reels", Platform.SHORTS: "shorts", Platform.SQUARE: "reels",
    Platform.LANDSCAPE: "shorts",
}  # fmt: skip
MAX_FIX_TRIES = 5


class Policy(BaseModel):
    """How each category weighs, and a team's own words."""

    name: str
    description: str = ""
    severity: dict[str, Setting] = Field(default_factory=dict)
    """Category, or category.rule, → block / fix / warn / off."""
    block_terms: list[str] = Field(default_factory=list)
    warn_terms: list[str] = Field(default_factory=list)
    allow_terms: list[str] = Field(default_factory=list)
    fix_tries: int = Field(default=2, ge=0, le=MAX_FIX_TRIES)
    """How many times the writer may rewrite a span before it is reported as a block."""
    semantic: bool = True
    """Let the embedder flag (as warn) texts the lexicons passed."""

    def setting(self, category: SafetyCategory, rule_id: str, severity: Severity) -> Setting:
        """The severity a finding gets under this policy (minors: always block)."""
        if category == SafetyCategory.MINORS:
            return Severity.BLOCK
        return self.severity.get(f"{category.value}.{rule_id}", self.severity.get(category.value, severity))


@lru_cache(maxsize=1)
def _presets() -> dict[str, dict[str, object]]:
    text = resources.files("reelcraft.safety").joinpath("data", "policies.toml").read_text("utf-8")
    return tomllib.loads(text)


def preset(name: str) -> Policy:
    """A platform's preset by name (tiktok, reels, shorts, douyin, bilibili)."""
    key = name.strip().lower()
    key = {"instagram": "reels", "youtube": "shorts", "youtube_shorts": "shorts", "抖音": "douyin", "b站": "bilibili",
           "square": "reels", "landscape": "shorts"}.get(key, key)  # fmt: skip
    data = _presets().get(key)
    if data is None:
        raise ModerationError(f"no moderation policy called '{name}'", f"use one of: {', '.join(PRESETS)}")
    return Policy(name=key, description=str(data.get("description", "")), severity=dict(data.get("severity", {})))  # type: ignore[arg-type]


def platform_policy(platform: Platform) -> Policy:
    return preset(PLATFORM_POLICIES[platform])


def _line_of(text: str, needle: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    return 1


def read_policy(text: str, source: str = "policy.toml") -> Policy:
    """A team's policy file, checked: every problem names its line."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ModerationError(f"{source} does not parse: {exc}", "fix that line (docs/moderation.md has an example)") \
            from exc  # fmt: skip
    unknown = set(data) - {"policy", "severity", "terms"}
    if unknown:
        key = sorted(unknown)[0]
        raise ModerationError(f"{source} line {_line_of(text, key)}: unknown table or key '{key}'",
                              "use [policy], [severity] and [terms]")  # fmt: skip
    head = data.get("policy", {})
    if not isinstance(head, dict):
        raise ModerationError(f"{source} line {_line_of(text, 'policy')}: 'policy' must be a table", "write [policy]")
    base = preset(str(head.get("extends", "tiktok")))
    severity = dict(base.severity)
    categories = {c.value for c in SafetyCategory}
    for key, value in dict(data.get("severity", {})).items():
        line = _line_of(text, key)
        if key.split(".")[0] not in categories:
            raise ModerationError(f"{source} line {line}: '{key}' is not a category",
                                  f"use one of: {', '.join(sorted(categories))} (or category.rule)")  # fmt: skip
        if value not in ("block", "fix", "warn", "off"):
            raise ModerationError(f"{source} line {line}: '{key} = {value!r}' is not a severity",
                                  "use block, fix, warn or off")  # fmt: skip
        severity[key] = value
    terms = data.get("terms", {})
    lists: dict[str, list[str]] = {}
    for kind in ("block", "warn", "allow"):
        values = terms.get(kind, [])
        if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
            raise ModerationError(f"{source} line {_line_of(text, kind)}: terms.{kind} must be a list of words",
                                  f'write {kind} = ["word", "another phrase"]')  # fmt: skip
        lists[kind] = [v.strip() for v in values]
    semantic = head.get("semantic", True)
    if not isinstance(semantic, bool):
        raise ModerationError(f"{source} line {_line_of(text, 'semantic')}: semantic must be true or false",
                              "write semantic = true")  # fmt: skip
    tries = head.get("fix_tries", 2)
    if not isinstance(tries, int) or not 0 <= tries <= MAX_FIX_TRIES:
        raise ModerationError(f"{source} line {_line_of(text, 'fix_tries')}: fix_tries must be 0–{MAX_FIX_TRIES}",
                              "give a small whole number")  # fmt: skip
    return Policy(name=str(head.get("name", "team")), description=str(head.get("description", base.description)),
                  severity=severity, block_terms=lists["block"], warn_terms=lists["warn"],
                  allow_terms=lists["allow"], fix_tries=tries, semantic=semantic)  # fmt: skip
