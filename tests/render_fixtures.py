"""A deterministic sample timeline (stills with moves, crossfades, captions, voice and music) for the
render benchmark and the visual-parity test. No TTS or LLM: the audio is synthesised here."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf
from PIL import Image, ImageDraw, ImageFilter

from reelcraft.config import Settings
from reelcraft.edit.timeline import AudioClip, CaptionTrack, Motion, Overlay, Timeline, VisualClip
from reelcraft.plan import CaptionLook, Language, OutputPreset
from reelcraft.tools.captions import CaptionInput, SceneCaptionSource, TimedWord, make_captions
from reelcraft.tools.deps import Deps

RATE = 48_000
MOTIONS = [Motion.ZOOM_IN, Motion.PAN_RIGHT, Motion.ZOOM_OUT, Motion.PAN_LEFT]


def sample_image(path: Path, seed: int, size: tuple[int, int] = (1600, 2400)) -> Path:
    """A photo-like still: gradient sky, shapes with edges, fine texture (so scaling shows)."""
    rng = np.random.default_rng(seed)
    w, h = size
    top, bottom = rng.integers(40, 220, 3), rng.integers(40, 220, 3)
    ramp = np.linspace(0, 1, h)[:, None, None]
    img = (top * (1 - ramp) + bottom * ramp) * np.ones((1, w, 1))
    canvas = Image.fromarray(img.astype(np.uint8))
    draw = ImageDraw.Draw(canvas)
    for _ in range(14):
        x, y, r = rng.integers(0, w), rng.integers(0, h), rng.integers(60, 360)
        colour = tuple(int(c) for c in rng.integers(0, 255, 3))
        if rng.random() < 0.5:
            draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
        else:
            draw.rectangle((x - r, y - r // 2, x + r, y + r // 2), fill=colour)
    canvas = canvas.filter(ImageFilter.GaussianBlur(1.5))
    noise = rng.normal(0, 6, (h, w, 3))
    Image.fromarray((np.asarray(canvas) + noise).clip(0, 255).astype(np.uint8)).save(path, quality=90)
    return path


def synth_audio(folder: Path, duration: float) -> tuple[Path, Path]:
    """A chord loop for music and syllable-like noise bursts for a voice."""
    t = np.arange(int(duration * RATE)) / RATE
    chords = [(220.0, 277.2, 329.6), (196.0, 246.9, 293.7), (174.6, 220.0, 261.6), (196.0, 246.9, 311.1)]
    music = np.zeros_like(t)
    for i, chord in enumerate(chords * int(duration // 8 + 1)):
        seg = (t >= i * 2.0) & (t < (i + 1) * 2.0)
        for f in chord:
            music[seg] += np.sin(2 * np.pi * f * t[seg]) * np.exp(-(t[seg] - i * 2.0) * 0.8)
    music *= 0.15
    rng = np.random.default_rng(7)
    noise = np.convolve(rng.normal(0, 1, len(t)), np.ones(12) / 12, mode="same")
    syllables = (np.sin(2 * np.pi * 4.0 * t) > 0.2) & ((t % 5.0) < 3.5)
    voice = 0.3 * noise * syllables
    music_path, voice_path = folder / "music.wav", folder / "voice.wav"
    sf.write(music_path, music, RATE)
    sf.write(voice_path, voice, RATE)
    return music_path, voice_path


def sample_timeline(folder: Path, *, duration: float = 30.0, clips: int = 5, width: int = 1080,
                    height: int = 1920, fps: int = 30, crossfade: float = 0.5, frames_clip: bool = False,
                    caption_style: str = "pop", logo: Path | None = None,
                    words: tuple[str, ...] = ("Save", "$5", "on", "coffee", "every", "morning", "with", "this",
                                              "trick.")) -> Timeline:  # fmt: skip
    """Stills with moves and crossfades, captions in `caption_style` (key words emphasised, an emoji), voice and
    ducked music; `logo` adds a logo overlay in the top-right corner of the safe area, as a brand kit does."""
    folder.mkdir(parents=True, exist_ok=True)
    per = duration / clips
    visuals = []
    for i in range(clips):
        start = round(i * per * fps) / fps
        end = round((i + 1) * per * fps) / fps if i < clips - 1 else duration
        common = {"start": start, "duration": end - start, "crossfade_in": crossfade if i else 0.0,
                  "scene_index": i}
        if frames_clip and i == clips - 1:
            visuals.append(VisualClip(kind="frames", generator="drift", params={"seed": i}, **common))
        else:
            image = sample_image(folder / f"still{i}.jpg", seed=i)
            visuals.append(VisualClip(source=image, kind="image", motion=MOTIONS[i % 4], **common))
    music, voice = synth_audio(folder, duration)
    preset = OutputPreset(width=width, height=height, fps=fps)
    scenes = []
    for i, clip in enumerate(visuals):
        said = [w.replace("$5", f"${i + 5}") for w in words]
        step = (clip.duration - 0.6) / len(said)
        timed = [TimedWord(text=wd, start=clip.start + 0.3 + k * step, end=clip.start + 0.3 + (k + 1) * step)
                 for k, wd in enumerate(said)]
        scenes.append(SceneCaptionSource(start=clip.start, duration=clip.duration, words=timed,
                                         overlay=f"Coffee for ${i + 5}"))
    deps = Deps.from_settings(Settings(home=folder / "home"))
    captions = make_captions(CaptionInput(language=Language.EN, preset=preset, scenes=scenes,
                                          look=CaptionLook(style=caption_style)), deps)  # fmt: skip
    overlays = (Overlay(source=logo, x=0.85, y=0.19, width=0.13, opacity=0.9),) if logo is not None else ()
    return Timeline(
        width=width, height=height, fps=fps, duration=duration, visuals=visuals,
        audio=[AudioClip(source=voice, start=0, role="voice"),
               AudioClip(source=music, start=0, role="music", gain_db=-4, duck_under_voice=True)],
        captions=CaptionTrack(ass=captions.ass.path, srt=captions.srt.path, vtt=captions.vtt.path,
                              fonts_dir=captions.font.directory), overlays=overlays,
    )  # fmt: skip
