"""Brand kits in the review store (SQLite and a real Postgres): who may change them, that projects keep theirs
apart, and every bad file a creator might hand in, each refused or fixed with the stage and the reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from brand_files import busy_logo, clip, flat_logo, latin_font, logo_png
from PIL import Image
from test_review_store import PASSWORD

from reelcraft.brand import BrandKit, make_kit, read_brand_toml
from reelcraft.errors import AccessDenied, BrandError
from reelcraft.review.service import ReviewService


def _kit(tmp_path: Path, name: str = "acme", **extra: object) -> BrandKit:
    return make_kit({"name": name, "font": latin_font(), "logo": logo_png(tmp_path / f"{name}-logo.png"),
                     "palette": ["#FF5A36"], "caption_style": "boxed", **extra})  # fmt: skip


def test_an_editor_saves_a_brand_everyone_in_the_project_uses_it_and_a_viewer_cannot_change_it(
        review: ReviewService, team: dict, tmp_path: Path) -> None:  # fmt: skip
    project = team["project"]
    stored, notes = review.save_brand(team["eddie"], project, _kit(tmp_path))
    assert stored.font is not None and stored.font.is_file() and stored.font.is_relative_to(review.media_root)
    assert any("no Chinese characters" in note for note in notes)  # DejaVu Serif: Chinese falls back
    for person in ("olivia", "rita", "vic"):
        kit = review.brand(team[person], project, "ACME")
        assert kit.name == "acme" and kit.caption_style == "boxed" and kit.logo is not None and kit.logo.is_file()
    with pytest.raises(AccessDenied):
        review.save_brand(team["vic"], project, _kit(tmp_path, caption_style="pop"))
    with pytest.raises(AccessDenied):
        review.save_brand(team["rita"], project, _kit(tmp_path, caption_style="pop"))
    assert review.brand(team["olivia"], project, "acme").caption_style == "boxed"
    actions = [a.action for a in review.audit(team["olivia"], project)]
    assert actions.count("brand.save") == 1


def test_two_projects_keep_their_brands_apart(review: ReviewService, team: dict, tmp_path: Path) -> None:
    other = review.create_project(team["otto"], "other shop")
    review.save_brand(team["olivia"], team["project"], _kit(tmp_path, palette=["#FF5A36"]))
    review.save_brand(team["otto"], other, _kit(tmp_path, palette=["#2266FF"], caption_style="karaoke"))
    assert review.brand(team["olivia"], team["project"], "acme").palette == ["#FF5A36"]
    assert review.brand(team["otto"], other, "acme").palette == ["#2266FF"]
    with pytest.raises(Exception) as outsider:  # NotFound: not even a hint that the project exists
        review.brand(team["otto"], team["project"], "acme")
    assert "no such project" in str(outsider.value)


def test_an_unknown_brand_lists_the_project_s_brands(review: ReviewService, team: dict, tmp_path: Path) -> None:
    project = team["project"]
    with pytest.raises(BrandError, match="no brand kit yet"):
        review.brand(team["olivia"], project, "acme")
    review.save_brand(team["olivia"], project, _kit(tmp_path))
    review.save_brand(team["olivia"], project, _kit(tmp_path, name="zeta"))
    with pytest.raises(BrandError) as unknown:
        review.brand(team["olivia"], project, "acmee")
    assert unknown.value.stage == "brand" and "acme, zeta" in unknown.value.fix


def test_a_file_that_is_not_a_font_is_refused_by_name(review: ReviewService, team: dict, tmp_path: Path) -> None:
    fake = tmp_path / "Brand-Bold.ttf"
    fake.write_bytes(b"this is a PNG renamed to .ttf" * 40)
    with pytest.raises(BrandError) as refused:
        review.save_brand(team["olivia"], team["project"], _kit(tmp_path, font=fake))
    assert refused.value.stage == "brand" and "Brand-Bold.ttf is not a font file" in refused.value.message
    assert "TrueType or OpenType" in refused.value.fix
    assert review.brands(team["olivia"], team["project"]) == []  # nothing half-saved


def test_a_huge_logo_is_scaled_once_and_a_flat_one_loses_its_background(review: ReviewService, team: dict,
                                                                        tmp_path: Path) -> None:  # fmt: skip
    huge = logo_png(tmp_path / "huge.png", size=6000)
    stored, notes = review.save_brand(team["olivia"], team["project"], _kit(tmp_path, logo=huge))
    assert stored.logo is not None
    with Image.open(stored.logo) as img:
        assert max(img.size) == 1024 and img.mode == "RGBA"
    assert any("6000×6000" in note for note in notes)
    flat = flat_logo(tmp_path / "f.png")
    stored, notes = review.save_brand(team["olivia"], team["project"], _kit(tmp_path, logo=flat))
    assert stored.logo is not None
    with Image.open(stored.logo) as img:
        alpha = img.getchannel("A")
        assert alpha.getpixel((2, 2)) == 0 and alpha.getpixel((img.width // 2, img.height // 2)) == 255
    assert any("plain background was made transparent" in note for note in notes)
    busy = busy_logo(tmp_path / "b.png")
    _, notes = review.save_brand(team["olivia"], team["project"], _kit(tmp_path, logo=busy))
    assert any("drawn as a rectangle" in note for note in notes)


def test_an_intro_without_sound_is_kept_and_said_and_a_broken_one_is_refused(review: ReviewService, team: dict,
                                                                             tmp_path: Path) -> None:  # fmt: skip
    silent = clip(tmp_path / "intro.mp4", 1.0, sound=False)
    stored, notes = review.save_brand(team["olivia"], team["project"], _kit(tmp_path, intro=silent))
    assert stored.intro is not None and any("intro has no sound" in note for note in notes)
    broken = tmp_path / "outro.mp4"
    broken.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 200)
    with pytest.raises(BrandError) as refused:
        review.save_brand(team["olivia"], team["project"], _kit(tmp_path, outro=broken))
    assert "outro clip outro.mp4 cannot be read" in refused.value.message


def test_an_unknown_caption_style_lists_the_styles(review: ReviewService, team: dict, tmp_path: Path) -> None:
    with pytest.raises(BrandError) as refused:
        review.save_brand(team["olivia"], team["project"], _kit(tmp_path, caption_style="fancy"))
    assert "unknown caption style 'fancy'" in refused.value.message
    assert all(name in refused.value.fix for name in ("pop", "karaoke", "boxed", "lower_third", "outline"))


def test_brand_toml_paths_are_relative_to_the_file(tmp_path: Path) -> None:
    logo_png(tmp_path / "logo.png")
    (tmp_path / "brand.toml").write_text('name = "acme"\nlogo = "logo.png"\npalette = ["#ff5a36"]\n'
                                         'caption_style = "outline"\n', encoding="utf-8")  # fmt: skip
    kit = read_brand_toml(tmp_path / "brand.toml")
    assert kit.logo == tmp_path / "logo.png" and kit.palette == ["#FF5A36"] and kit.caption_style == "outline"
    (tmp_path / "bad.toml").write_text('name = "acme"\npalette = ["orange"]\n', encoding="utf-8")
    with pytest.raises(BrandError, match="palette"):
        read_brand_toml(tmp_path / "bad.toml")


def test_the_local_workspace_is_one_project_that_nobody_can_log_in_to(tmp_path: Path) -> None:
    review = ReviewService.open(f"sqlite:///{tmp_path / 'r.db'}", tmp_path / "media")
    first = review.local_workspace()
    assert review.local_workspace() == first
    with pytest.raises(Exception):  # noqa: B017 - LoginError: no password opens it
        review.login("local", PASSWORD)
