"""Online sources of pictures for scenes, each optional and configured by key: Pexels and Pixabay search
(videos, then photos) and any OpenAI-compatible image-generation endpoint. Every failure is a
`ProviderError` that names the provider, so the caller can warn and fall back to the offline path."""

from reelcraft.stock.clients import (
    ProviderError,
    StockItem,
    download,
    generate_image,
    search_pexels,
    search_pixabay,
)

__all__ = ["ProviderError", "StockItem", "download", "generate_image", "search_pexels", "search_pixabay"]
