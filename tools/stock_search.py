"""Scenes nothing of the creator's fits, shown with stock footage or a generated image when a provider is
configured: English search terms (the model writes them, even for a Chinese video), videos first, then
photos, then one generated image; every candidate ranked by the same scorer as the creator's media.
A provider that fails is warned about by name and skipped for the rest of the video; the scene falls
back to the offline pictures. Downloads are cached by URL."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlparse

from reelcraft.errors import ReelcraftError
from reelcraft.language import CJK_IDEOGRAPH
from reelcraft.stock import ProviderError, StockItem, download, generate_image, search_pexels, search_pixabay
from reelcraft.storage.cache import hash_inputs
from reelcraft.tools.deps import Deps

if TYPE_CHECKING:
    from reelcraft.tools.visuals import SceneVisualSpec, VisualsInput, _Media

DOWNLOADS_PER_SEARCH = 2
"""Candidates fetched per search: a portrait HD clip is 5–20 MB."""
Found = tuple["_Media", float, float, str, Literal["stock", "ai_image"]]
"""(the file, its score, where a clip starts, its credit line, where it came from)."""


def find_stock(numbers: list[int], inp: VisualsInput, providers: list[str], deps: Deps) -> dict[int, Found]:
    """Scene number → the stock or generated picture that shows it, for the scenes that get one."""
    scenes = [inp.scenes[n] for n in numbers]
    queries = search_terms(scenes, deps)
    failed: set[str] = set()
    used: set[str] = set()
    out: dict[int, Found] = {}
    for number, spec, query in zip(numbers, scenes, queries, strict=True):
        deps.progress("visuals", f"searching stock for scene {number + 1}: {query}")
        found = None
        for kind in ("video", "image"):
            candidates = []
            for provider in (p for p in providers if p in ("pexels", "pixabay") and p not in failed):
                try:
                    items = _search(provider, query, kind, deps)  # type: ignore[arg-type]
                    fresh = [i for i in items if hash_inputs("stock_file", _file_key(i)) not in used]
                    fresh = fresh[:DOWNLOADS_PER_SEARCH]
                    candidates += [(item, media) for item in fresh if (media := _fetch(item, deps)) is not None]
                except ProviderError as exc:
                    failed.add(provider)
                    deps.warn("visuals", f"{exc.message}; {exc.fix}")
            found = _best(spec, candidates, deps)
            if found is not None:
                break
        if found is None and "image generation" in providers and "image generation" not in failed:
            try:
                found = _generated(spec, query, deps)
            except ProviderError as exc:
                failed.add("image generation")
                deps.warn("visuals", f"{exc.message}; {exc.fix}")
        if found is not None:
            used.add(found[0].path.parent.name)  # one file, one scene (its cache folder names its URL)
            out[number] = found
    return out


def search_terms(scenes: list[SceneVisualSpec], deps: Deps) -> list[str]:
    """An English query per scene: the model's picture terms, else the scene's lead picture's English name
    (the picture library reads Chinese), else its own words."""
    from reelcraft.tools.visual_match import picture_terms

    lines = [s.narration or s.description or s.keywords for s in scenes]
    chinese = any(CJK_IDEOGRAPH.search(line) for line in lines)
    terms = picture_terms(lines, "zh" if chinese else "en", deps)
    queries = []
    for line, found in zip(lines, terms, strict=True):
        if found:
            queries.append(" ".join(found[:2]))
        elif not CJK_IDEOGRAPH.search(line):
            queries.append(line[:80])
        else:
            queries.append(_library_name(line, deps) or line[:40])
    return queries


def _library_name(line: str, deps: Deps) -> str | None:
    from reelcraft.media.illustration_index import ensure_index
    from reelcraft.media.illustrations import library_dir
    from reelcraft.tools.visual_match import rank_concepts

    try:
        index = ensure_index(library_dir(deps.settings.models_dir), deps.embedder())
    except ReelcraftError:
        return None
    ranked = rank_concepts(line, "zh", index, deps.embedder(), top=1)
    return ranked[0][0].label_en if ranked else None


def _search(provider: Literal["pexels", "pixabay"], query: str, kind: Literal["video", "image"],
            deps: Deps) -> list[StockItem]:  # fmt: skip
    cfg = deps.settings.stock
    if provider == "pexels":
        return search_pexels(query, kind, cfg.pexels_key.get_secret_value(), base_url=cfg.pexels_url,
                             per_page=cfg.per_search, timeout_s=cfg.timeout_s)  # fmt: skip
    return search_pixabay(query, kind, cfg.pixabay_key.get_secret_value(), base_url=cfg.pixabay_url,
                          per_page=cfg.per_search, timeout_s=cfg.timeout_s)  # fmt: skip


def _fetch(item: StockItem, deps: Deps) -> _Media | None:
    """The item's file, downloaded once (cached by URL) and checked; None when it will not download or open."""
    from reelcraft.tools.visuals import read_media

    suffix = Path(urlparse(item.url).path).suffix.lower() or (".mp4" if item.kind == "video" else ".jpg")
    name = f"{item.id}{suffix if len(suffix) <= 5 else ''}"  # no words in the name: the description has them
    try:
        _, folder = deps.cache.get_or_make("stock_file", _file_key(item), lambda f: download(item, f / name))
    except ProviderError as exc:
        deps.warn("visuals", f"{exc.message}; skipping it")
        return None
    checked, reason = read_media(folder / name)
    if checked is None:
        deps.warn("visuals", f"{item.provider} file {item.id} is unusable ({reason}); skipping it")
        return None
    return checked


def _file_key(item: StockItem) -> dict[str, object]:
    return {"url": item.url, "v": 1}


def _best(spec: SceneVisualSpec, checked: list[tuple[StockItem, _Media]], deps: Deps) -> Found | None:
    from reelcraft.tools.media_match import best_start, media_scores, profile_media
    from reelcraft.tools.visuals import MEDIA_FLOOR

    if not checked:
        return None
    profiles = profile_media([(m.path, m.digest, m.kind, m.duration) for _, m in checked], deps)
    scores, views = media_scores([[spec.narration, spec.description, spec.keywords]], profiles,
                                 [m.path.name for _, m in checked], deps.embedder(),
                                 notes=[item.description for item, _ in checked])  # fmt: skip
    best = int(scores[0].argmax())
    if scores[0, best] < MEDIA_FLOOR:
        return None
    item, media = checked[best]
    start = best_start(profiles[best], int(views[0, best]), spec.duration)
    return media, round(float(scores[0, best]), 3), start, item.credit(), "stock"


def _generated(spec: SceneVisualSpec, query: str, deps: Deps) -> Found | None:
    """One image made for the scene; kept whatever its score (it was drawn for this line), which is shown."""
    from reelcraft.tools.media_match import media_scores, profile_media
    from reelcraft.tools.visuals import read_media

    cfg = deps.settings.stock
    prompt = f"{query}. Vertical photo for a short video, no text."
    deps.progress("visuals", f"generating an image: {query}")
    _, folder = deps.cache.get_or_make(
        "generated_image", {"prompt": prompt, "url": cfg.image_url, "model": cfg.image_model, "v": 1},
        lambda f: (f / "image.png").write_bytes(generate_image(prompt, base_url=cfg.image_url,
                                                               api_key=cfg.image_key.get_secret_value(),
                                                               model=cfg.image_model, timeout_s=cfg.timeout_s * 4)),
    )  # fmt: skip
    media, reason = read_media(folder / "image.png")
    if media is None:
        raise ProviderError("image generation", f"answered an image that does not open ({reason})")
    profiles = profile_media([(media.path, media.digest, "image", None)], deps)
    scores, _ = media_scores([[spec.narration, spec.description, spec.keywords]], profiles, [media.path.name],
                             deps.embedder(), notes=[query])  # fmt: skip
    credit = f"Image generated by {cfg.image_model} at {urlparse(cfg.image_url).netloc or cfg.image_url}"
    return media, round(float(scores[0, 0]), 3), 0.0, credit, "ai_image"
