from __future__ import annotations

import pytest

from jiedu.testing import World, build_world


@pytest.fixture
def world(db) -> World:  # noqa: ANN001
    return build_world()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path) -> None:  # noqa: ANN001
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _english():  # noqa: ANN202
    """Assertions read English messages; tests of the Chinese catalogue switch language themselves."""
    from django.utils import translation

    with translation.override("en"):
        yield
