"""HTTP clients for stock search and image generation (httpx; tested against local fake servers).

Shapes follow the providers' documented APIs: Pexels `/videos/search` and `/v1/search` (the key in the
Authorization header), Pixabay `/api/videos/` and `/api/` (the key as a parameter), OpenAI's
`/v1/images/generations` (bearer key; `b64_json` or `url` answers)."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any, Literal

import httpx
from pydantic import BaseModel

from reelcraft.errors import VisualsError

PEXELS_LICENCE = "Pexels License (free to use, no attribution required), https://www.pexels.com/license/"
PIXABAY_LICENCE = "Pixabay Content License, https://pixabay.com/service/license-summary/"


class ProviderError(VisualsError):
    """A provider failed (timeout, refused key, rate limit, server error, an answer that makes no sense)."""

    def __init__(self, provider: str, message: str, fix: str = "") -> None:
        self.provider = provider
        super().__init__(f"{provider}: {message}", fix or "the scene uses the offline pictures instead")


class StockItem(BaseModel):
    provider: Literal["pexels", "pixabay", "generated"]
    id: str
    kind: Literal["video", "image"]
    url: str
    """What to download."""
    width: int = 0
    height: int = 0
    duration: float | None = None
    description: str = ""
    """The provider's words for it (Pexels' alt text, Pixabay's tags, the generation prompt): matched too."""
    author: str = ""
    page_url: str = ""
    licence: str = ""

    def credit(self) -> str:
        who = f" by {self.author}" if self.author else ""
        where = f" ({self.page_url})" if self.page_url else ""
        return f"{'Video' if self.kind == 'video' else 'Photo'}{who} on {self.provider.title()}{where}; {self.licence}"


def _get_json(provider: str, client: httpx.Client, url: str, **kwargs: Any) -> dict:
    try:
        response = client.request(kwargs.pop("method", "GET"), url, **kwargs)
    except httpx.TimeoutException as exc:
        raise ProviderError(provider, f"timed out after {client.timeout.read or 0:g} s") from exc
    except httpx.HTTPError as exc:
        raise ProviderError(provider, f"could not be reached ({type(exc).__name__})") from exc
    if response.status_code in (401, 403):
        raise ProviderError(provider, f"refused the key ({response.status_code})", "check the API key in the settings")
    if response.status_code == 429:
        raise ProviderError(provider, "rate limited (429)", "wait a minute, or the offline pictures are used")
    if response.status_code >= 400:
        raise ProviderError(provider, f"answered {response.status_code}")
    try:
        body = response.json()
    except ValueError as exc:
        raise ProviderError(provider, "answered malformed JSON") from exc
    if not isinstance(body, dict):
        raise ProviderError(provider, "answered JSON of an unexpected shape")
    return body


def _slug_words(page_url: str) -> str:
    """Pexels names a video in its page address: '/video/a-cup-of-coffee-857195/' → 'a cup of coffee'."""
    slug = page_url.rstrip("/").rsplit("/", 1)[-1]
    return " ".join(word for word in slug.split("-") if word and not word.isdigit())


def _portrait_file(files: list[dict]) -> dict | None:
    """The video file to fetch: the tallest that is at most 1920 high, portrait first."""
    usable = [f for f in files if isinstance(f, dict) and f.get("link") and int(f.get("height") or 0) <= 1920]
    return max(usable, key=lambda f: (int(f.get("height") or 0) >= int(f.get("width") or 0),
                                       int(f.get("height") or 0)), default=None)  # fmt: skip


def search_pexels(query: str, kind: Literal["video", "image"], api_key: str, *, base_url: str = "https://api.pexels.com",
                  per_page: int = 6, timeout_s: float = 15.0) -> list[StockItem]:  # fmt: skip
    """Portrait videos or photos for an English query."""
    path = "/videos/search" if kind == "video" else "/v1/search"
    with httpx.Client(timeout=timeout_s, headers={"Authorization": api_key}) as client:
        body = _get_json("pexels", client, base_url.rstrip("/") + path,
                         params={"query": query, "per_page": per_page, "orientation": "portrait"})  # fmt: skip
    items: list[StockItem] = []
    try:
        for hit in body.get("videos" if kind == "video" else "photos", []):
            if kind == "video":
                chosen = _portrait_file(hit.get("video_files", []))
                if chosen is None:
                    continue
                items.append(StockItem(provider="pexels", id=str(hit["id"]), kind="video", url=chosen["link"],
                                       width=int(chosen.get("width") or 0), height=int(chosen.get("height") or 0),
                                       duration=float(hit.get("duration") or 0) or None,
                                       description=_slug_words(str(hit.get("url", ""))) or " ".join(
                                           str(t) for t in hit.get("tags", []) if isinstance(t, str)),
                                       author=str((hit.get("user") or {}).get("name", "")),
                                       page_url=str(hit.get("url", "")), licence=PEXELS_LICENCE))  # fmt: skip
            else:
                source = hit.get("src") or {}
                items.append(StockItem(provider="pexels", id=str(hit["id"]), kind="image",
                                       url=source.get("portrait") or source.get("large2x") or source["original"],
                                       width=int(hit.get("width") or 0), height=int(hit.get("height") or 0),
                                       description=str(hit.get("alt", "")), author=str(hit.get("photographer", "")),
                                       page_url=str(hit.get("url", "")), licence=PEXELS_LICENCE))  # fmt: skip
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ProviderError("pexels", f"answered results of an unexpected shape ({type(exc).__name__})") from exc
    return items


def search_pixabay(query: str, kind: Literal["video", "image"], api_key: str, *,
                   base_url: str = "https://pixabay.com", per_page: int = 6,
                   timeout_s: float = 15.0) -> list[StockItem]:  # fmt: skip
    """Videos or vertical photos for an English query."""
    path = "/api/videos/" if kind == "video" else "/api/"
    params: dict[str, Any] = {"key": api_key, "q": query[:100], "per_page": max(3, per_page), "safesearch": "true"}
    if kind == "image":
        params |= {"image_type": "photo", "orientation": "vertical"}
    with httpx.Client(timeout=timeout_s) as client:
        body = _get_json("pixabay", client, base_url.rstrip("/") + path, params=params)
    items: list[StockItem] = []
    try:
        for hit in body.get("hits", []):
            common = {"provider": "pixabay", "id": str(hit["id"]), "description": str(hit.get("tags", "")),
                      "author": str(hit.get("user", "")), "page_url": str(hit.get("pageURL", "")),
                      "licence": PIXABAY_LICENCE}  # fmt: skip
            if kind == "video":
                files = hit.get("videos") or {}
                chosen = next((files[size] for size in ("large", "medium", "small") if files.get(size, {}).get("url")),
                              None)  # fmt: skip
                if chosen is None:
                    continue
                items.append(StockItem(kind="video", url=chosen["url"], width=int(chosen.get("width") or 0),
                                       height=int(chosen.get("height") or 0),
                                       duration=float(hit.get("duration") or 0) or None, **common))  # fmt: skip
            else:
                items.append(StockItem(kind="image", url=hit["largeImageURL"], width=int(hit.get("imageWidth") or 0),
                                       height=int(hit.get("imageHeight") or 0), **common))  # fmt: skip
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ProviderError("pixabay", f"answered results of an unexpected shape ({type(exc).__name__})") from exc
    return items


def download(item: StockItem, dest: Path, *, timeout_s: float = 60.0, max_bytes: int = 200 << 20) -> Path:
    """Fetch an item's file to `dest` (the caller's cache folder makes it atomic)."""
    try:
        with httpx.Client(timeout=timeout_s, follow_redirects=True) as client, client.stream("GET", item.url) as r:
            if r.status_code >= 400:
                raise ProviderError(item.provider, f"download answered {r.status_code}")
            size = 0
            with dest.open("wb") as out:
                for chunk in r.iter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise ProviderError(item.provider, f"download larger than {max_bytes >> 20} MB")
                    out.write(chunk)
    except httpx.TimeoutException as exc:
        raise ProviderError(item.provider, f"download timed out after {timeout_s:g} s") from exc
    except httpx.HTTPError as exc:
        raise ProviderError(item.provider, f"download failed ({type(exc).__name__})") from exc
    return dest


def generate_image(prompt: str, *, base_url: str, api_key: str, model: str, size: str = "1024x1792",
                   timeout_s: float = 120.0) -> bytes:  # fmt: skip
    """One picture from any OpenAI-compatible `/v1/images/generations` endpoint (OpenAI, a local Stable
    Diffusion server that speaks it): the image's bytes, whether it answers with base64 or a URL."""
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    root = base_url.rstrip("/")
    url = root + ("/images/generations" if root.endswith("/v1") else "/v1/images/generations")
    with httpx.Client(timeout=timeout_s, headers=headers, follow_redirects=True) as client:
        body = _get_json("image generation", client, url, method="POST",
                         json={"model": model, "prompt": prompt, "n": 1, "size": size,
                               "response_format": "b64_json"})  # fmt: skip
        try:
            first = body["data"][0]
            if first.get("b64_json"):
                return base64.b64decode(first["b64_json"], validate=True)
            fetched = client.get(first["url"])
            fetched.raise_for_status()
            return fetched.content
        except (KeyError, IndexError, TypeError, ValueError, AttributeError, httpx.HTTPError) as exc:
            raise ProviderError("image generation", f"answered no usable image ({type(exc).__name__})") from exc
