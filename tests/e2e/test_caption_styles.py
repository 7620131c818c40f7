"""Every caption style in every aspect ratio, English and Chinese, rendered for real and measured on the frames.

Each draft has two scenes: the first over a bright photo, the second over a dark one, so contrast is measured
where it is hardest. The letters are found by drawing the same ASS alone with libass (light letters over black,
dark outline and box over white) and then read from the real frames; word highlights are read from the ASS the
render burned in and compared with a faster-whisper alignment of the final audio.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import srt
from caption_checks import (
    ass_highlights,
    caption_ink,
    frames_at,
    highlight_offsets,
    letter_height,
    line_bands,
    subtitles_alone,
    text_contrast,
    voice_onsets,
    whisper_words,
)
from PIL import Image

from media_checks import loudness_figures
from reelcraft import Studio
from reelcraft.config import Settings
from reelcraft.media.caption_styles import caption_style, caption_styles
from reelcraft.media.fonts import find_caption_font
from reelcraft.media.probe import probe
from reelcraft.plan import ASPECT_PRESETS, Aspect, CaptionLook, Draft, Look, VideoPlan

pytestmark = pytest.mark.slow

STYLES = list(caption_styles())
ASPECTS = [a.value for a in Aspect]
LANGUAGES = ["en", "zh"]
MIN_CAP_SHARE = 0.04
MIN_CONTRAST = 4.5
MAX_HIGHLIGHT_OFFSET_S = 0.15
SECONDS = 6.0

SCENES = {
    "en": [("Wake up at seven and drink a big glass of water.", "Water first"),
           ("Then stretch for five minutes while the kettle boils.", "Stretch 5 minutes")],
    "zh": [("早上七点起床，先喝一大杯温水。", "先喝水"),
           ("然后趁烧水的时候，拉伸五分钟。", "拉伸五分钟")],
}  # fmt: skip


def _media(folder: Path) -> Path:
    """A bright photo-like still and a dark one (noise, so nothing is flat)."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    for name, base in (("bright.jpg", (236, 232, 222)), ("dark.jpg", (18, 22, 32))):
        noise = rng.normal(0, 9, (1400, 1400, 3))
        ramp = np.linspace(-12, 12, 1400)[None, :, None]
        pixels = np.clip(np.array(base)[None, None, :] + noise + ramp, 0, 255).astype(np.uint8)
        Image.fromarray(pixels).save(folder / name, quality=92)
    return folder


def _plan(language: str, style: str, aspect: str) -> VideoPlan:
    scenes = [{"voiceover": said, "on_screen_text": shown, "visual": "morning", "duration": SECONDS / 2,
               "visual_media": media} for (said, shown), media in zip(SCENES[language], ["bright.jpg", "dark.jpg"],
                                                                       strict=True)]  # fmt: skip
    return VideoPlan.model_validate({
        "title": "Morning", "language": language, "platform": "tiktok", "target_duration": SECONDS, "scenes": scenes,
        "music_mood": "upbeat", "look": Look(aspect=Aspect(aspect), captions=CaptionLook(style=style)).model_dump(),
    })  # fmt: skip


class Drafts:
    """Renders each (language, style, aspect) draft once, when a test first needs it; voice, music and pictures come
    from the cache after the first draft of a language."""

    def __init__(self, home: Path, models_home: Path) -> None:
        self.media = _media(home / "media")
        self.frames = home / "frames"
        self.frames.mkdir()
        self.studio = Studio(Settings(home=home / "home", models_home=models_home))
        self.made: Drafts = {}

    def __getitem__(self, key: tuple[str, str, str]) -> Draft:
        if key not in self.made:
            language, style, aspect = key
            self.made[key] = self.studio.render(_plan(language, style, aspect), media_dir=self.media)
        return self.made[key]


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory, models_home: Path) -> Drafts:
    return Drafts(tmp_path_factory.mktemp("caption-styles"), models_home)


def _caption_frames(draft: Draft) -> list[int]:
    """A frame in the middle of a caption over each scene (bright, then dark)."""
    ass = next(a.path for a in draft.assets if a.kind == "captions_ass").read_text(encoding="utf-8")
    rows = []
    for line in ass.splitlines():
        fields = line.split(",", 9)
        if line.startswith("Dialogue:") and fields[3] == "Caption":
            start, end = (_seconds(x) for x in fields[1:3])
            rows.append((start, end))
    cut = draft.scene_durations[0]
    picked = []
    for lo, hi in ((0.5, cut - 0.4), (cut + 0.5, sum(draft.scene_durations) - 0.3)):
        inside = [(a, b) for a, b in rows if lo <= (a + b) / 2 <= hi and b - a >= 0.1]
        assert inside, f"no caption between {lo:.1f} s and {hi:.1f} s"
        a, b = max(inside, key=lambda r: r[1] - r[0])
        picked.append(round((a + b) / 2 * 30))
    return picked


def _seconds(stamp: str) -> float:
    h, m, s = stamp.split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("aspect", ASPECTS)
@pytest.mark.parametrize("style", STYLES)
def test_captions_read_on_a_phone_over_bright_and_dark_pictures(made: Drafts, language: str, style: str, aspect: str,
                                                                tmp_path: Path) -> None:  # fmt: skip
    draft = made[(language, style, aspect)]
    preset = ASPECT_PRESETS[Aspect(aspect)]
    assert draft.outputs is not None
    ass = next(a.path for a in draft.assets if a.kind == "captions_ass")
    numbers = _caption_frames(draft)
    info = probe(draft.outputs.video)
    width, height = info.width, info.height
    scale = width / preset.width
    real = frames_at(draft.outputs.video, numbers, width, height)
    fonts = find_caption_font().directory
    on_black = subtitles_alone(ass, fonts, numbers, width, height, "black", tmp_path)
    on_white = subtitles_alone(ass, fonts, numbers, width, height, "white", tmp_path)
    left, top, right, bottom = (round(v * scale) for v in preset.safe_box())
    for frame, black, white, where in zip(real, on_black, on_white, ("bright", "dark"), strict=True):
        ink = caption_ink(black, white)
        assert ink.text.sum() > 500, f"no caption drawn over the {where} scene"
        headline = _headline_rows(black, top)
        ys, xs = np.where(ink.ink)  # the captions and the headline: all the text the video draws
        assert xs.min() >= left and xs.max() < right and ys.min() >= top and ys.max() < bottom, (
            f"text ink {xs.min()},{ys.min()}–{xs.max()},{ys.max()} leaves the safe area "
            f"{left},{top}–{right},{bottom} ({where})")
        letters = ink.text.copy()
        letters[:headline] = False
        share = letter_height(letters, language) / height
        assert share >= MIN_CAP_SHARE, f"letters {share:.3f} of the frame high over the {where} scene"
        seen = np.abs(frame[letters].astype(int) - black[letters].astype(int)).mean()
        assert seen < 40, f"the burned-in letters are not in the frame where libass drew them ({seen:.0f})"
        ratio = text_contrast(frame, _only(ink, letters))
        Image.fromarray(frame).save(made.frames / f"{language}-{style}-{aspect.replace(':', 'x')}-{where}.jpg")
        print(f"{language} {style} {aspect} {where}: letters {share:.4f} of the height, contrast {ratio:.1f}:1")
        assert ratio >= MIN_CONTRAST, f"contrast {ratio:.2f}:1 over the {where} scene"


def _headline_rows(on_black: np.ndarray, top: int) -> int:
    """The row below the headline (the first band of light ink in the top of the safe area)."""
    bands = line_bands(on_black.max(axis=2) > 140)
    rows = [b for b in bands if b[0] < top + 0.2 * on_black.shape[0]]
    return rows[-1][1] + 2 if rows else 0


def _only(ink: object, letters: np.ndarray) -> object:
    from caption_checks import CaptionInk

    assert isinstance(ink, CaptionInk)
    return CaptionInk(text=letters, ink=ink.ink)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("style", STYLES)
def test_no_word_is_left_alone_on_a_line(made: Drafts, language: str, style: str) -> None:
    for aspect in ASPECTS:
        draft = made[(language, style, aspect)]
        assert draft.outputs is not None
        captions = list(srt.parse(draft.outputs.srt.read_text(encoding="utf-8")))
        assert captions
        for caption in captions:
            lines = caption.content.split("\n")
            units = [len(re.sub(r"\W", "", line)) if language == "zh" else len(line.split()) for line in lines]
            assert min(units) >= 2, f"{style} {aspect}: {lines} leaves a word alone"


@pytest.mark.parametrize("aspect", ASPECTS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_each_ratio_has_its_resolution_length_and_loudness(made: Drafts, language: str, aspect: str,
                                                          tmp_path: Path) -> None:  # fmt: skip
    preset = ASPECT_PRESETS[Aspect(aspect)]
    for style in STYLES:
        draft = made[(language, style, aspect)]
        assert draft.outputs is not None
        info = probe(draft.outputs.video)
        assert (info.width, info.height) == (preset.width, preset.height)
        assert abs(info.duration - SECONDS) <= 0.05 * SECONDS
    audio = loudness_figures(made[(language, STYLES[0], aspect)].outputs.video, tmp_path)
    assert -15 <= audio["lufs"] <= -13 and audio["true_peak_db"] <= -1.0, audio


@pytest.mark.parametrize("language", LANGUAGES)
def test_highlighted_words_follow_the_speech(made: Drafts, language: str, models_home: Path, tmp_path: Path) -> None:
    first = made[(language, STYLES[0], ASPECTS[0])]
    assert first.outputs is not None
    cuts = [sum(first.scene_durations[: k + 1]) for k in range(len(first.scene_durations) - 1)]
    heard = whisper_words(first.outputs.video, language, models_home, tmp_path, cuts)
    assert first.outputs.timeline_json is not None
    onsets = voice_onsets(first.outputs.timeline_json)
    assert len(heard) >= 8, heard
    report = []
    for style in STYLES:
        draft = made[(language, style, ASPECTS[0])]
        ass = next(a.path for a in draft.assets if a.kind == "captions_ass").read_text(encoding="utf-8")
        highlights = ass_highlights(ass, caption_style(style).accent)
        offsets, total = highlight_offsets(highlights, heard, language)
        # each scene's first word: Whisper starts it where its stretch starts, so it is checked against the onset
        # of the narration itself
        firsts = [min((h for h in highlights if h.start >= onset - 0.5), key=lambda h: h.start).start - onset
                  for onset in onsets]  # fmt: skip
        report.append(f"{style}: {len(offsets)}/{total} matched, worst {max(offsets, default=0):.3f} s; scene "
                      f"starts {', '.join(f'{d:+.3f}' for d in firsts)} s from the voice onset")
        assert total >= 8 and len(offsets) + len(firsts) >= 0.6 * total, report  # most words are checked
        assert max(offsets) <= MAX_HIGHLIGHT_OFFSET_S, report
        assert max(abs(d) for d in firsts) <= MAX_HIGHLIGHT_OFFSET_S, report
    print("\n".join(report))
