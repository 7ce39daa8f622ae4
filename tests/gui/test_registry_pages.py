"""The window's pages follow the step registry: one page per step, in order, named as declared."""

from __future__ import annotations

import pytest

from dlwizard.study import registry

pytestmark = pytest.mark.gui


def test_one_page_per_step_in_the_registry_order_with_its_title_and_tips(window):
    assert [p.step for p in window.pages] == list(registry.ORDER)
    for i, page in enumerate(window.pages):
        spec = registry.spec(page.step)
        assert (page.title, page.tips) == (spec.title, spec.tips)
        item = window.steps.item(i)
        assert item.text().endswith(f"{i + 1}  {spec.title}")  # after the done mark
