"""plan → assets → timeline → rendered draft, each step through a tool's typed interface and cached.

Only what changed is re-made: every tool keys its output by the hash of its inputs.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from reelcraft.brand import BrandKit
from reelcraft.config import Settings
from reelcraft.edit.layout import PICTURE_ZONE
from reelcraft.edit.timeline import AudioClip, CaptionTrack, Motion, Overlay, Timeline, VisualClip
from reelcraft.errors import ModerationError, VoiceoverError
from reelcraft.media.caption_styles import caption_style
from reelcraft.media.probe import run_ffmpeg
from reelcraft.plan import (
    VOICE_LEAD_S,
    VOICE_TAIL_S,
    AssetRef,
    Draft,
    DraftMusic,
    DraftOutputs,
    DraftSceneVisual,
    DraftStatus,
    Language,
    OutputPreset,
    Platform,
    VideoPlan,
)
from reelcraft.render.graph import extract_thumbnail, render_timeline
from reelcraft.safety.policy import Policy
from reelcraft.storage.cache import hash_file
from reelcraft.storage.drafts import DraftStore
from reelcraft.tools.captions import (
    CaptionInput,
    CaptionOutput,
    SceneCaptionSource,
    TimedWord,
    caption_block_top,
    make_captions,
)
from reelcraft.tools.deps import Deps
from reelcraft.tools.moderation import moderate_plan
from reelcraft.tools.music import MusicInput, MusicOutput, UserTrackInput, fit_user_track, make_music
from reelcraft.tools.visuals import SceneVisualSpec, VisualsInput, VisualsOutput, pick_visuals
from reelcraft.tools.voiceover import VoiceoverInput, VoiceoverOutput, make_voiceover

MAX_SPEEDUP = 1.3
SPEEDUP_TRIES = 3
"""Rounds of faster speech before the narration is called too long (a name-heavy script needed two)."""
CROSSFADE_S = 0.3
"""Dissolve between scenes; long enough to read as a transition, short enough to keep the pace."""
MOTIONS = [Motion.ZOOM_IN, Motion.PAN_RIGHT, Motion.ZOOM_OUT, Motion.PAN_LEFT]
RENDER_VERSION = 5
NO_MUSIC = {"none", "no music", "silence", "无", "无音乐", "不要音乐"}


def fit_scene_durations(planned: list[float], voice: list[float], target: float, fps: int) -> list[float] | None:
    """Scene lengths that sum to `target`, keep the plan's proportions where they can, and give every
    scene room for its narration; None when the narration cannot fit at all."""
    need = [v + VOICE_LEAD_S + VOICE_TAIL_S for v in voice]
    if sum(need) > target:
        return None
    durations = [p * target / sum(planned) for p in planned]
    fixed: set[int] = set()
    for _ in range(len(planned) + 1):
        short = {i for i, d in enumerate(durations) if d < need[i] - 1e-9} | fixed
        if short == fixed and all(durations[i] >= need[i] - 1e-9 for i in range(len(durations))):
            break
        fixed = short
        free = [i for i in range(len(planned)) if i not in fixed]
        remaining = target - sum(need[i] for i in fixed)
        weight = sum(planned[i] for i in free)
        durations = [need[i] if i in fixed else planned[i] * remaining / weight for i in range(len(planned))]
    frames_total = round(target * fps)
    bounds, acc = [0], 0.0
    for d in durations[:-1]:
        acc += d
        bounds.append(round(acc * fps))
    bounds.append(frames_total)
    return [(b - a) / fps for a, b in zip(bounds, bounds[1:], strict=False)]


def voice_and_timing(plan: VideoPlan, deps: Deps, voice: str | None,
                     ) -> tuple[VideoPlan, VoiceoverOutput, list[float]]:  # fmt: skip
    """Narrate every scene, speeding the voice up (within reason) when the script runs long, and when even
    that is not enough, cutting the last sentence of the longest scene until it fits: a brief must end in a
    video, with what was cut named in its notes. The plan comes back with the narration that was said."""
    from reelcraft.tools.script_checks import sentences

    spoken, durations, speed = _voice_and_fit(plan, deps, voice)
    while durations is None:
        parts = [sentences(s.voiceover) for s in plan.scenes]
        lengths = [s.asset.duration or 0.0 for s in spoken.scenes]
        longest = max((i for i in range(len(parts)) if len(parts[i]) > 1), key=lambda i: lengths[i], default=None)
        scenes = list(plan.scenes)
        if longest is not None:
            kept = parts[longest][:-1]
            joined = ("" if plan.language == Language.ZH else " ").join(kept)
            scenes[longest] = scenes[longest].model_copy(update={"voiceover": joined})
            deps.warn("voiceover", f"scene {longest + 1} lost its last sentence (“{parts[longest][-1][:60]}”) to "
                                   f"fit {plan.target_duration:g} s")  # fmt: skip
        else:  # one sentence a scene and still too long: the longest sentence is shortened (a Russian title
            # read by the English voice needed 41 s for 30 s), so the brief still ends in a video
            cuttable = [i for i, s in enumerate(plan.scenes) if _shortened(s.voiceover, plan.language) != s.voiceover]
            if not cuttable:
                raise VoiceoverError(
                    f"the narration needs {sum(lengths):.1f} s even spoken faster and cut to a few words a scene, "
                    f"but the video is {plan.target_duration:g} s",
                    "shorten the voiceover or ask for a longer video",
                )
            longest = max(cuttable, key=lambda i: lengths[i])
            shorter = _shortened(plan.scenes[longest].voiceover, plan.language)
            scenes[longest] = scenes[longest].model_copy(update={"voiceover": shorter})
            deps.warn("voiceover", f"scene {longest + 1} was shortened to “{shorter[:60]}” to fit "
                                   f"{plan.target_duration:g} s")  # fmt: skip
        plan = plan.model_copy(update={"scenes": scenes})
        spoken, durations, speed = _voice_and_fit(plan, deps, voice, speed)
    return plan, spoken, durations


def _shortened(sentence: str, language: Language) -> str:
    """A sentence cut to its first clause, else to about two thirds of its words (never under 3 words or 6
    characters), with a stop; unchanged when it is already that short."""
    zh = language == Language.ZH
    core = sentence.strip().rstrip(".!?。！？…")
    units = list(core) if zh else core.split()
    least = 6 if zh else 3
    if len(units) <= least:
        return sentence
    clause = re.split(r"[,，;；:：]\s*", core)[0].strip()
    if least <= (len(clause) if zh else len(clause.split())) < len(units):
        return clause + ("。" if zh else ".")
    keep = max(least, len(units) * 2 // 3)
    return ("".join(units[:keep]) + "。") if zh else (" ".join(units[:keep]).rstrip(",;:") + ".")


def _voice_and_fit(plan: VideoPlan, deps: Deps, voice: str | None, start_speed: float = 1.0,
                   ) -> tuple[VoiceoverOutput, list[float] | None, float]:  # fmt: skip
    texts = [s.voiceover for s in plan.scenes]
    planned = [s.duration for s in plan.scenes]
    spoken = make_voiceover(VoiceoverInput(language=plan.language, texts=texts, voice=voice, speed=start_speed), deps)
    lengths = [s.asset.duration or 0.0 for s in spoken.scenes]
    durations = fit_scene_durations(planned, lengths, plan.target_duration, plan.preset.fps)
    room = plan.target_duration - len(texts) * (VOICE_LEAD_S + VOICE_TAIL_S)
    speed, first = start_speed, sum(lengths)
    for _ in range(SPEEDUP_TRIES):  # the voice does not speed up in proportion: measure and try again
        if durations is not None or speed >= MAX_SPEEDUP:
            break
        speed = min(MAX_SPEEDUP, round(speed * sum(lengths) / max(room, 0.1) * 1.03, 2))
        spoken = make_voiceover(
            VoiceoverInput(language=plan.language, texts=texts, voice=voice, speed=speed), deps
        )
        lengths = [s.asset.duration or 0.0 for s in spoken.scenes]
        durations = fit_scene_durations(planned, lengths, plan.target_duration, plan.preset.fps)
    if speed > start_speed:
        deps.warn("voiceover", f"narration runs {first:.1f} s for {plan.target_duration:g} s: "
                               f"speaking {speed:.2f}× faster")
    return spoken, durations, speed


def scene_needs(spoken: VoiceoverOutput) -> list[float]:
    """Shortest length of each scene: its narration plus the lead-in and breathing room."""
    return [(s.asset.duration or 0.0) + VOICE_LEAD_S + VOICE_TAIL_S for s in spoken.scenes]


def score_the_edit(
    plan: VideoPlan, spoken: VoiceoverOutput, durations: list[float], deps: Deps
) -> tuple[MusicOutput | None, list[float]]:
    """Music for the draft and the scene lengths that fit it: generated music is composed so cuts land
    on bar lines; the creator's own track moves the cuts to its downbeats instead."""
    if plan.music_file is None and plan.music_mood.strip().lower() in NO_MUSIC:
        return None, durations
    needs = scene_needs(spoken)
    if plan.music_file is not None:
        music = fit_user_track(UserTrackInput(path=plan.music_file, duration=plan.target_duration,
                                              scene_durations=durations, scene_minimums=needs,
                                              fps=plan.preset.fps), deps)  # fmt: skip
    else:
        music = make_music(MusicInput(mood=plan.music_mood, duration=plan.target_duration, seed=plan.music_seed,
                                      scene_durations=durations, scene_minimums=needs, fps=plan.preset.fps,
                                      energy=plan.music_energy), deps)  # fmt: skip
    return music, music.scene_durations or durations


def build_timeline(
    plan: VideoPlan, spoken: VoiceoverOutput, durations: list[float], visuals: VisualsOutput,
    captions: CaptionOutput, music: MusicOutput | None = None, bookends: Bookends | None = None,
) -> Timeline:
    preset = plan.preset
    bookends = bookends or Bookends()
    clips, audio = [], []
    if bookends.intro is not None:
        clips.append(bookends.intro.clip(0.0))
        audio += bookends.intro.audio_at(0.0)
    start = lead = bookends.lead
    for index, (duration, visual, voice) in enumerate(zip(durations, visuals.scenes, spoken.scenes, strict=True)):
        frames = visual.kind == "frames"
        clips.append(VisualClip(
            source=None if frames else visual.asset.path, kind=visual.kind, start=round(start, 4), duration=duration,
            source_duration=visual.source_duration, source_in=visual.source_in,
            motion=Motion.NONE if frames else MOTIONS[index % len(MOTIONS)],
            scene_index=index, crossfade_in=CROSSFADE_S if index or lead else 0.0, generator=visual.generator,
            params=visual.params, sprites=visual.sprites,
        ))  # fmt: skip
        audio.append(AudioClip(source=voice.asset.path, start=round(start + VOICE_LEAD_S, 4), role="voice"))
        start += duration
    if music is not None:
        audio.append(AudioClip(source=music.asset.path, start=round(lead, 4), role="music", duck_under_voice=True))
    content_end = start
    if bookends.outro is not None:
        clips.append(bookends.outro.clip(round(start, 4)))
        audio += bookends.outro.audio_at(start)
        start += bookends.outro.seconds
    overlays = tuple(o.model_copy(update={"start": round(lead, 4), "end": round(content_end, 4)})
                     for o in bookends.overlays)  # fmt: skip
    return Timeline(
        width=preset.width, height=preset.height, fps=preset.fps, duration=round(start, 4),
        visuals=clips, audio=audio, overlays=overlays,
        captions=CaptionTrack(ass=captions.ass.path, srt=captions.srt.path, vtt=captions.vtt.path,
                              fonts_dir=captions.font.directory),
    )  # fmt: skip


class Bookend(BaseModel):
    """A brand's intro or outro as it goes on the timeline: a clip (with its own sound, when it has any) or a card."""

    source: Path
    kind: Literal["image", "video"]
    seconds: float
    sound: Path | None = None
    """The clip's sound as a WAV, or None when it has none."""

    def clip(self, start: float) -> VisualClip:
        return VisualClip(source=self.source, kind=self.kind, start=start, duration=self.seconds,
                          source_duration=self.seconds if self.kind == "video" else None)  # fmt: skip

    def audio_at(self, start: float) -> list[AudioClip]:
        return [AudioClip(source=self.sound, start=round(start, 4), role="sfx")] if self.sound else []


class Bookends(BaseModel):
    """What a brand adds around the content: an intro, an outro, and stills over the content (its logo)."""

    intro: Bookend | None = None
    outro: Bookend | None = None
    overlays: tuple[Overlay, ...] = ()

    @property
    def lead(self) -> float:
        return self.intro.seconds if self.intro else 0.0


def brand_bookends(brand: BrandKit | None, plan: VideoPlan, deps: Deps) -> Bookends:
    """The brand's intro, outro and logo for this draft (the logo only when the draft shows it)."""
    if brand is None:
        return Bookends()
    preset = plan.preset
    overlays: tuple[Overlay, ...] = ()
    if brand.logo is not None and plan.look.logo:
        overlays = (logo_overlay(brand, preset),)
    return Bookends(intro=_bookend(brand.intro, brand, plan, deps), outro=_bookend(brand.outro, brand, plan, deps),
                    overlays=overlays)  # fmt: skip


LOGO_MARGIN = 0.02
"""Space between the logo and the safe area's edges, as a share of the frame's short side."""


def logo_overlay(brand: BrandKit, preset: OutputPreset) -> Overlay:
    """The logo in its corner of the safe area, sized on the frame's short side (the same in every shape)."""
    assert brand.logo is not None
    from PIL import Image

    with Image.open(brand.logo) as img:
        aspect = img.height / img.width
    short = min(preset.width, preset.height)
    width_px = brand.logo_size * short
    width_px = min(width_px, 0.5 * short / max(aspect, 0.2))  # a tall logo is capped by its height
    height_px = width_px * aspect
    left, top, right, bottom = preset.safe_box()
    margin = LOGO_MARGIN * short
    x = left + margin + width_px / 2 if brand.logo_position.endswith("left") else right - margin - width_px / 2
    y = top + margin + height_px / 2 if brand.logo_position.startswith("top") else bottom - margin - height_px / 2
    return Overlay(source=brand.logo, x=round(x / preset.width, 4), y=round(y / preset.height, 4),
                   width=round(width_px / preset.width, 4), opacity=brand.logo_opacity)  # fmt: skip


def _bookend(path: Path | None, brand: BrandKit, plan: VideoPlan, deps: Deps) -> Bookend | None:
    if path is None:
        return None
    from reelcraft.media.probe import probe

    if path.suffix.lower() in (".png", ".jpg", ".jpeg", ".webp"):
        return Bookend(source=path, kind="image", seconds=_frames(brand.card_seconds, plan.preset.fps))
    info = probe(path)
    seconds = _frames(info.duration or brand.card_seconds, plan.preset.fps)
    sound = None
    if info.audio_codec:
        digest = hash_file(path)
        _, folder = deps.cache.get_or_make(
            "brand_sound", {"file": digest, "v": 1},
            lambda f: run_ffmpeg(["-i", str(path), "-vn", "-ac", "2", "-ar", "48000", "-t", f"{seconds:.3f}",
                                  str(f / "sound.wav")], stage="brand", ffmpeg=deps.settings.ffmpeg),
        )  # fmt: skip
        sound = folder / "sound.wav"
    return Bookend(source=path, kind="video", seconds=seconds, sound=sound)


def _frames(seconds: float, fps: int) -> float:
    return max(1, round(seconds * fps)) / fps


def _chosen_media(name: str | None, media_dir: Path | None) -> Path | None:
    """A scene's chosen file: a path as given, else the name inside the media folder (checked by the visuals
    tool, which names the scene when the file is missing)."""
    if not name:
        return None
    path = Path(name).expanduser()
    if not path.is_absolute() and not path.exists() and media_dir is not None:
        return media_dir / name
    return path


def moderation_policy(settings: Settings, brand: BrandKit | None, platform: Platform) -> Policy:
    """The policy a draft is checked under: the brand kit's own, else the configured preset or file, else the
    platform's preset."""
    from reelcraft.safety.policy import platform_policy, preset, read_policy

    if brand is not None and brand.policy:
        return read_policy(brand.policy, f"brand {brand.name}'s policy")
    chosen = settings.moderation.policy.strip()
    if not chosen:
        return platform_policy(platform)
    path = Path(chosen).expanduser()
    if path.suffix.lower() == ".toml" or path.is_file():
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ModerationError(
                f"the policy file {path} cannot be read: {exc}",
                "set [moderation] policy to a preset name or a readable TOML file",
            ) from exc
        return read_policy(text, str(path))
    return preset(chosen)


def _link_or_copy(src: Path, dst: Path) -> None:
    dst.unlink(missing_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def render_plan(
    plan: VideoPlan,
    deps: Deps,
    store: DraftStore,
    *,
    brief: str = "",
    media_dir: Path | None = None,
    draft_id: str | None = None,
    voice: str | None = None,
    profile: str = "final",
    brand: BrandKit | None = None,
) -> Draft:
    """Make every asset for `plan` (reusing cached ones), render, and save a new draft version. A `brand` sets the
    captions' font and colour, the logo, and the intro and outro; none of it touches the voice, music or pictures."""
    caption_style(plan.look.captions.style)  # an unknown style fails here, before anything is made
    # moderation runs before anything is made: a block stops here with its reasons, a fix is rewritten in the plan
    policy = moderation_policy(deps.settings, brand, plan.platform)
    plan, flags = moderate_plan(plan, deps, policy)
    bookends = brand_bookends(brand, plan, deps)
    # a scene's chosen file is kept by its full path, so later versions (another shape, a caption edit) find it
    # without the media folder
    chosen = [_chosen_media(s.visual_media, media_dir) for s in plan.scenes]
    plan = plan.model_copy(update={"scenes": [
        s.model_copy(update={"visual_media": str(path.resolve())}) if path is not None and path.is_file() else s
        for s, path in zip(plan.scenes, chosen, strict=True)]})  # fmt: skip
    deps.progress("voiceover", "narrating scenes")
    plan, spoken, durations = voice_and_timing(plan, deps, voice)
    deps.progress("music", "scoring the edit")
    music, durations = score_the_edit(plan, spoken, durations, deps)
    visuals = pick_visuals(
        VisualsInput(
            scenes=[SceneVisualSpec(description=s.visual, keywords=s.on_screen_text, duration=d, variant=s.visual_seed,
                                    narration=s.voiceover, media=_chosen_media(s.visual_media, media_dir),
                                    word_times=[(w.text, round(VOICE_LEAD_S + w.start, 3)) for w in v.words])
                    for s, d, v in zip(plan.scenes, durations, spoken.scenes, strict=True)],
            media_dir=media_dir, preset=plan.preset, mood=plan.music_mood,
            backgrounds=deps.settings.backgrounds, gan_checkpoint=deps.settings.gan_checkpoint,
            energy=music.analysis.energy if music else None,
            energy_rate_hz=music.analysis.energy_rate_hz if music else 10.0, style=plan.visual_style,
            illustrate=deps.settings.illustrations, beats=music.analysis.beats if music else [],
            picture_zone=_picture_zone(plan, deps, brand),
        ),
        deps,
    )  # fmt: skip
    plan = plan.model_copy(update={"scenes": [
        scene.model_copy(update={"visual_relevance": visual.relevance})
        for scene, visual in zip(plan.scenes, visuals.scenes, strict=True)]})  # fmt: skip
    deps.progress("captions", "laying out captions")
    scene_sources, start = [], bookends.lead
    for index, (scene, duration, voice_scene) in enumerate(zip(plan.scenes, durations, spoken.scenes, strict=True)):
        offset = start + VOICE_LEAD_S
        words = [TimedWord(text=w.text, start=offset + w.start, end=offset + w.end) for w in voice_scene.words]
        overlay = plan.hook if index == 0 and plan.hook else scene.on_screen_text
        scene_sources.append(SceneCaptionSource(start=start, duration=duration, words=words, overlay=overlay))
        start += duration
    captions = make_captions(
        CaptionInput(language=plan.language, preset=plan.preset, scenes=scene_sources,
                     call_to_action=plan.call_to_action, look=plan.look.captions,
                     font=brand.font if brand else None, accent=brand.palette[0] if brand and brand.palette else None,
                     headline_inset=_headline_inset(bookends, plan.preset)),
        deps,
    )  # fmt: skip
    timeline = build_timeline(plan, spoken, durations, visuals, captions, music, bookends)

    def make_render(folder: Path) -> None:
        deps.progress("render", f"rendering the {profile} cut at {timeline.fps} fps")
        render_timeline(
            timeline, folder / "video.mp4", folder / "work", profile=profile, encoder=deps.settings.encoder,
            x264_preset=deps.settings.x264_preset if profile == "final" else None, ffmpeg=deps.settings.ffmpeg,
            on_progress=lambda f: deps.progress("render", f"{f:.0%}"),
            on_warning=lambda message: deps.warn("render", message),
        )  # fmt: skip
        extract_thumbnail(folder / "video.mp4", min(1.0, timeline.duration / 2), folder / "thumbnail.jpg",
                          ffmpeg=deps.settings.ffmpeg)
        shutil.rmtree(folder / "work", ignore_errors=True)

    render_key, render_dir = deps.cache.get_or_make(
        "render",
        {"timeline": timeline, "profile": profile, "preset": deps.settings.x264_preset, "v": RENDER_VERSION},
        make_render,
    )
    cover = make_cover(plan, timeline, durations, bookends, render_dir / "video.mp4", captions, brand, deps)
    draft = store.new_version(draft_id, plan=plan, brief=brief)
    folder = store.version_dir(draft.id, draft.version)
    outputs = DraftOutputs(
        video=folder / "video.mp4", srt=folder / "captions.srt", vtt=folder / "captions.vtt",
        plan_json=folder / "plan.json", thumbnail=folder / "thumbnail.jpg", timeline_json=folder / "timeline.json",
        cover=folder / "cover.jpg",
    )  # fmt: skip
    _link_or_copy(cover, folder / "cover.jpg")
    (folder / "timeline.json").write_text(timeline.model_dump_json(indent=2), encoding="utf-8")
    _link_or_copy(render_dir / "video.mp4", outputs.video)
    _link_or_copy(render_dir / "thumbnail.jpg", outputs.thumbnail)
    _link_or_copy(captions.srt.path, outputs.srt)
    _link_or_copy(captions.vtt.path, outputs.vtt)
    outputs.plan_json.write_text(plan.model_dump_json(indent=2), encoding="utf-8")
    assets = [
        *(s.asset for s in spoken.scenes), *(v.asset for v in visuals.scenes), captions.ass, captions.srt,
        *([music.asset] if music else []),
        AssetRef(kind="video", key=render_key, path=render_dir / "video.mp4", duration=timeline.duration),
        AssetRef(kind="cover", key=cover.parent.name, path=cover),
    ]  # fmt: skip
    draft = draft.model_copy(update={
        "assets": assets, "outputs": outputs, "status": DraftStatus.RENDERED, "notes": list(deps.warnings),
        "scene_durations": durations, "music": _music_summary(music), "credits": visuals.credits,
        "flags": flags, "policy": policy.name,
        "visuals": [DraftSceneVisual(origin=v.origin, source=v.source_name, pictures=v.pictures, figure=v.figure,
                                     relevance=v.relevance) for v in visuals.scenes],
    })  # fmt: skip
    store.save(draft)
    return draft


COVER_VERSION = 1


def _headline_inset(bookends: Bookends, preset: OutputPreset) -> int:
    """Room the headline leaves at each side for a logo in a top corner."""
    left, top, right, _ = preset.safe_box()
    for overlay in bookends.overlays:
        if overlay.y * preset.height < top + 0.25 * (preset.height - top):
            return round(overlay.width * preset.width + LOGO_MARGIN * min(preset.width, preset.height))
    return 0


def make_cover(plan: VideoPlan, timeline: Timeline, durations: list[float], bookends: Bookends, video: Path,
               captions: CaptionOutput, brand: BrandKit | None, deps: Deps) -> Path:  # fmt: skip
    """The draft's cover for its frame shape: the sharpest scene middle, redrawn without captions, titled in the
    brand's font (cached on the render and the title, so a caption edit re-makes it and nothing else does)."""
    from reelcraft.media.fonts import find_caption_font
    from reelcraft.render.cover import design_cover, pick_cover_time
    from reelcraft.render.graph import render_still

    preset = plan.preset
    starts, at = [], bookends.lead
    for duration in durations:
        starts.append(at + duration / 2)  # the middle of a scene: never inside a crossfade
        at += duration
    font = captions.font
    fallback = find_caption_font(deps.settings.font_cjk) if brand is not None and brand.font else None
    accent = (brand.palette[0] if brand and brand.palette else None) or caption_style(plan.look.captions.style).accent
    title = plan.title.strip()
    zone = _picture_zone(plan, deps, brand)

    def make(folder: Path) -> None:
        chosen = pick_cover_time(video, starts, preset.width, preset.height, (round(zone[0]), round(zone[1])),
                                 deps.settings.ffmpeg)  # fmt: skip
        still = render_still(timeline, chosen, folder / "work" / "frame.png", folder / "work", deps.settings.ffmpeg)
        from PIL import Image

        with Image.open(still) as frame:
            design_cover(frame.convert("RGB"), title, font, fallback, preset.safe_box(), accent, folder / "cover.jpg")
        still.replace(folder / "frame.png")  # the picture under the title, kept for checks and re-designs
        (folder / "cover.json").write_text(json.dumps({"at": round(chosen, 3), "font": font.family,
                                                       "title": title}, ensure_ascii=False), encoding="utf-8")
        shutil.rmtree(folder / "work", ignore_errors=True)

    _, folder = deps.cache.get_or_make(
        "cover", {"video": hash_file(video), "timeline": timeline.model_copy(update={"captions": None}),
                  "title": title, "font": font, "accent": accent, "v": COVER_VERSION}, make,
    )  # fmt: skip
    return folder / "cover.jpg"


def _picture_zone(plan: VideoPlan, deps: Deps, brand: BrandKit | None) -> tuple[float, float]:
    """Below the headline, above the caption style's block (a bigger style leaves the pictures less room)."""
    preset = plan.preset
    _, top, _, bottom = preset.safe_box()
    block_top = caption_block_top(plan.look.captions, preset, deps, brand.font if brand else None)
    return round(top + PICTURE_ZONE[0] * (bottom - top), 1), round(block_top - 0.01 * preset.height, 1)


def _music_summary(music: MusicOutput | None) -> DraftMusic | None:
    if music is None:
        return None
    return DraftMusic(origin=music.origin, mood=music.mood.profile if music.mood else None,
                      energy=music.mood.energy if music.mood else None, tempo=round(music.tempo, 3), key=music.key,
                      grid_beats=music.grid_beats, downbeats=music.downbeats)
