"""The step registry: every list of steps, names and plan keys comes from one table."""

from __future__ import annotations

from dlwizard import plan
from dlwizard.report import content
from dlwizard.study import registry
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
