from __future__ import annotations

from pathlib import Path

import pytest

from reelcraft.config import Settings


def test_home_moves_with_env_and_holds_all_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REELCRAFT_HOME", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    settings = Settings()
    settings.ensure_dirs()
    assert settings.home == tmp_path / "data"
    for folder in (settings.cache_dir, settings.drafts_dir, settings.models_dir):
        assert folder.is_dir() and folder.is_relative_to(settings.home)


def test_toml_file_then_env_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "data"
    home.mkdir()
    (home / "reelcraft.toml").write_text('x264_preset = "fast"\n[llm]\nprovider = "ollama"\nmodel = "qwen2.5:7b"\n')
    monkeypatch.setenv("REELCRAFT_HOME", str(home))
    monkeypatch.chdir(tmp_path)
    settings = Settings()
    assert (settings.llm.provider, settings.llm.model, settings.x264_preset) == ("ollama", "qwen2.5:7b", "fast")
    monkeypatch.setenv("REELCRAFT_LLM__PROVIDER", "openai")
    monkeypatch.setenv("REELCRAFT_LLM__API_KEY", "sk-secret")
    settings = Settings()
    assert settings.llm.provider == "openai" and settings.llm.model == "qwen2.5:7b"
    assert "sk-secret" not in repr(settings)
