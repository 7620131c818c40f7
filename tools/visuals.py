"""Visuals tool: what every scene shows, and how well (a calibrated relevance, 0.5 = a person would call it
a fit). Sources in order: the file the creator chose for a scene; the creator's photos and clips, ranked by
what they show (tools/media_match.py); stock or a generated image when a provider is configured
(tools/stock_search.py); then our own background (GAN latent walk or gradient card) with 1–3 illustrations
matched to the line (tools/visual_match.py), its key figure as a sticker, timed to the music's beats.

Broken files never stop a video: they are skipped with a warning that names them.
"""

from __future__ import annotations

import hashlib
import math
import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np
from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError
from pydantic import BaseModel, Field

from reelcraft.edit.layout import picture_slots
from reelcraft.edit.timeline import Sprite
from reelcraft.errors import ReelcraftError, VisualsError
from reelcraft.media.colour import warm_shift
from reelcraft.media.fonts import find_caption_font
from reelcraft.media.illustration_index import IllustrationIndex, ensure_index
from reelcraft.media.illustrations import DEFAULT_SET, Illustration, attribution, library_dir, load_catalog, svg_of
from reelcraft.media.probe import IMAGE_SUFFIXES, VIDEO_SUFFIXES, probe
from reelcraft.media.stickers import SHADOW_MARGIN, picture_sprite, text_sticker
from reelcraft.plan import AssetRef, Language, OutputPreset, ScenePicture, VideoPlan, VisualStyle
from reelcraft.storage.cache import hash_file
from reelcraft.tools.deps import Deps
from reelcraft.tools.visual_match import rank_logits, scene_logits

_WORD = re.compile(r"[a-z0-9]+|[\u4e00-\u9fff]", re.IGNORECASE)
_STOP = {"the", "a", "an", "of", "and", "with", "in", "on", "at", "to", "for", "img", "image", "video", "clip",
         "dsc", "photo", "mov", "mp4", "jpg", "png"}

# mood words → two gradient colours (RGB); the default palette is a warm sunset
PALETTES: dict[str, tuple[tuple[int, int, int], tuple[int, int, int]]] = {
    "upbeat": ((255, 94, 98), (255, 195, 113)),
    "energetic": ((247, 37, 133), (114, 9, 183)),
    "calm": ((67, 97, 238), (76, 201, 240)),
    "chill": ((72, 149, 239), (144, 224, 239)),
    "lofi": ((94, 84, 142), (224, 177, 203)),
    "epic": ((20, 33, 61), (252, 163, 17)),
    "dark": ((15, 12, 41), (48, 43, 99)),
    "warm": ((255, 126, 95), (254, 180, 123)),
    "fresh": ((17, 153, 142), (56, 239, 125)),
}


class SceneVisualSpec(BaseModel):
    description: str
    """What the viewer should see."""
    keywords: str = ""
    """Extra words to match media on (e.g. the on-screen text)."""
    duration: float
    variant: int = 0
    """Another background and another lead picture for the same scene (0: the first)."""
    narration: str = ""
    """What the voice says: the pictures show it."""
    word_times: list[tuple[str, float]] = Field(default_factory=list)
    """Spoken words with their start in seconds after the scene's start: a key figure pops in as it is said."""
    media: Path | None = None
    """The creator's file this scene must show ('use my photo beach.jpg in scene 2')."""


class VisualsInput(BaseModel):
    """Scenes to illustrate, an optional folder of the creator's media, and the output frame."""

    scenes: list[SceneVisualSpec]
    media_dir: Path | None = None
    preset: OutputPreset
    mood: str = "upbeat"
    """Picks the mood class and colours of generated backgrounds."""
    backgrounds: Literal["gan", "cards"] = "gan"
    """What fills scenes no media matches: GAN latent walks (when a checkpoint loads) or gradient cards."""
    gan_checkpoint: Path | None = None
    """None uses the shipped default generator."""
    energy: list[float] | None = None
    """The music's energy curve (0–1) over the whole video: GAN motion follows it."""
    energy_rate_hz: float = 10.0
    style: VisualStyle = Field(default_factory=VisualStyle)
    """Colour temperature, abstraction and motion of generated backgrounds (media is left as shot)."""
    illustrate: bool = True
    """Scenes no media fits show illustrations (and their key figure) over the background."""
    illustration_set: str = DEFAULT_SET
    """One set for the whole video, so every picture is drawn the same way."""
    beats: list[float] = Field(default_factory=list)
    """The music's beat times over the whole video: pictures pop in on them."""
    picture_zone: tuple[float, float] | None = None
    """(top, bottom) pixels the pictures may use, between the headline and the caption style's block; None is the
    default zone of the safe area."""


class SceneVisual(BaseModel):
    asset: AssetRef
    kind: Literal["image", "video", "frames"]
    origin: Literal["media", "stock", "ai_image", "generated"]
    """The creator's file, a stock site's, an image-generation endpoint's, or our own background."""
    source_name: str
    """The user's file name, 'GAN latent walk' or 'gradient card'."""
    source_duration: float | None = None
    source_in: float = 0.0
    """Where a clip starts: its moment that fits the scene best."""
    generator: str | None = None
    """For kind='frames': the frame generator and its parameters."""
    params: dict[str, object] = Field(default_factory=dict)
    pictures: list[ScenePicture] = Field(default_factory=list)
    """The illustrations over the background, the lead one first."""
    figure: str | None = None
    """The scene's key number or time, shown as a sticker ("$2", "7:00")."""
    sprites: tuple[Sprite, ...] = ()
    """What the renderer lays over the background: the pictures, then the figure."""
    relevance: float | None = None
    """How well the scene shows its line (0–1; 0.5: a person would call it a fit); None when nothing measured it."""


class VisualsOutput(BaseModel):
    scenes: list[SceneVisual]
    skipped: list[str]
    """Media files that could not be used, with the reason."""
    credits: list[str] = Field(default_factory=list)
    """Attribution lines for the illustration art the video uses."""


class _Media(BaseModel):
    path: Path
    kind: Literal["image", "video"]
    digest: str
    duration: float | None = None


def _tokens(text: str) -> set[str]:
    return {t.lower() for t in _WORD.findall(text) if t.lower() not in _STOP}


def scan_media(media_dir: Path, deps: Deps) -> tuple[list[_Media], list[str]]:
    """Usable media in a folder (sorted by name); unreadable files are reported, not fatal."""
    if not media_dir.is_dir():
        raise VisualsError(f"media folder {media_dir} does not exist", "pass an existing folder to --media")
    found: list[_Media] = []
    skipped: list[str] = []
    for path in sorted(p for p in media_dir.iterdir() if p.is_file() and not p.name.startswith(".")):
        if path.suffix.lower() not in IMAGE_SUFFIXES | VIDEO_SUFFIXES:
            continue
        item, reason = read_media(path)
        if item is None:
            skipped.append(f"{path.name}: {reason}")
            deps.warn("visuals", f"skipping {path.name}: {reason}")
            continue
        found.append(item)
    return found, skipped


def read_media(path: Path) -> tuple[_Media | None, str]:
    """One photo or clip, checked: (the media, '') or (None, why it cannot be used)."""
    suffix = path.suffix.lower()
    if suffix not in IMAGE_SUFFIXES | VIDEO_SUFFIXES:
        return None, f"not a photo or video ({suffix or 'no extension'})"
    if not path.is_file():
        return None, "no such file"
    duration = None
    if path.stat().st_size == 0:
        return None, "empty file (0 bytes)"
    if suffix in IMAGE_SUFFIXES:
        try:
            with Image.open(path) as img:
                img.load()
                if min(img.size) < 16:
                    return None, f"too small ({img.size[0]}×{img.size[1]})"
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            return None, f"not a readable image ({type(exc).__name__})"
    else:
        try:
            info = probe(path)
        except ReelcraftError as exc:
            return None, f"not a readable video ({exc.message[:80]})"
        if not info.has_video or info.duration <= 0:
            return None, "no video stream"
        duration = info.duration
    kind: Literal["image", "video"] = "image" if suffix in IMAGE_SUFFIXES else "video"
    return _Media(path=path, kind=kind, digest=hash_file(path), duration=duration), ""


MEDIA_FLOOR = 0.5
"""A file shows a scene when a person would call it a fit (tests/bench/media_relevance.py)."""


def _rank_media(scenes: list[SceneVisualSpec], media: list[_Media],
                deps: Deps) -> list[tuple[int | None, float, float]]:  # fmt: skip
    """Per scene: (the file that shows it, its score, where a clip starts), by what the files show, their names
    and the scene's words; each file once, best pairs first. Files that fit no scene fill the scenes left, in
    order (the creator gave them to be used), with their low score as the scene's relevance."""
    from reelcraft.tools.media_match import assign_media, best_start, media_scores, profile_media

    profiles = profile_media([(m.path, m.digest, m.kind, m.duration) for m in media], deps)
    try:
        index: IllustrationIndex | None = _library(DEFAULT_SET, deps)[0]
    except ReelcraftError:
        index = None  # Chinese lines are then read against the English labels only
    scores, views = media_scores([[s.narration, s.description, s.keywords] for s in scenes], profiles,
                                 [m.path.name for m in media], deps.embedder(), index)  # fmt: skip
    assigned = assign_media(scores, MEDIA_FLOOR)
    leftovers = [m for m in range(len(media)) if m not in assigned]
    for s in range(len(scenes)):
        if assigned[s] is None and leftovers:
            assigned[s] = leftovers.pop(0)
    return [(None, 0.0, 0.0) if m is None else
            (m, round(float(scores[s, m]), 3), best_start(profiles[m], int(views[s, m]), scenes[s].duration))
            for s, m in enumerate(assigned)]  # fmt: skip


ZH_MOODS = {"轻快": "upbeat", "欢快": "upbeat", "活力": "energetic", "动感": "energetic", "舒缓": "calm",
            "安静": "calm", "放松": "chill", "史诗": "epic", "热血": "epic", "暗黑": "dark", "悬疑": "dark",
            "温暖": "warm", "温馨": "warm", "清新": "fresh"}


def palette_for(mood: str) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    for word, english in ZH_MOODS.items():
        if word in mood:
            return PALETTES[english]
    words = _tokens(mood.replace("-", ""))
    for word in words:
        if word in PALETTES:
            return PALETTES[word]
    return PALETTES["warm"]


def gradient_card(width: int, height: int, colours: tuple[tuple[int, int, int], ...], seed: int) -> Image.Image:
    """A soft diagonal gradient with blurred light blobs: calm enough to carry text, not flat."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    angle = rng.uniform(0, math.pi)
    t = (x * math.cos(angle) + y * math.sin(angle)) / (width * abs(math.cos(angle)) + height * abs(math.sin(angle)))
    t = (t - t.min()) / max(1e-6, float(t.max() - t.min()))
    a, b = (np.array(c, dtype=np.float32) for c in colours[:2])
    img = a[None, None, :] * (1 - t[..., None]) + b[None, None, :] * t[..., None]
    small = Image.fromarray(img.clip(0, 255).astype(np.uint8)).resize((width // 4, height // 4))
    overlay = np.zeros((height // 4, width // 4, 3), dtype=np.float32)
    yy, xx = np.mgrid[0 : height // 4, 0 : width // 4].astype(np.float32)
    for _ in range(7):
        cx, cy = rng.uniform(0, width / 4), rng.uniform(0, height / 4)
        radius = rng.uniform(width / 20, width / 8)
        glow = np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * radius**2))
        overlay += glow[..., None] * rng.uniform(12, 30)
    blended = np.asarray(small, dtype=np.float32) * 0.82 + overlay
    card = Image.fromarray(blended.clip(0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(3))
    return card.resize((width, height), Image.Resampling.BICUBIC)


PREPARED_SHORT_SIDE = 1188
"""Photos are kept whole, their short side at every frame shape's short side (1080) plus the moves' 8 % zoom: the
render re-frames them for 9:16, 4:5, 1:1 or 16:9 from the same file (never stretched)."""


def _prepare_image(src: Path, dst: Path) -> None:
    """Orient by EXIF and scale (never up past the original, never cropped): one file serves every frame shape."""
    with Image.open(src) as img:
        img = ImageOps.exif_transpose(img).convert("RGB")
        factor = min(1.0, PREPARED_SHORT_SIDE / min(img.size))
        if factor < 1.0:
            img = img.resize((round(img.width * factor), round(img.height * factor)), Image.Resampling.LANCZOS)
        img.save(dst, quality=92)


def pick_visuals(inp: VisualsInput, deps: Deps) -> VisualsOutput:
    """Choose a visual for every scene: the creator's chosen or best-fitting photo or clip, else stock or a
    generated image (when configured), else our background with illustrations that show the line."""
    deps.progress("visuals", "matching media to scenes")
    media, skipped = scan_media(inp.media_dir, deps) if inp.media_dir else ([], [])
    pinned: dict[int, int] = {}
    for number, spec in enumerate(inp.scenes):
        if spec.media is not None:
            item, reason = read_media(spec.media)
            if item is None:
                raise VisualsError(f"scene {number + 1} should show {spec.media.name}, but it {reason}",
                                   "give the path of a photo or clip that opens, or ask for another picture")
            known = next((i for i, m in enumerate(media) if m.digest == item.digest), None)
            if known is None:
                media.append(item)
                known = len(media) - 1
            pinned[number] = known
    free = [i for i in range(len(media)) if i not in pinned.values()]
    rest = [n for n in range(len(inp.scenes)) if n not in pinned]
    assignment: list[int | None] = [None] * len(inp.scenes)
    fit: dict[int, tuple[float, float]] = {}  # scene → (relevance, where a clip starts)
    if free and rest:
        for number, (choice, relevance, start) in zip(rest, _rank_media([inp.scenes[n] for n in rest],
                                                                        [media[i] for i in free], deps), strict=True):
            if choice is not None:
                assignment[number] = free[choice]
                fit[number] = (relevance, start)
    for number, choice in pinned.items():
        assignment[number] = choice
    stock_credits: list[str] = []
    origins: dict[int, Literal["stock", "ai_image"]] = {}
    if None in assignment and (providers := deps.settings.stock.configured()):
        from reelcraft.tools.stock_search import find_stock

        found = find_stock([n for n, a in enumerate(assignment) if a is None], inp, providers, deps)
        for number, (item, relevance, start, credit, origin) in found.items():
            media.append(item)
            assignment[number] = len(media) - 1
            fit[number] = (relevance, start)
            origins[number] = origin
            stock_credits.append(credit)
    width, height = inp.preset.width, inp.preset.height
    gan = _usable_gan(inp, deps) if inp.backgrounds == "gan" and None in assignment else None
    out: list[SceneVisual] = []
    for index, (scene, choice) in enumerate(zip(inp.scenes, assignment, strict=True)):
        relevance, start = fit.get(index, (None, 0.0))
        if choice is not None and media[choice].kind == "video":
            item = media[choice]
            out.append(SceneVisual(
                asset=AssetRef(kind="visual", key=item.digest, path=item.path, duration=item.duration),
                kind="video", origin=origins.get(index, "media"), source_name=item.path.name,
                source_duration=item.duration, source_in=start, relevance=relevance,
            ))  # fmt: skip
            continue
        if choice is not None:
            item = media[choice]
            key, folder = deps.cache.get_or_make(
                "visual_image", {"digest": item.digest, "short_side": PREPARED_SHORT_SIDE, "v": 2},
                lambda f, src=item.path: _prepare_image(src, f / "frame.jpg"),
            )  # fmt: skip
            out.append(SceneVisual(asset=AssetRef(kind="visual", key=key, path=folder / "frame.jpg"), kind="image",
                                   origin=origins.get(index, "media"), relevance=relevance,
                                   source_name=item.path.name))  # fmt: skip
            continue
        variant = f"|{scene.variant}" if scene.variant else ""  # 0 keeps the keys drafts were cached under
        seed = int(hashlib.sha256(f"{scene.description}|{index}{variant}".encode()).hexdigest()[:8], 16)
        if gan is not None:
            out.append(_gan_visual(inp, gan, index, seed, offset=sum(s.duration for s in inp.scenes[:index])))
            continue
        colours = tuple(tuple(int(c) for c in warm_shift(np.array(colour, dtype=np.uint8), inp.style.warmth))
                        for colour in palette_for(inp.mood))
        key, folder = deps.cache.get_or_make(
            "visual_card", {"size": [width, height], "colours": colours, "seed": seed, "v": 1},
            lambda f, s=seed, c=colours: gradient_card(width, height, c, s).save(f / "frame.jpg", quality=92),
        )  # fmt: skip
        out.append(SceneVisual(asset=AssetRef(kind="visual", key=key, path=folder / "frame.jpg"),
                               kind="image", origin="generated", source_name="gradient card"))
    credits: list[str] = [credit for credit in stock_credits if credit]
    if inp.illustrate and any(v.origin == "generated" for v in out):
        out, more = _illustrate(inp, out, deps)
        credits += more
    return VisualsOutput(scenes=out, skipped=skipped, credits=credits)


RELEVANCE_FLOOR = 0.5
"""The calibrated score at which a person would call a picture a fit (tests/bench/visual_calibration.py)."""
EXTRA_FLOOR = RELEVANCE_FLOOR
"""A second or third picture joins the lead only when a person would call it a fit on its own."""
REPEAT_PENALTY = 0.2
"""A picture an earlier scene showed ranks as if this much less fitting: the next scene shows something new."""
MAX_ITEMS = 3
SPRITE_VERSION = 1


def _illustrate(inp: VisualsInput, scenes: list[SceneVisual], deps: Deps) -> tuple[list[SceneVisual], list[str]]:
    """Pictures (and the key figure) over every generated background; the backgrounds alone, with a warning
    that names the fix, when the illustration library is not installed."""
    try:
        index, catalog = _library(inp.illustration_set, deps)
    except ReelcraftError as exc:
        deps.warn("visuals", f"no illustrations ({exc.message}); {exc.fix}")
        return scenes, []
    deps.progress("visuals", "choosing pictures for each scene")
    embedder = deps.embedder()
    shown_before: set[str] = set()
    out, offset = [], 0.0
    for number, (spec, visual) in enumerate(zip(inp.scenes, scenes, strict=True)):
        if visual.origin == "generated":
            texts = [spec.narration, spec.description, spec.keywords]
            ranked = rank_logits(scene_logits(texts, index, embedder), index, top=8)
            picks = choose_pictures(ranked, catalog, shown_before, spec.variant)
            chosen = {p.emoji for p in picks}
            spares = [ScenePicture(id=catalog[c.emoji].id, emoji=c.emoji, label=c.label_en, set=catalog[c.emoji].set,
                                   score=round(score, 3))
                      for c, score in ranked if c.emoji in catalog and c.emoji not in chosen]  # fmt: skip
            figure = key_figure(spec.keywords) or key_figure(spec.narration)
            visual = _lay_out(inp, spec, visual, picks, figure, offset, deps, spares)
            shown_before |= {p.emoji for p in visual.pictures}
            if visual.relevance is not None and visual.relevance < RELEVANCE_FLOOR:
                deps.warn("visuals", f"scene {number + 1}'s best picture is a weak fit ({visual.relevance:.2f}, "
                                     f"{visual.pictures[0].label}): add your own media for it or describe the "
                                     "shot in plainer words")  # fmt: skip
        out.append(visual)
        offset += spec.duration
    used_sets = {p.set for v in out for p in v.pictures}
    return out, attribution(used_sets)


class SuggestInput(BaseModel):
    """One scene line to find pictures for (the CLI's `visuals suggest`, the UI's picture picker)."""

    line: str = Field(min_length=1)
    language: Language
    top: int = Field(default=5, ge=1, le=20)
    illustration_set: str = DEFAULT_SET
    media_dir: Path | None = None
    """The creator's folder: its files are ranked too, by what they show."""


class VisualCandidate(BaseModel):
    kind: Literal["illustration", "media", "stock", "generated"]
    id: str
    emoji: str | None = None
    """The Unicode character, when the picture is an emoji."""
    label: str = ""
    path: Path | None = None
    """A rendered preview (a cached PNG for an illustration; the file for media)."""
    score: float
    """Calibrated: 0.5 means a person would call it a fit."""


def suggest_visuals(inp: SuggestInput, deps: Deps) -> list[VisualCandidate]:
    """The pictures that would show a line, best first, each with its calibrated score and a preview: the
    creator's files (when a folder is given) and the illustrations, in one list."""
    from reelcraft.tools.media_match import media_scores, profile_media

    index, catalog = _library(inp.illustration_set, deps)
    found: list[VisualCandidate] = []
    if inp.media_dir is not None:
        media, _ = scan_media(inp.media_dir, deps)
        if media:
            profiles = profile_media([(m.path, m.digest, m.kind, m.duration) for m in media], deps)
            scores, _ = media_scores([[inp.line]], profiles, [m.path.name for m in media], deps.embedder(), index)
            found += [VisualCandidate(kind="media", id=m.path.name, label=m.path.name, path=m.path,
                                      score=round(float(score), 3)) for m, score in zip(media, scores[0], strict=True)]
    root = library_dir(deps.settings.models_dir)
    language = "zh" if inp.language == Language.ZH else "en"
    ranked = rank_logits(scene_logits([inp.line], index, deps.embedder()), index, top=inp.top * 2)
    pictures = 0
    for concept, score in ranked:
        if concept.emoji not in catalog or pictures == inp.top:
            continue
        pictures += 1
        picture = catalog[concept.emoji]
        try:
            path: Path | None = _picture_png(picture, root, OutputPreset(width=540, height=960), 0, deps)
        except ReelcraftError as exc:
            deps.warn("visuals", f"no preview for {picture.emoji}: {exc.message}")
            path = None
        found.append(VisualCandidate(kind="illustration", id=picture.id, emoji=picture.emoji, path=path,
                                     label=picture.label_zh if language == "zh" else picture.label_en,
                                     score=round(score, 3)))  # fmt: skip
    return sorted(found, key=lambda c: -c.score)[: inp.top]


def _library(set_name: str, deps: Deps) -> tuple[IllustrationIndex, dict[str, Illustration]]:
    root = library_dir(deps.settings.models_dir)
    catalog = {c.emoji: c for c in load_catalog(root, set_name)}
    index = ensure_index(root, deps.embedder(), on_rebuild=lambda message: deps.warn("visuals", message),
                         on_progress=lambda done, total: deps.progress("visuals", f"indexing pictures {done}/{total}"))
    return index, catalog


def choose_pictures(ranked: list[tuple[Illustration, float]], catalog: dict[str, Illustration],
                    shown_before: set[str], variant: int = 0) -> list[ScenePicture]:  # fmt: skip
    """The lead picture and up to two more that fit on their own, from the video's one illustration set.
    Pictures earlier scenes showed rank lower; `variant` k makes the k-th best the lead ('another picture')."""
    drawable = [(catalog[c.emoji], score) for c, score in ranked if c.emoji in catalog]
    if not drawable:
        return []
    order = sorted(drawable, key=lambda item: -(item[1] - (REPEAT_PENALTY if item[0].emoji in shown_before else 0)))
    lead = variant % len(order)
    order = [order[lead], *order[:lead], *order[lead + 1 :]]
    picks = [order[0]] + [item for item in order[1:] if item[1] >= EXTRA_FLOOR and item[0].emoji not in shown_before]
    return [ScenePicture(id=c.id, emoji=c.emoji, label=c.label_en, set=c.set, score=round(score, 3))
            for c, score in picks[:MAX_ITEMS]]  # fmt: skip


_FIGURES = [
    re.compile(r"[$€£¥]\s?\d[\d,]*(?:\.\d+)?[kKmM]?"),
    re.compile(r"\d+(?:\.\d+)?\s?(?:元|块钱|块|美元|万|¢|cents?\b)", re.IGNORECASE),
    re.compile(r"\b\d{1,2}:\d{2}(?:\s?[ap]\.?m\.?)?", re.IGNORECASE),
    re.compile(r"\b\d{1,2}\s?[ap]\.?m\b\.?", re.IGNORECASE),
    re.compile(r"\d{1,2}点(?:半|\d{1,2}分)?"),
    re.compile(r"[一二两三四五六七八九十百千万]+\s?(?:块钱|块|元|毛)"),
    re.compile(r"(?<![早晚快慢多少好差])[一二两三四五六七八九十]+\s?(?:分钟|小时|点半|点(?!点))"),
    re.compile(r"\d+(?:\.\d+)?\s?%"),
    re.compile(r"\d+(?:\.\d+)?\s?(?:minutes?|mins?|hours?|hrs?|seconds?|secs?|km|miles?|kg|lbs?|days?|steps|reps|"
               r"calories|kcal|分钟|小时|秒|公里|千米|天|步|次|杯|斤|公斤|折)", re.IGNORECASE),
    re.compile(r"(?:\bday|第)\s?\d+(?:天)?|#\d+", re.IGNORECASE),
]  # fmt: skip
_MERIDIEM = re.compile(r"\s?([ap])\.?m\.?$", re.IGNORECASE)
_SHORT_UNITS = [(re.compile(r"\s?(?:minutes?|mins?)$", re.I), " min"), (re.compile(r"\s?(?:hours?|hrs?)$", re.I), " h"),
                (re.compile(r"\s?(?:seconds?|secs?)$", re.I), " s")]  # fmt: skip


def key_figure(text: str) -> str | None:
    """The number a viewer should see big, when the text has one: money first, then a time, a percentage, an
    amount with its unit, a day ('$2', '7:00', '50%', '10 min', '20分钟', 'Day 3'); None for plain text."""
    for pattern in _FIGURES:
        if found := pattern.search(text):
            figure = found.group(0).strip()
            for unit, short in _SHORT_UNITS:
                figure = unit.sub(short, figure)
            figure = _MERIDIEM.sub(lambda m: f" {m.group(1).upper()}M", figure)  # '8 a.m' → '8 AM'

            return figure[:12]
    return None


def _lay_out(inp: VisualsInput, spec: SceneVisualSpec, visual: SceneVisual, picks: list[ScenePicture],
             figure: str | None, offset: float, deps: Deps, spares: list[ScenePicture] | None = None,
             ) -> SceneVisual:  # fmt: skip
    """Render the scene's stickers, place them in the picture zone and time them to the beats. A lead picture
    that fails to render gives way to the next-best (`spares`); others are just left out."""
    preset = inp.preset
    root = library_dir(deps.settings.models_dir)
    catalog = _catalog_by_id(root, inp.illustration_set)
    sources: list[tuple[Path, float]] = []  # (png, aspect)
    kept: list[ScenePicture] = []
    queue, spare = list(picks), list(spares or [])
    while queue:
        pick = queue.pop(0)
        if len(kept) + (1 if figure else 0) >= MAX_ITEMS and kept:
            break
        try:
            sources.append((_picture_png(catalog[pick.id], root, preset, len(kept), deps), 1.0))
            kept.append(pick)
        except ReelcraftError as exc:
            deps.warn("visuals", f"picture {pick.emoji} ({pick.label}) skipped: {exc.message}")
            if not kept and spare:
                queue.insert(0, spare.pop(0))
    figure_png = _figure_png(figure, inp, deps) if figure else None
    figure_shape = None
    if figure_png is not None:
        with Image.open(figure_png) as img:
            figure_shape = (img.width / preset.width, img.height / img.width)
    slots = picture_slots(len(kept), preset.safe_box(), preset.width, preset.height,
                          figure_aspect=figure_shape[1] if figure_shape else None, bob=0.012,
                          zone=inp.picture_zone)  # fmt: skip
    times = _pop_times(spec, inp.beats, offset, len(kept), figure)
    sprites = [Sprite(source=png, x=slot.x, y=slot.y, width=slot.width, appear=times[i], motion="pop",
                      bob=0.006 if i == 0 else 0.011, period=3.4 - 0.5 * i, phase=1.7 * i)
               for i, ((png, _), slot) in enumerate(zip(sources, slots, strict=False))]  # fmt: skip
    if figure_png is not None and figure_shape is not None:
        slot = slots[-1]
        sprites.append(Sprite(source=figure_png, x=slot.x, y=slot.y, width=min(slot.width, figure_shape[0]),
                              appear=times[-1], motion="pop", bob=0.004, period=2.8, phase=0.5))  # fmt: skip
    relevance = max((p.score for p in kept), default=None)
    return visual.model_copy(update={"pictures": kept, "figure": figure if figure_png else None,
                                     "sprites": tuple(sprites), "relevance": relevance})  # fmt: skip


@lru_cache(maxsize=2)
def _catalog_by_id(root: Path, set_name: str) -> dict[str, Illustration]:
    return {c.id: c for c in load_catalog(root, set_name)}


def _picture_png(illustration: Illustration, root: Path, preset: OutputPreset, rank: int, deps: Deps) -> Path:
    """Drawn for the frame's short side (1080 in every shape), so another aspect ratio re-uses it."""
    size = round(min(preset.width, preset.height) * (0.44 if rank == 0 else 0.3) / (1 + 2 * SHADOW_MARGIN))
    key = {"id": illustration.id, "size": size, "v": SPRITE_VERSION}
    _, folder = deps.cache.get_or_make(
        "picture_sprite", key, lambda f: picture_sprite(svg_of(root, illustration), size, f / "picture.png")
    )
    return folder / "picture.png"


def _figure_png(figure: str, inp: VisualsInput, deps: Deps) -> Path | None:
    font = find_caption_font(deps.settings.font_cjk)
    colours = palette_for(inp.mood)
    accent = tuple(int(c * 0.78) for c in warm_shift(np.array(colours[0], dtype=np.uint8), inp.style.warmth))
    height = round(min(inp.preset.width, inp.preset.height) * 0.151)  # 163 px in every frame shape
    key = {"text": figure, "font": str(font.path), "height": height, "colour": accent, "v": SPRITE_VERSION}
    try:
        _, folder = deps.cache.get_or_make(
            "figure_sprite", key, lambda f: text_sticker(figure, font, height, accent, f / "figure.png")  # type: ignore[arg-type]
        )
    except OSError as exc:
        deps.warn("visuals", f"the key figure {figure!r} could not be drawn ({exc}); the scene shows its pictures")
        return None
    return folder / "figure.png"


def _pop_times(spec: SceneVisualSpec, beats: list[float], offset: float, pictures: int,
               figure: str | None) -> list[float]:  # fmt: skip
    """When each sticker pops in, in seconds after the scene's start: the pictures on successive beats after the
    crossfade, the figure as its number is said (on the nearest beat when one is close). The opening scene's
    lead picture is there from the first frames: the first second decides whether a viewer stays."""
    earliest, latest = 0.3, max(0.35, spec.duration - 0.8)
    local = [round(b - offset, 4) for b in beats if earliest <= b - offset <= latest]
    grid = local or [round(earliest + 0.5 * k, 4) for k in range(int((latest - earliest) / 0.5) + 1)]
    times: list[float] = [0.05] if offset == 0 and pictures else []
    for _ in range(pictures - len(times)):
        after = times[-1] + 0.45 if times else earliest
        times.append(next((t for t in grid if t >= after - 1e-6), times[-1] if times else earliest))
    if figure:
        digits = re.sub(r"\D", "", figure)
        said = next((start for word, start in spec.word_times if digits and digits in re.sub(r"\D", "", word)), None)
        if said is not None:
            near = min(grid, key=lambda t: abs(t - said))
            times.append(min(latest, max(earliest, near if abs(near - said) <= 0.2 else said)))
        else:
            after = times[-1] + 0.45 if times else earliest
            times.append(next((t for t in grid if t >= after - 1e-6), times[-1] if times else earliest))
    return times


def _usable_gan(inp: VisualsInput, deps: Deps) -> Path | None:
    """The checkpoint to sample from, or None (with a warning) when it is missing or will not load."""
    from reelcraft.models.gan import DEFAULT_CHECKPOINT
    from reelcraft.models.gan.checkpoint import CheckpointError, load_generator

    path = inp.gan_checkpoint or DEFAULT_CHECKPOINT
    if inp.gan_checkpoint is None and not path.exists():
        return None  # this build ships no default generator: gradient cards, as before the GAN existed
    try:
        load_generator(path)
    except CheckpointError as exc:
        deps.warn("visuals", f"GAN backgrounds unavailable ({exc}); using gradient cards")
        return None
    return path


def _gan_visual(inp: VisualsInput, checkpoint: Path, index: int, seed: int, offset: float) -> SceneVisual:
    from reelcraft.models.gan.data import gan_mood, mood_palette

    mood = gan_mood(inp.mood)[0]
    style = inp.style
    colours = warm_shift(mood_palette(mood, index), style.warmth)
    palette = [round(float(c), 4) for c in colours.reshape(-1)]
    params: dict[str, object] = {"checkpoint": str(checkpoint), "digest": hash_file(checkpoint)[:16], "mood": mood,
                                 "palette": palette, "seed": seed % 100_000,
                                 "speed": round(style.motion * (1 - 0.5 * style.abstraction), 4),
                                 "warmth": style.warmth, "abstraction": style.abstraction}
    if inp.energy:
        params |= {"energy": inp.energy, "energy_rate_hz": inp.energy_rate_hz, "offset_s": round(offset, 4)}
    key = hashlib.sha256(repr(sorted(params.items())).encode()).hexdigest()
    return SceneVisual(asset=AssetRef(kind="visual", key=key, path=checkpoint), kind="frames", origin="generated",
                       source_name="GAN latent walk", generator="gan", params=params)



def scene_visual_revision(plan: VideoPlan, scene: int, media: str | None = None) -> VideoPlan:
    """The plan with one scene's picture changed: its next-best lead picture and background, or the creator's
    file (`media`, a path or a name in the media folder)."""
    if not 1 <= scene <= len(plan.scenes):
        raise VisualsError(f"there is no scene {scene} (the video has {len(plan.scenes)})",
                           f"pick a scene from 1 to {len(plan.scenes)}")  # fmt: skip
    scenes = list(plan.scenes)
    current = scenes[scene - 1]
    update = ({"visual_media": media} if media else {"visual_seed": current.visual_seed + 1, "visual_media": None})
    scenes[scene - 1] = current.model_copy(update=update)
    return plan.model_copy(update={"scenes": scenes})


WARMER = ("warm", "golden", "orange", "sunset", "暖")
COOLER = ("cool", "cold", "blue", "icy", "冷")
LESS_ABSTRACT = ("less abstract", "more concrete", "more detail", "sharper", "crisper", "不要那么抽象", "具体", "清晰")
MORE_ABSTRACT = ("more abstract", "abstract", "dreamy", "dreamier", "softer", "blurrier", "抽象", "梦幻", "朦胧")
MORE_MOTION = ("more movement", "more motion", "faster", "livelier visuals", "more dynamic", "动感", "更快", "动起来")
LESS_MOTION = ("less movement", "less motion", "slower", "calmer visuals", "stiller", "steadier", "慢一点", "慢些",
               "安静")


def adjust_style(style: VisualStyle, request: str) -> VisualStyle:
    """Apply a chat edit of the look ('warmer colours', 'more abstract', 'less movement', '暖色调',
    '更抽象') to the visual style. Each request moves a clearly visible step; unknown words change
    nothing, so the caller can say it did not understand."""
    text = f" {request.lower()} "

    def said(words: tuple[str, ...]) -> bool:
        return any(word in text for word in words)

    update: dict[str, float] = {}
    if said(WARMER) and not said(COOLER):
        update["warmth"] = min(1.0, style.warmth + 0.4)
    elif said(COOLER) and not said(WARMER):
        update["warmth"] = max(-1.0, style.warmth - 0.4)
    if said(LESS_ABSTRACT):
        update["abstraction"] = max(0.0, style.abstraction - 0.35)
    elif said(MORE_ABSTRACT):
        update["abstraction"] = min(1.0, style.abstraction + 0.35)
    if said(MORE_MOTION):
        update["motion"] = min(3.0, style.motion * 1.5)
    elif said(LESS_MOTION):
        update["motion"] = max(0.25, style.motion / 1.5)
    return style.model_copy(update={k: round(v, 3) for k, v in update.items()})


def style_revision(plan: VideoPlan, request: str) -> VideoPlan:
    """The plan with the look of its generated backgrounds changed as asked."""
    style = adjust_style(plan.visual_style, request)
    if style == plan.visual_style:
        raise VisualsError(f"could not tell how to change the look from '{request}'",
                           "say e.g. 'warmer colours', 'cooler', 'more abstract', 'less movement', '暖色调'")
    return plan.model_copy(update={"visual_style": style})
