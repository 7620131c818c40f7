"""Visuals tool, v1: the creator's photos and clips matched to scenes, with generated gradient cards
for scenes nothing fits (the GAN takes over that role in a later issue).

Broken files never stop a video: they are skipped with a warning that names them.
"""

from __future__ import annotations

import hashlib
import math
import re
from pathlib import Path
from typing import Literal

import numpy as np
from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError
from pydantic import BaseModel, Field

from reelcraft.errors import ReelcraftError, VisualsError
from reelcraft.media.colour import warm_shift
from reelcraft.media.probe import IMAGE_SUFFIXES, VIDEO_SUFFIXES, probe
from reelcraft.plan import AssetRef, OutputPreset, VideoPlan, VisualStyle
from reelcraft.storage.cache import hash_file
from reelcraft.tools.deps import Deps

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
    """Another generated background for the same description (0: the first)."""


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


class SceneVisual(BaseModel):
    asset: AssetRef
    kind: Literal["image", "video", "frames"]
    origin: Literal["media", "generated"]
    source_name: str
    """The user's file name, 'GAN latent walk' or 'gradient card'."""
    source_duration: float | None = None
    generator: str | None = None
    """For kind='frames': the frame generator and its parameters."""
    params: dict[str, object] = Field(default_factory=dict)


class VisualsOutput(BaseModel):
    scenes: list[SceneVisual]
    skipped: list[str]
    """Media files that could not be used, with the reason."""


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
        suffix = path.suffix.lower()
        if suffix not in IMAGE_SUFFIXES | VIDEO_SUFFIXES:
            continue
        reason = None
        duration = None
        if path.stat().st_size == 0:
            reason = "empty file (0 bytes)"
        elif suffix in IMAGE_SUFFIXES:
            try:
                with Image.open(path) as img:
                    img.load()
                    if min(img.size) < 16:
                        reason = f"too small ({img.size[0]}×{img.size[1]})"
            except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
                reason = f"not a readable image ({type(exc).__name__})"
        else:
            try:
                info = probe(path)
                if not info.has_video or info.duration <= 0:
                    reason = "no video stream"
                duration = info.duration
            except ReelcraftError as exc:
                reason = f"not a readable video ({exc.message[:80]})"
        if reason:
            skipped.append(f"{path.name}: {reason}")
            deps.warn("visuals", f"skipping {path.name}: {reason}")
            continue
        kind: Literal["image", "video"] = "image" if suffix in IMAGE_SUFFIXES else "video"
        found.append(_Media(path=path, kind=kind, digest=hash_file(path), duration=duration))
    return found, skipped


def match_media(scenes: list[SceneVisualSpec], media: list[_Media]) -> list[int | None]:
    """Best keyword overlap first; then leftover media fill leftover scenes in order."""
    scores = []
    for si, scene in enumerate(scenes):
        want = _tokens(scene.description + " " + scene.keywords)
        for mi, item in enumerate(media):
            overlap = len(want & _tokens(item.path.stem))
            if overlap:
                scores.append((overlap, -si, -mi, si, mi))
    assigned: list[int | None] = [None] * len(scenes)
    used: set[int] = set()
    for _, _, _, si, mi in sorted(scores, reverse=True):
        if assigned[si] is None and mi not in used:
            assigned[si] = mi
            used.add(mi)
    leftovers = [mi for mi in range(len(media)) if mi not in used]
    for si in range(len(scenes)):
        if assigned[si] is None and leftovers:
            assigned[si] = leftovers.pop(0)
    return assigned


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


def _prepare_image(src: Path, dst: Path, width: int, height: int) -> None:
    """Orient by EXIF and crop to cover the frame, so the renderer gets exactly what it shows."""
    with Image.open(src) as img:
        img = ImageOps.exif_transpose(img).convert("RGB")
        ImageOps.fit(img, (width, height), Image.Resampling.LANCZOS).save(dst, quality=92)


def pick_visuals(inp: VisualsInput, deps: Deps) -> VisualsOutput:
    """Choose a visual for every scene: the creator's matching photo or clip when there is one,
    otherwise a generated gradient card in the video's mood."""
    deps.progress("visuals", "matching media to scenes")
    media, skipped = scan_media(inp.media_dir, deps) if inp.media_dir else ([], [])
    assignment = match_media(inp.scenes, media)
    width, height = inp.preset.width, inp.preset.height
    gan = _usable_gan(inp, deps) if inp.backgrounds == "gan" and None in assignment else None
    out: list[SceneVisual] = []
    for index, (scene, choice) in enumerate(zip(inp.scenes, assignment, strict=True)):
        if choice is not None and media[choice].kind == "video":
            item = media[choice]
            out.append(SceneVisual(
                asset=AssetRef(kind="visual", key=item.digest, path=item.path, duration=item.duration),
                kind="video", origin="media", source_name=item.path.name, source_duration=item.duration,
            ))  # fmt: skip
            continue
        if choice is not None:
            item = media[choice]
            key, folder = deps.cache.get_or_make(
                "visual_image", {"digest": item.digest, "size": [width, height], "v": 1},
                lambda f, src=item.path: _prepare_image(src, f / "frame.jpg", width, height),
            )  # fmt: skip
            out.append(SceneVisual(asset=AssetRef(kind="visual", key=key, path=folder / "frame.jpg"),
                                   kind="image", origin="media", source_name=item.path.name))
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
    return VisualsOutput(scenes=out, skipped=skipped)


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
