"""Page widgets bound to the Options fields by name: ranges and defaults are the model's, a
value is shown exactly and written back unchanged (issue 15, "Options are re-typed by hand")."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractSpinBox

from dlwizard.gui.widgets.options import FieldSpin, OptionFields, field_range
from dlwizard.study.model import (
    BaselineOptions,
    BaselinesSection,
    InterpretOptions,
    InterpretSection,
    NetworkOptions,
    NetworksSection,
    SplitOptions,
)
from tests.gui.conftest import wait_idle

pytestmark = pytest.mark.gui

# Pages whose spin boxes do not edit an Options field bound here yet (not this change's files):
# the question's ceiling is a Ceiling, the interpret page is still typed by hand.
NOT_BOUND_YET = {"question", "interpret"}


def _page(window, step):
    return next(p for p in window.pages if p.step == step)


def _accepts(model: type[BaseModel], name: str, value) -> bool:
    """Whether the engine's model takes ``value`` for ``name`` (asked of pydantic itself)."""
    try:
        model(**{name: value})
    except ValidationError:
        return False
    return True


def _bound(model: type[BaseModel], name: str, key: str):
    return next(getattr(m, key) for m in model.model_fields[name].metadata if hasattr(m, key))


# -- field_range on the real models -------------------------------------------------------------
def test_field_range_reads_the_models_constraints():
    assert field_range(BaselineOptions, "trials") == (1, 2000, 20)
    assert field_range(BaselineOptions, "permutations") == (0, 999, 19)
    assert field_range(SplitOptions, "n_folds") == (2, 20, 5)
    assert field_range(NetworkOptions, "max_epochs") == (1, 5000, 200)
    assert field_range(NetworkOptions, "seeds") == (1, 50, 5)
    assert field_range(NetworkOptions, "trials") == (1, 2000, None)  # int | None
    # Open bounds: the nearest step inside (a percentage with one decimal: step 0.001).
    assert field_range(SplitOptions, "test_fraction", 0.001) == (0.001, 0.899, 0.2)
    assert field_range(SplitOptions, "tune_fraction", 0.01) == (0.01, 0.89, 0.2)
    assert field_range(InterpretOptions, "correlation", 0.01) == (0.01, 1.0, 0.8)
    assert field_range(BaselineOptions, "seconds_per_family", 1) == (1, None, 120.0)
    assert field_range(SplitOptions, "seed") == (None, None, 42)  # the model states no bound
    with pytest.raises(ValueError, match="open bound"):
        field_range(SplitOptions, "test_fraction")  # a float's open bound needs a step
    with pytest.raises(TypeError):
        field_range(SplitOptions, "hold_out_column")
    # Every end it gives is one the engine takes, and one step further is one it refuses.
    for model, name, step in (
        (SplitOptions, "test_fraction", 0.001),
        (SplitOptions, "n_folds", 1),
        (BaselineOptions, "trials", 1),
        (InterpretOptions, "correlation", 0.01),
    ):
        low, high, default = field_range(model, name, step)
        assert _accepts(model, name, low) and _accepts(model, name, high)
        assert not _accepts(model, name, round(low - step, 9))
        assert not _accepts(model, name, round(high + step, 9))
        assert default == model.model_fields[name].default


@pytest.mark.parametrize(
    "value, text",
    [(0.03, "3 %"), (0.2, "20 %"), (0.125, "12.5 %"), (0.0333, "3.33 %"), (0.0005, "0.05 %"),
     (0.001, "0.1 %"), (0.899, "89.9 %")],
)  # fmt: skip
def test_a_value_is_shown_exactly_and_read_back_unchanged(qtbot, value, text):
    fields = OptionFields(SplitOptions)
    box = fields.spin("test_fraction", percent=True, decimals=1)
    qtbot.addWidget(box)
    fields.set_values(SplitOptions(test_fraction=value))
    assert box.text() == text
    assert fields.values() == {"test_fraction": value}
    assert repr(fields.values()["test_fraction"]) == repr(value)  # not 0.0300000001


def test_a_value_the_user_types_is_written_as_typed(qtbot):
    fields = OptionFields(SplitOptions)
    box = fields.spin("test_fraction", percent=True, decimals=1)
    qtbot.addWidget(box)
    assert box.text() == "20 %" and fields.values() == {"test_fraction": 0.2}  # the default
    box.setValue(3)
    assert fields.values() == {"test_fraction": 0.03}
    box.setValue(12.5)
    assert fields.values() == {"test_fraction": 0.125}
    assert box.minimum() == 0.1 and box.maximum() == 89.9


def test_an_open_end_gets_room_rather_than_a_clamp(qtbot):
    seconds = FieldSpin(BaselineOptions, "seconds_per_family", suffix=" s")
    qtbot.addWidget(seconds.widget)
    assert seconds.widget.text() == "120 s"
    seconds.show(0.25)  # finer than the box's whole seconds: it gains decimals
    assert seconds.widget.text() == "0.25 s" and seconds.read() == 0.25
    seeds = FieldSpin(SplitOptions, "seed", unbounded=(0, 10))
    qtbot.addWidget(seeds.widget)
    seeds.show(99)  # past the page's own end where the model has none: shown, not clamped
    assert seeds.widget.value() == 99 and seeds.read() == 99


# -- the pages ----------------------------------------------------------------------------------
def test_every_bound_widget_allows_exactly_what_the_model_allows(window):
    bound_pages = 0
    for page in window.pages:
        registries = [v for v in vars(page).values() if isinstance(v, OptionFields)]
        bound = {id(b.widget) for reg in registries for b in reg}
        if page.step not in NOT_BOUND_YET:
            # Every spin box on the page edits an Options field through the registry.
            boxes = page.findChildren(QAbstractSpinBox)
            assert all(id(w) in bound for w in boxes), page.step
        for reg in registries:
            bound_pages += 1
            model = reg.model
            for b in reg:
                low, high = b.bounds()
                step = b.step(b.widget.decimals() if hasattr(b.widget, "decimals") else 0)
                info = model.model_fields[b.name]
                # Both ends are values the engine takes...
                assert _accepts(model, b.name, low), (model.__name__, b.name, low)
                assert _accepts(model, b.name, high), (model.__name__, b.name, high)
                # ... and where the model has a bound, one step further is one it refuses.
                if any(hasattr(m, "ge") or hasattr(m, "gt") for m in info.metadata):
                    assert not _accepts(model, b.name, round(low - step, 9)), b.name
                if any(hasattr(m, "le") or hasattr(m, "lt") for m in info.metadata):
                    assert not _accepts(model, b.name, round(high + step, 9)), b.name
                want_low, want_high, _ = field_range(model, b.name, step)
                assert want_low is None or low == want_low, (b.name, low, want_low)
                assert want_high is None or high == want_high, (b.name, high, want_high)
                assert b.read() == info.default, (model.__name__, b.name)  # a fresh page
    assert bound_pages >= 3  # split, baselines, networks


def test_split_page_keeps_a_three_percent_test_set(qtbot, window):
    from dlwizard.demo import demo_project
    from dlwizard.steps import split

    project = demo_project(through="metadata")
    split.run(project, SplitOptions(test_fraction=0.03, seed=7, n_folds=4))
    assert project.study.split.options.test_fraction == 0.03
    window.set_project(project)
    window.go_to(window.page_index("split"))
    s = _page(window, "split")
    assert s.test_box.text() == "3 %"
    assert s.tune_box.text() == "20 %"
    assert s.train_label.text() == "→ Training 77 %"
    assert s.split_button.text().startswith("Split again")
    s.split_button.click()  # without touching a widget
    wait_idle(qtbot, window)
    assert not s.banner.isVisible(), s.banner.text()
    o = window.project.study.split.options
    assert (o.test_fraction, o.tune_fraction, o.seed, o.n_folds) == (0.03, 0.2, 7, 4)
    assert s.test_box.text() == "3 %"


def test_baselines_page_offers_the_engines_trial_budget(qtbot, window):
    b = _page(window, "baselines")
    most = _bound(BaselineOptions, "trials", "le")
    assert b.trials_box.maximum() == most
    assert b.trials_box.minimum() == _bound(BaselineOptions, "trials", "ge")
    assert b.trials_box.value() == BaselineOptions.model_fields["trials"].default
    b.trials_box.setFocus()
    b.trials_box.selectAll()
    qtbot.keyClicks(b.trials_box, str(most))
    qtbot.keyClick(b.trials_box, Qt.Key.Key_Return)
    assert b.trials_box.value() == most
    assert b.options().trials == most
    assert b.perm_box.maximum() == _bound(BaselineOptions, "permutations", "le")


def test_a_rerun_keeps_the_options_a_page_does_not_show(window):
    """A plan's bootstrap and seeds are not reset to the defaults by 'Run again' in the wizard:
    the fields a page does not show are carried over from the previous run."""
    from dlwizard.demo import DEMO_BASELINES, demo_project

    project = demo_project(through="metadata")
    study = project.study
    study.baselines = BaselinesSection(options=BaselineOptions(**DEMO_BASELINES, seed=5))
    study.networks = NetworksSection(options=NetworkOptions(patience=3, seed=9, bootstrap=250))
    study.interpret = InterpretSection(options=InterpretOptions(max_features=77, seed=4))
    window.set_project(project)
    assert _page(window, "baselines").options().seed == 5
    assert _page(window, "baselines").options().bootstrap == DEMO_BASELINES["bootstrap"]
    net = _page(window, "networks").options()
    assert (net.patience, net.seed, net.bootstrap) == (3, 9, 250)
    inter = _page(window, "interpret").options()
    assert (inter.max_features, inter.seed) == (77, 4)
