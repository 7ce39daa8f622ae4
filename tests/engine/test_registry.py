"""The step registry: every list of steps, names and plan keys comes from one table."""

from __future__ import annotations

import pytest

from dlwizard import demo, plan, summary
from dlwizard.report import content
from dlwizard.study import registry
from dlwizard.study.model import CompareOptions, TestOptions
from dlwizard.study.project import STEP_ORDER


def test_the_project_order_is_the_registry_order():
    assert STEP_ORDER == registry.ORDER
    assert len(set(registry.ORDER)) == len(registry.ORDER)


def test_plan_tables_are_the_headless_steps_and_their_keys_the_options_fields():
    assert tuple(s.key for s in registry.STEPS if s.headless) == plan.IMPLEMENTED
    for s in registry.STEPS:
        if not s.headless:
            assert s.key not in plan.KEYS
            continue
        fields = {name for model in s.options for name in model.model_fields}
        # Every option a model defines can be set from a plan: no setting is re-typed by hand.
        assert fields <= plan.KEYS[s.key], s.key
        assert plan.KEYS[s.key] == fields | s.answers, s.key


def test_the_report_names_steps_as_the_wizard_does():
    for key in registry.ORDER:
        assert content.STEP_PAGES[key] == registry.title(key)
    assert registry.title("compare") == "Compare and choose"
    assert registry.title("not-a-step") == "not-a-step"


def test_compare_and_test_take_options_models_with_the_plan_keys_of_before():
    assert registry.spec("compare").options == (CompareOptions,)
    assert registry.spec("test").options == (TestOptions,)
    # Plans written before the options models keep their keys.
    assert plan.KEYS["compare"] == {"model", "reason"}
    assert plan.KEYS["test"] == {"confirm", "version", "reason", "bootstrap"}
    # The confirmation is given at every opening, never stored or carried as a setting.
    assert "confirm" not in TestOptions.model_fields
    assert registry.spec("test").answers == {"confirm"}
    assert CompareOptions().key is None and CompareOptions(model="recommended").key is None
    assert CompareOptions(model="baseline:knn").key == "baseline:knn"


def test_the_plan_reads_and_writes_every_headless_step_in_the_registry_order():
    assert tuple(plan.READERS) == plan.IMPLEMENTED
    assert tuple(plan.WRITERS) == plan.IMPLEMENTED


def test_the_demo_and_inspect_follow_the_registry_order():
    assert set(demo.LATER) <= set(registry.ORDER)
    assert tuple(k for k in registry.ORDER if k in demo.THROUGH) == demo.THROUGH
    assert demo.THROUGH[0] == "metadata" and demo.THROUGH[-1] == "interpret"
    assert set(summary.PARTS) <= set(registry.ORDER)
    assert set(summary.LINES) <= set(registry.ORDER)
    with pytest.raises(ValueError, match="the demo runs through one of"):
        demo.demo_project(through="privacy")
