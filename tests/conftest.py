"""Shared fixtures; a guard fails any unplanned network call (only loopback is allowed)."""

from __future__ import annotations

import ipaddress
import os
import socket
from pathlib import Path

import pytest

from reelcraft.config import Settings

_real_connect = socket.socket.connect


def _loopback_only(self: socket.socket, address: object) -> object:
    host = address[0] if isinstance(address, tuple) else None
    if isinstance(host, str):
        try:
            allowed = ipaddress.ip_address(host).is_loopback
        except ValueError:
            allowed = host == "localhost"
        if not allowed:
            raise AssertionError(f"test tried to reach the network: {address}")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _loopback_only)


@pytest.fixture(scope="session")
def models_home() -> Path:
    """Joined embedded-model weights are shared by all tests (1 GB: join once)."""
    path = Path(os.environ.get("REELCRAFT_TEST_MODELS", Path.home() / ".reelcraft" / "models"))
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def settings(tmp_path: Path, models_home: Path) -> Settings:
    return Settings(home=tmp_path / "home", models_home=models_home)


@pytest.fixture(scope="session")
def session_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("shared-home")
