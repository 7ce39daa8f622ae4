"""The window asks every question through the Dialogs protocol: the Qt implementation and the
tests' fake both satisfy it, method by method, with the same parameters and return types."""

from __future__ import annotations

import inspect
import typing

import pytest

pytest.importorskip("PySide6")

from dlwizard.gui.dialogs import Dialogs, QtDialogs
from tests.gui.conftest import FakeDialogs

pytestmark = pytest.mark.gui

QUESTIONS = [
    name for name, member in vars(Dialogs).items() if callable(member) and not name.startswith("_")
]


def _shape(cls: type, name: str) -> tuple:
    fn = getattr(cls, name)
    hints = typing.get_type_hints(fn, vars(inspect.getmodule(fn)))
    params = [p for p in inspect.signature(fn).parameters.values() if p.name != "self"]
    return [(p.name, p.kind, hints.get(p.name)) for p in params], hints.get("return")


def test_the_protocol_lists_every_question():
    assert set(QUESTIONS) == {
        "open_file", "open_files", "open_folder", "save_file", "error", "info", "confirm",
        "password", "text", "unsaved_changes", "restore_recovery",
    }  # fmt: skip


@pytest.mark.parametrize("impl", [QtDialogs, FakeDialogs])
@pytest.mark.parametrize("name", QUESTIONS)
def test_each_implementation_answers_like_the_protocol(impl, name):
    assert _shape(impl, name) == _shape(Dialogs, name)


def test_every_question_the_gui_asks_is_in_the_protocol():
    import re

    from tests.conftest import ROOT

    asked = set()
    for path in (ROOT / "dlwizard" / "gui").rglob("*.py"):
        asked |= set(re.findall(r"\bask\.(\w+)\(", path.read_text("utf-8")))
    assert asked and asked <= set(QUESTIONS), asked - set(QUESTIONS)
