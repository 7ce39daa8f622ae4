"""The wizard's steps, declared once: key, title, tips, and what a plan may set.

The order of the steps, the names the window, the report and the plan messages use, the tips a
page shows and the keys of a plan's tables all derive from this table (DESIGN.md §1), so they
cannot disagree. A plan's keys are the fields of the step's Options model plus the few answers
that are not options (a question's target, the data's provenance); the Options models stay the
one place where a setting, its default and its range are written.

It lives in ``study`` (the bottom layer) because the Project itself needs the order of the steps;
it imports nothing but the Study's models.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from dlwizard.study.model import (
    BaselineOptions,
    CompareOptions,
    ExploreOptions,
    ImportOptions,
    InterpretOptions,
    NetworkOptions,
    Provenance,
    SplitOptions,
    TestOptions,
)


@dataclass(frozen=True)
class StepSpec:
    key: str
    title: str  # the page's title and the step's name everywhere (report, messages, lists)
    tips: str  # the tips of the paper the step follows, as its page shows them
    options: tuple[type[BaseModel], ...] = ()  # models whose fields a plan's table may set
    answers: frozenset[str] = frozenset()  # plan keys that are answers, not option fields
    headless: bool = True  # a plan (and `dlwizard run`) can run it

    @property
    def plan_keys(self) -> frozenset[str]:
        fields = {name for model in self.options for name in model.model_fields}
        return frozenset(fields | self.answers)


STEPS: tuple[StepSpec, ...] = (
    StepSpec(
        "question",
        "The question",
        "Tips 1 and 4: know your question and your data",
        answers=frozenset(
            {"target", "task", "positive_class", "unit", "unit_other", "intended_use", "ceiling"}
        ),
    ),
    StepSpec(
        "data",
        "Data",
        "Tip 4: know your data",
        options=(ImportOptions, Provenance),
        answers=frozenset({"path"}),  # one file: the short form of 'paths'
    ),
    StepSpec(
        "metadata",
        "Metadata",
        "Tips 4 and 7: know your data; beware of leakage and confounding",
        answers=frozenset({"roles", "derive", "design", "replicate_kind", "suggest_subject"}),
    ),
    StepSpec(
        "explore", "Explore", "Tip 1: look at your data before you model it", (ExploreOptions,)
    ),
    StepSpec(
        "split",
        "Split",
        "Tips 1 and 7: keep the test set apart; beware of leakage",
        (SplitOptions,),
    ),
    StepSpec(
        "baselines",
        "Baselines",
        "Tip 2: tune simple models fully, and compare them fairly",
        (BaselineOptions,),
    ),
    StepSpec(
        "networks",
        "Networks",
        "Tips 3, 5, 6, 7: start small, tune fairly, fight overfitting, repeat with seeds",
        (NetworkOptions,),
    ),
    StepSpec(
        "compare",
        "Compare and choose",
        "Tips 1, 2: choose on the tuning set, then freeze",
        (CompareOptions,),
    ),
    StepSpec(
        "test",
        "Test",
        "Tip 1: the test set is used once, for the final model",
        (TestOptions,),
        # The acknowledgement that the sealed set may be opened: given at every opening, never
        # a stored setting (steps.test.unseal takes it apart from the options).
        answers=frozenset({"confirm"}),
    ),
    StepSpec(
        "interpret",
        "Interpret",
        "Tips 8, 9: explain carefully, and find where the model fails",
        (InterpretOptions,),
    ),
    StepSpec(
        "privacy",
        "Privacy",
        "Tip 10: do not share models trained on sensitive data",
        answers=frozenset(
            {"human_subjects", "health_records", "genomic", "identifiable", "sharing_restricted"}
        ),
    ),
    StepSpec(
        "report",
        "Report",
        "All tips: leave a record a reviewer can check",
        headless=False,  # `dlwizard report` writes it; a plan does not
    ),
)

ORDER: tuple[str, ...] = tuple(s.key for s in STEPS)
_BY_KEY = {s.key: s for s in STEPS}


def spec(key: str) -> StepSpec:
    return _BY_KEY[key]


def title(key: str) -> str:
    """The step's name as every part of dlwizard writes it (unknown keys are shown as they are)."""
    found = _BY_KEY.get(key)
    return found.title if found else key
