"""Small helpers shared by tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from atelier.errors import AtelierError


@contextmanager
def refused(text: str, kind: type[AtelierError] = AtelierError) -> Iterator[None]:
    """Expect an operation refused with ``text`` in its French message."""
    with pytest.raises(kind) as caught:
        yield
    assert text in caught.value.message_fr, caught.value.message_fr
