"""The offline illustration library: the installed npm packages, their keywords, SVG rendering, the index."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from reelcraft.errors import VisualsError
from reelcraft.media.illustration_index import concepts, ensure_index, index_path, load_index
from reelcraft.media.illustrations import (
    DEFAULT_SET,
    ILLUSTRATION_SETS,
    Illustration,
    attribution,
    library_dir,
    load_catalog,
    missing_packages,
    picture_words,
    render_png,
    svg_of,
)
from reelcraft.models.embeddings import HashingEmbedder


@pytest.fixture(scope="module")
def root(models_home: Path) -> Path:
    path = library_dir(models_home)
    assert not missing_packages(path), "run `make install` (scripts/setup_illustrations.sh)"
    return path


def test_each_set_has_thousands_of_pictures_with_english_and_chinese_keywords(root: Path) -> None:
    for name in ILLUSTRATION_SETS:
        catalog = load_catalog(root, name)
        assert len(catalog) >= 3000
        assert all(item.label_en and item.label_zh for item in catalog)
    coffee = next(item for item in load_catalog(root, DEFAULT_SET) if item.emoji == "☕")
    assert "coffee" in coffee.keywords("en") and "咖啡" in coffee.keywords("zh")


def test_every_picture_word_names_a_picture_the_default_set_draws(root: Path) -> None:
    drawn = {item.base for item in load_catalog(root, DEFAULT_SET)}
    assert set(picture_words()) <= drawn


def test_a_picture_renders_to_a_transparent_sprite(root: Path, tmp_path: Path) -> None:
    cat = next(item for item in load_catalog(root, DEFAULT_SET) if item.emoji == "🐈")
    with Image.open(render_png(svg_of(root, cat), 256, tmp_path / "cat.png")) as img:
        assert img.size == (256, 256) and img.mode == "RGBA"
        alpha = np.asarray(img)[..., 3]
    assert alpha[0, 0] == 0 and (alpha > 0).mean() > 0.2  # a drawn cat on a clear background


def test_an_svg_that_fails_to_render_names_the_stage(tmp_path: Path) -> None:
    with pytest.raises(VisualsError, match="illustration failed to render") as err:
        render_png("<svg><path d='M0 0 L", 64, tmp_path / "broken.png")
    assert "another illustration" in err.value.fix
    assert not (tmp_path / "broken.png").exists()


def test_an_unknown_picture_or_a_missing_library_is_a_clear_error(root: Path, tmp_path: Path) -> None:
    ghost = Illustration(id="noto:no-such-picture", set="noto", emoji="?", base="?", label_en="", tags_en=(),
                         label_zh="", tags_zh=())  # fmt: skip
    with pytest.raises(VisualsError, match="no drawing"):
        svg_of(root, ghost)
    with pytest.raises(VisualsError, match="not installed") as err:
        load_catalog(tmp_path)
    assert "make install" in err.value.fix


def test_attribution_names_the_sets_used_and_the_keywords() -> None:
    lines = attribution({"noto"})
    assert any("Noto Emoji" in line and "Apache-2.0" in line for line in lines)
    assert any("emojibase" in line for line in lines) and attribution(set()) == []


def test_a_missing_or_corrupt_index_is_rebuilt_with_a_message(root: Path, tmp_path: Path) -> None:
    copy = tmp_path / "illustrations"
    copy.mkdir()
    (copy / "node_modules").symlink_to(root / "node_modules")
    embedder = HashingEmbedder()  # the logic around the index; the e5 index is exercised in test_visual_match
    messages: list[str] = []
    built = ensure_index(copy, embedder, on_rebuild=messages.append)
    assert "missing" in messages[0] and len(built.concepts) == len(concepts(copy)) > 1500
    assert load_index(copy, embedder) is not None
    index_path(copy, embedder).write_bytes(b"not an npz")
    again = ensure_index(copy, embedder, on_rebuild=messages.append)
    assert "unreadable" in messages[1]
    assert np.allclose(again.vectors_en, built.vectors_en)
