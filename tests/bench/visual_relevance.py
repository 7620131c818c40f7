"""Does a scene's picture show what its line says? (a script that prints figures, not a test)

tests/data/visual_relevance_lines.json holds 100 scene lines (50 English, 50 Chinese: food, study, money,
travel, pets, weather, fitness, work, tech), each with the emoji pictures a person would accept; it was
committed before the matcher existed (71c73b7). tests/data/visual_relevance_heldout.json (40 lines, other
everyday topics) was committed before the picture words were tuned, to check lines nothing was tuned on.

Per line: the embedded LLM names what to show (in English, five lines per call, as the pipeline asks per
plan), then the matcher ranks the offline illustration index. A pick counts when its emoji, or the first
part of a sequence (🐈‍⬛ is a cat, 🏃‍♀️ a runner), is one the person accepted.

Prints a row per miss, writes a contact sheet PNG of the picks, and a last JSON line:
{"top1_en", "top1_zh", "top3_en", "top3_zh", "n"}.

    python tests/bench/visual_relevance.py [--file F] [--no-terms] [--terms CACHE.json] [--sheet OUT.png]
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from reelcraft.config import Settings
from reelcraft.media.fonts import find_caption_font
from reelcraft.media.illustration_index import ensure_index
from reelcraft.media.illustrations import DEFAULT_SET, library_dir, load_catalog, plain_emoji, render_png, svg_of
from reelcraft.tools.deps import Deps
from reelcraft.tools.visual_match import picture_terms, rank_concepts

LINES = Path(__file__).resolve().parents[1] / "data" / "visual_relevance_lines.json"
BATCH = 5


def _arg(name: str, default: str | None = None) -> str | None:
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


def accepted(emoji: str, accept: list[str]) -> bool:
    wanted = {plain_emoji(a) for a in accept}
    return emoji in wanted or emoji.split("\u200d")[0] in wanted


def _terms(rows: list[dict], deps: Deps, cache: Path | None) -> dict[str, list[str]]:
    known: dict[str, list[str]] = json.loads(cache.read_text(encoding="utf-8")) if cache and cache.exists() else {}
    for language in ("en", "zh"):
        todo = [r for r in rows if r["language"] == language and r["id"] not in known]
        for start in range(0, len(todo), BATCH):
            batch = todo[start : start + BATCH]
            for row, found in zip(batch, picture_terms([r["line"] for r in batch], language, deps), strict=True):
                known[row["id"]] = found
    if cache:
        cache.write_text(json.dumps(known, ensure_ascii=False, indent=1), encoding="utf-8")
    return known


def _sheet(results: list[tuple[dict, list[tuple[str, float]]]], root: Path, out: Path) -> None:
    """Two columns of rows: the line, then its top three pictures with scores; green when accepted."""
    catalog = {item.emoji: item for item in load_catalog(root, DEFAULT_SET)}
    font = ImageFont.truetype(str(find_caption_font().path), 18)
    sprite, row_h, col_w = 72, 96, 900
    rows = (len(results) + 1) // 2
    sheet = Image.new("RGB", (col_w * 2, row_h * rows), "white")
    draw = ImageDraw.Draw(sheet)
    with tempfile.TemporaryDirectory() as tmp:
        for k, (row, picks) in enumerate(results):
            x0, y0 = (k // rows) * col_w, (k % rows) * row_h
            draw.text((x0 + 8, y0 + 8), row["line"][:46], fill="black", font=font)
            for j, (emoji, score) in enumerate(picks[:3]):
                x = x0 + 480 + j * 140
                good = accepted(emoji, row["accept"])
                draw.rectangle((x - 4, y0 + 4, x + sprite + 4, y0 + sprite + 12), outline="green" if good else "red",
                               width=3)  # fmt: skip
                if emoji in catalog:
                    png = render_png(svg_of(root, catalog[emoji]), sprite, Path(tmp) / f"{k}-{j}.png")
                    with Image.open(png) as img:
                        sheet.paste(img, (x, y0 + 8), img)
                draw.text((x + sprite + 8, y0 + 30), f"{score:.2f}", fill="black", font=font)
    sheet.save(out)


def main() -> None:
    path = Path(_arg("--file") or LINES)
    rows = json.loads(path.read_text(encoding="utf-8"))
    settings = Settings(home=Path(tempfile.mkdtemp(prefix="reelcraft-visuals-")), models_home=Settings().models_dir)
    deps = Deps.from_settings(settings)
    root = library_dir(settings.models_dir)
    embedder = deps.embedder()
    index = ensure_index(root, embedder, on_rebuild=print)
    started = time.perf_counter()
    cache = _arg("--terms")
    terms = {} if "--no-terms" in sys.argv else _terms(rows, deps, Path(cache) if cache else None)
    terms_s = time.perf_counter() - started
    hits: dict[str, list[tuple[bool, bool]]] = {"en": [], "zh": []}
    results = []
    for row in rows:
        ranked = rank_concepts(row["line"], row["language"], index, embedder, terms=terms.get(row["id"]))
        picks = [(concept.emoji, score) for concept, score in ranked]
        top1 = bool(picks) and accepted(picks[0][0], row["accept"])
        top3 = any(accepted(emoji, row["accept"]) for emoji, _ in picks[:3])
        hits[row["language"]].append((top1, top3))
        results.append((row, picks))
        if not top1:
            shown = " ".join(f"{e} {s:.2f}" for e, s in picks[:3])
            want = "".join(row["accept"])
            print(f"miss {row['id']}: {row['line']} | terms {terms.get(row['id'])} | {shown} | want {want}")
    sheet = Path(_arg("--sheet") or f"/tmp/visual_relevance-{path.stem}.png")
    _sheet(results, root, sheet)
    print(f"contact sheet: {sheet}; picture terms took {terms_s:.0f} s for {len(rows)} lines")

    def share(language: str, k: int) -> float:
        found = hits[language]
        return round(sum(h[k] for h in found) / len(found), 3) if found else 0.0

    print(json.dumps({"top1_en": share("en", 0), "top1_zh": share("zh", 0), "top3_en": share("en", 1),
                      "top3_zh": share("zh", 1), "n": len(rows)}))  # fmt: skip


if __name__ == "__main__":
    main()
