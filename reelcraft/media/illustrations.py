"""The offline illustration library: packaged, permissively licensed vector emoji art with English and
Chinese keywords, rendered to PNG sprites on demand.

Pictures come from npm packages installed into the shared models folder at install time
(`scripts/setup_illustrations.sh`): the Iconify JSON of Google's Noto Emoji (Apache-2.0) and Microsoft's
Fluent Emoji Flat (MIT), joined by code point with emojibase-data's CLDR labels and tags in English and
Chinese (MIT). No text-to-image model ships offline (docs/visuals.md), so these are what an offline scene
can show. A video uses one set throughout, so its look stays consistent.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from reelcraft.errors import VisualsError


@dataclass(frozen=True)
class IllustrationSet:
    name: str
    package: str
    version: str
    title: str
    licence: str
    author: str
    url: str


ILLUSTRATION_SETS = {
    "noto": IllustrationSet("noto", "@iconify-json/noto", "1.2.9", "Noto Emoji", "Apache-2.0", "Google Inc",
                            "https://github.com/googlefonts/noto-emoji"),
    "fluent-flat": IllustrationSet("fluent-flat", "@iconify-json/fluent-emoji-flat", "1.2.6", "Fluent Emoji Flat",
                                   "MIT", "Microsoft Corporation", "https://github.com/microsoft/fluentui-emoji"),
}  # fmt: skip
DEFAULT_SET = "noto"
KEYWORDS_PACKAGE = ("emojibase-data", "17.0.0")
"""CLDR labels and tags per emoji in 30 languages (MIT): the words each picture is matched on."""
KEYWORDS_ATTRIBUTION = "Emoji labels and tags: emojibase-data (MIT), from Unicode CLDR (Unicode License v3)"
_VARIATION = re.compile("[\ufe0e\ufe0f]")


@dataclass(frozen=True)
class Illustration:
    id: str
    """'noto:hot-beverage': the set and the icon's name in it."""
    set: str
    emoji: str
    """The Unicode character(s) it draws, without variation selectors."""
    base: str
    """The emoji without skin tone: its variants share the base's keywords and index vector."""
    label_en: str
    tags_en: tuple[str, ...]
    label_zh: str
    tags_zh: tuple[str, ...]
    words_en: tuple[str, ...] = ()
    """Everyday words for the picture beyond CLDR's tags (data/picture_words.tsv): matched as words only."""
    words_zh: tuple[str, ...] = ()
    group: str = ""
    """emojibase's group ('food-drink', 'objects', 'symbols'…): signs and symbols are not scene pictures."""
    subgroup: str = ""

    def keywords(self, language: str) -> str:
        """What the embedder reads: the label first (it names the picture), then the tags."""
        label, tags = (self.label_zh, self.tags_zh) if language == "zh" else (self.label_en, self.tags_en)
        return f"{label}: {', '.join(tags)}" if tags else label


def plain_emoji(text: str) -> str:
    """An emoji as compared here: without the variation selectors that some data files keep."""
    return _VARIATION.sub("", text)


def library_dir(models_dir: Path) -> Path:
    return models_dir / "illustrations"


def _package_dir(root: Path, package: str) -> Path:
    return root / "node_modules" / package


def missing_packages(root: Path) -> list[str]:
    """Packages the library needs that are not installed under `root` (as `name@version`)."""
    wanted = [(s.package, s.version) for s in ILLUSTRATION_SETS.values()] + [KEYWORDS_PACKAGE]
    return [f"{name}@{version}" for name, version in wanted
            if not (_package_dir(root, name) / "package.json").is_file()]  # fmt: skip


def _read_json(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise VisualsError(
            f"illustration data {path} cannot be read ({type(exc).__name__})",
            "reinstall the illustration library: bash scripts/setup_illustrations.sh",
        ) from exc


def _keywords(root: Path, language: str) -> dict[str, dict]:
    """Hexcode (upper case, no FE0F) → emojibase entry, skin-tone variants included, with group names."""
    folder = _package_dir(root, KEYWORDS_PACKAGE[0])
    data = _read_json(folder / language / "data.json")
    messages = _read_json(folder / "en" / "messages.json")
    names = {kind: {g["order"]: g["key"] for g in messages.get(kind, [])} if isinstance(messages, dict) else {}
             for kind in ("groups", "subgroups")}  # fmt: skip
    out: dict[str, dict] = {}
    for entry in data if isinstance(data, list) else []:
        where = {"group": names["groups"].get(entry.get("group"), ""),
                 "subgroup": names["subgroups"].get(entry.get("subgroup"), "")}  # fmt: skip
        for item in [entry, *entry.get("skins", [])]:
            out[_hexcode(item["hexcode"])] = {**item, **where, "base": entry["hexcode"], "tags": entry.get("tags", [])}
    return out


PICTURE_WORDS = Path(__file__).with_name("data") / "picture_words.tsv"


@lru_cache(maxsize=1)
def picture_words() -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """emoji → (English words, Chinese words) that creators use for what it draws, beyond CLDR's tags."""
    out: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    for line in PICTURE_WORDS.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            emoji, english, chinese = line.split("\t")
            split = lambda text: tuple(w.strip() for w in text.split(",") if w.strip())  # noqa: E731
            out[plain_emoji(emoji)] = (split(english), split(chinese))
    return out


def _hexcode(code: str) -> str:
    return "-".join(part for part in code.upper().split("-") if part != "FE0F")


@lru_cache(maxsize=4)
def load_catalog(root: Path, set_name: str = DEFAULT_SET) -> tuple[Illustration, ...]:
    """Every picture of one set that has keywords in both languages, in the package's order."""
    if set_name not in ILLUSTRATION_SETS:
        raise VisualsError(f"unknown illustration set {set_name!r}", f"use one of: {', '.join(ILLUSTRATION_SETS)}")
    if missing := missing_packages(root):
        raise VisualsError(
            f"the illustration library is not installed ({', '.join(missing)} missing in {root})",
            "run `make install` (or bash scripts/setup_illustrations.sh)",
        )
    package = _package_dir(root, ILLUSTRATION_SETS[set_name].package)
    chars = _read_json(package / "chars.json")
    english, chinese = _keywords(root, "en"), _keywords(root, "zh")
    found: list[Illustration] = []
    seen: set[str] = set()
    extra = picture_words()
    for code, name in chars.items() if isinstance(chars, dict) else []:
        hexcode = _hexcode(code)
        en, zh = english.get(hexcode), chinese.get(hexcode)
        if en is None or zh is None or name in seen:
            continue
        seen.add(name)
        base = (
            plain_emoji(english[_hexcode(en["base"])]["emoji"])
            if _hexcode(en["base"]) in english
            else plain_emoji(en["emoji"])
        )
        more_en, more_zh = extra.get(base, ((), ()))
        found.append(Illustration(
            id=f"{set_name}:{name}", set=set_name, emoji=plain_emoji(en["emoji"]), base=base,
            label_en=en["label"], tags_en=tuple(en["tags"]), label_zh=zh["label"], tags_zh=tuple(zh["tags"]),
            words_en=more_en, words_zh=more_zh,
            group=en["group"], subgroup=en["subgroup"],
        ))  # fmt: skip
    return tuple(found)


@lru_cache(maxsize=2)
def _icons(root: Path, set_name: str) -> dict:
    data = _read_json(_package_dir(root, ILLUSTRATION_SETS[set_name].package) / "icons.json")
    if not isinstance(data, dict) or "icons" not in data:
        raise VisualsError(f"{set_name} icons.json has no icons", "reinstall: bash scripts/setup_illustrations.sh")
    return data


def svg_of(root: Path, illustration: Illustration) -> str:
    """The picture as a standalone SVG document (Iconify keeps only bodies, sizes and aliases)."""
    data = _icons(root, illustration.set)
    name = illustration.id.split(":", 1)[1]
    icon = data["icons"].get(name)
    while icon is None and name in data.get("aliases", {}):
        name = data["aliases"][name]["parent"]
        icon = data["icons"].get(name)
    if icon is None:
        raise VisualsError(f"illustration {illustration.id} has no drawing", "pick another illustration")
    width, height = icon.get("width", data.get("width", 16)), icon.get("height", data.get("height", 16))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">{icon["body"]}</svg>'
    )


def render_png(svg: str, size: int, out: Path) -> Path:
    """Rasterise an SVG to a square RGBA PNG of `size` pixels (into a cache folder, which is made atomically)."""
    import cairosvg

    try:
        png = cairosvg.svg2png(bytestring=svg.encode("utf-8"), output_width=size, output_height=size)
    except Exception as exc:  # cairosvg raises many types for bad input: name the stage either way
        raise VisualsError(
            f"an illustration failed to render ({type(exc).__name__}: {str(exc)[:80]})",
            "pick another illustration; the scene falls back to its background",
        ) from exc
    if not png:
        raise VisualsError("an illustration rendered to nothing", "pick another illustration")
    out.write_bytes(png)
    return out


def attribution(set_names: set[str]) -> list[str]:
    """The lines a draft's credits carry for the sets it used."""
    lines = [f"{s.title} by {s.author} ({s.licence}), {s.url}" for n, s in ILLUSTRATION_SETS.items()
             if n in set_names]  # fmt: skip
    return [*lines, KEYWORDS_ATTRIBUTION] if lines else []
