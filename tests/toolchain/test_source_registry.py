"""Every registered toolchain source satisfies the `Source` Protocol; the lock and the CLI take the kinds
from the registry."""

from __future__ import annotations

import pytest

from tests.plugin_conformance import cli_choices, mismatches
from wasitool.toolchain.source_kinds import PINNED, SOURCE_KINDS, UNPINNED
from wasitool.toolchain.sources import SOURCES
from wasitool.toolchain.sources.base import Source


@pytest.mark.parametrize("kind", SOURCES.names)
def test_every_source_conforms(kind: str) -> None:
    assert mismatches(SOURCES.create(kind), Source) == []


def test_pinned_and_unpinned_kinds_split_the_registry() -> None:
    assert SOURCES.names == SOURCE_KINDS  # one module per kind a lock may name, in the same order
    assert set(SOURCES.names) > UNPINNED
    assert set(PINNED) == set(SOURCES.names) - UNPINNED


def test_cli_choices_come_from_the_registry() -> None:
    assert cli_choices("setup", "--source") == SOURCES.names
    assert cli_choices("lock", "--source") == PINNED
