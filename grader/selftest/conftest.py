"""Fixtures of the grader's self-tests: fake vmkit trees (selftest/fakes.py)
and a runner that has built one."""
from collections.abc import Callable
from pathlib import Path

import pytest

from selftest.fakes import make_fake_tree
from vmkit import runner


@pytest.fixture(scope="session")
def fake_tree(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A good fake tree, built once for i386 (the runner builds on first boot)."""
    return make_fake_tree(tmp_path_factory.mktemp("fake"))


@pytest.fixture(scope="session")
def fake_runner(fake_tree: str) -> runner.Runner:
    r = runner.Runner(fake_tree, session="selftest", fail_fast=False)
    b = r.build("i386")
    assert b.ok, b.output
    return r


@pytest.fixture
def copy_fake(tmp_path: Path) -> Callable[..., str]:
    def mk(mode: str = "good", broken: bool = False, name: str = "t") -> str:
        return make_fake_tree(tmp_path / name, mode, broken)
    return mk
