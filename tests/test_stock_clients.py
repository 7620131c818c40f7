"""Pexels, Pixabay and OpenAI-compatible image generation against a local fake server: results parsed,
and every failure (timeout, 401, 429, 5xx, malformed JSON) a ProviderError that names the provider."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import pytest
from fake_providers import Route, fake_providers
from PIL import Image

from reelcraft.stock import ProviderError, download, generate_image, search_pexels, search_pixabay


def _png(colour: tuple[int, int, int] = (200, 120, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 112), colour).save(out, format="PNG")
    return out.getvalue()


PEXELS_VIDEOS = {"videos": [{"id": 7, "duration": 12, "url": "https://www.pexels.com/video/7/",
                             "user": {"name": "Ana"}, "tags": ["coffee", "cup"],
                             "video_files": [{"link": "LINK/sd.mp4", "width": 540, "height": 960},
                                             {"link": "LINK/uhd.mp4", "width": 2160, "height": 3840},
                                             {"link": "LINK/hd.mp4", "width": 1080, "height": 1920},
                                             {"link": "LINK/land.mp4", "width": 1920, "height": 1080}]}]}  # fmt: skip


def test_a_pexels_video_search_picks_the_tallest_portrait_file_and_sends_the_key() -> None:
    with fake_providers() as fake:
        fake.add("/videos/search", Route(body=PEXELS_VIDEOS))
        items = search_pexels("coffee", "video", "KEY", base_url=fake.url)
    assert [(i.id, i.url, i.height, i.duration, i.description) for i in items] == \
        [("7", "LINK/hd.mp4", 1920, 12.0, "coffee cup")]  # fmt: skip
    asked = fake.requests[0]
    assert asked["headers"]["Authorization"] == "KEY" and asked["query"]["orientation"] == ["portrait"]
    assert "Ana" in items[0].credit() and "Pexels License" in items[0].credit()


def test_pexels_photos_and_pixabay_videos_and_photos_parse() -> None:
    with fake_providers() as fake:
        fake.add("/v1/search", Route(body={"photos": [{"id": 3, "width": 3000, "height": 4500,
                                                       "alt": "A cup of coffee", "photographer": "Bo", "url": "P3",
                                                       "src": {"original": "O", "portrait": "PORT"}}]}))  # fmt: skip
        sizes = {"large": {"url": "", "width": 0}, "medium": {"url": "M9", "width": 1280, "height": 720}}
        fake.add("/api/videos/", Route(body={"hits": [{"id": 9, "tags": "cat, pet", "duration": 8, "user": "Cy",
                                                       "pageURL": "X9", "videos": sizes}]}))  # fmt: skip
        fake.add("/api/", Route(body={"hits": [{"id": 4, "tags": "dog", "largeImageURL": "L4", "imageWidth": 800,
                                                "imageHeight": 1200}]}))  # fmt: skip
        photo = search_pexels("coffee", "image", "K", base_url=fake.url)[0]
        clip = search_pixabay("cat", "video", "K", base_url=fake.url)[0]
        still = search_pixabay("dog", "image", "K", base_url=fake.url)[0]
    assert (photo.url, photo.description, photo.author) == ("PORT", "A cup of coffee", "Bo")
    assert (clip.url, clip.description, clip.kind) == ("M9", "cat, pet", "video")
    assert (still.url, still.kind) == ("L4", "image")
    assert fake.requests[-1]["query"]["key"] == ["K"] and fake.requests[-1]["query"]["orientation"] == ["vertical"]


@pytest.mark.parametrize(("route", "message"), [
    (Route(status=401, body={"error": "bad key"}), r"refused the key \(401\)"),
    (Route(status=429, body={}), r"rate limited \(429\)"),
    (Route(status=503, body=b"down"), "answered 503"),
    (Route(body=b"{not json", content_type="application/json"), "malformed JSON"),
    (Route(body={"videos": [{"no": "id", "video_files": [{"link": "x", "height": 10}]}]}), "unexpected shape"),
    (Route(body={}, delay_s=1.5), "timed out"),
])  # fmt: skip
def test_every_failure_names_the_provider(route: Route, message: str) -> None:
    with fake_providers() as fake:
        fake.add("/videos/search", route)
        with pytest.raises(ProviderError, match=message) as caught:
            search_pexels("coffee", "video", "KEY", base_url=fake.url, timeout_s=0.5)
    assert caught.value.provider == "pexels" and caught.value.stage == "visuals"
    assert "offline" in caught.value.fix or "key" in caught.value.fix or "minute" in caught.value.fix


def test_image_generation_answers_base64_or_a_url_and_a_download_is_its_bytes(tmp_path: Path) -> None:
    picture = _png()
    with fake_providers() as fake:
        fake.add("/v1/images/generations", Route(body={"data": [{"b64_json": base64.b64encode(picture).decode()}]}))
        assert generate_image("a cup of coffee", base_url=fake.url, api_key="K", model="m") == picture
        sent = fake.requests[-1]
        assert sent["method"] == "POST" and sent["headers"]["Authorization"] == "Bearer K"
        fake.add("/files/1.png", Route(body=picture, content_type="image/png"))
        fake.add("/v1/images/generations", Route(body={"data": [{"url": f"{fake.url}/files/1.png"}]}))
        assert generate_image("cat", base_url=fake.url + "/v1", api_key="", model="m") == picture
        fake.add("/v1/images/generations", Route(body={"data": []}))
        with pytest.raises(ProviderError, match="image generation: answered no usable image"):
            generate_image("cat", base_url=fake.url, api_key="", model="m")
        from reelcraft.stock import StockItem

        item = StockItem(provider="pexels", id="1", kind="image", url=f"{fake.url}/files/1.png")
        assert download(item, tmp_path / "x.png").read_bytes() == picture
