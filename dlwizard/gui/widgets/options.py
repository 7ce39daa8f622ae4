"""Spin boxes bound by name to the numeric fields of an Options model.

A page never re-types a default or a range: both are read from the pydantic field (its
``default`` and the ``annotated_types`` bounds in its ``metadata``), so the page allows exactly
what the engine allows. A value the model holds is shown exactly (the box gains decimals or
room rather than clamp it), and is written back unchanged when the user did not touch it::

    self.fields = OptionFields(SplitOptions)
    self.test_box = self.fields.spin("test_fraction", percent=True, decimals=1)
    ...
    self.fields.set_values(section.options)  # shows 0.03 as "3 %"
    SplitOptions(**self.fields.values(), ...)  # gives back 0.03, not 0.05 or 0.0300000001
"""

from __future__ import annotations

import math
import types
from collections.abc import Iterator
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel
from PySide6.QtCore import QSize
from PySide6.QtWidgets import QDoubleSpinBox, QSpinBox

Number = int | float

# The largest value a spin box holds (QSpinBox is 32-bit); used where the model sets no bound.
WIDGET_LIMIT = 2**31 - 1
# Seeds: the model sets no bound; numpy and scikit-learn need a non-negative 32-bit integer.
SEED_RANGE: tuple[Number, Number] = (0, WIDGET_LIMIT)
OPEN_END_TEXT = "99999"  # the width of a box where the model sets no end
_MAX_DECIMALS = 12
_TOLERANCE = 1e-9


def number_kind(model: type[BaseModel], name: str) -> type[int] | type[float]:
    """``int`` or ``float``: the field's numeric type (``int | None`` counts as ``int``)."""
    annotation = model.model_fields[name].annotation
    kinds = (
        set(get_args(annotation))
        if get_origin(annotation) in (Union, types.UnionType)
        else {annotation}
    )
    kinds.discard(type(None))
    if kinds == {int}:
        return int
    if kinds <= {int, float} and kinds:
        return float
    raise TypeError(f"{model.__name__}.{name} is not a number field ({annotation})")


def _bounds(model: type[BaseModel], name: str) -> dict[str, Number]:
    found: dict[str, Number] = {}
    for entry in model.model_fields[name].metadata:
        for key in ("gt", "ge", "lt", "le"):
            value = getattr(entry, key, None)  # Gt, Ge, Lt, Le, or an Interval with all four
            if value is not None:
                found[key] = value
    return found


def field_range(
    model: type[BaseModel], name: str, step: Number | None = None
) -> tuple[Number | None, Number | None, Any]:
    """The lowest and highest value a widget with this ``step`` may offer, and the default.

    Bounds come from the field's constraints: an open bound (gt, lt) gives the nearest step
    inside it, e.g. gt=0.0 with step 0.001 (a percent shown with one decimal) gives 0.001. A
    side the model leaves open is None. ``step`` defaults to 1 for an integer field; a float
    field needs one only if it has an open bound.
    """
    kind = number_kind(model, name)
    info = model.model_fields[name]
    default = info.get_default(call_default_factory=True)
    b = _bounds(model, name)
    if step is None:
        if kind is int:
            step = 1
        elif "gt" in b or "lt" in b:
            raise ValueError(f"{model.__name__}.{name} has an open bound: give the step")
        else:
            step = 0
    low = high = None
    if step:
        if "gt" in b:
            low = (math.floor(b["gt"] / step + _TOLERANCE) + 1) * step
        if "ge" in b:
            candidate = math.ceil(b["ge"] / step - _TOLERANCE) * step
            low = candidate if low is None else max(low, candidate)
        if "lt" in b:
            high = (math.ceil(b["lt"] / step - _TOLERANCE) - 1) * step
        if "le" in b:
            candidate = math.floor(b["le"] / step + _TOLERANCE) * step
            high = candidate if high is None else min(high, candidate)
    else:  # only closed bounds
        low, high = b.get("ge"), b.get("le")
    return _tidy(low, kind), _tidy(high, kind), default


def _tidy(value: Number | None, kind: type) -> Number | None:
    if value is None:
        return None
    return round(value) if kind is int else round(float(value), _MAX_DECIMALS)


def decimals_needed(value: float, at_least: int = 0) -> int:
    """The fewest decimals (at least ``at_least``) that show ``value`` exactly."""
    for d in range(at_least, _MAX_DECIMALS + 1):
        if abs(round(value, d) - value) <= _TOLERANCE * max(1.0, abs(value)):
            return d
    return _MAX_DECIMALS


class _OpenEnded:
    """A spin box as wide as five digits where the model sets no end (not as wide as the
    widget's limit, 2147483647); a longer value still fits, it scrolls."""

    open_ended = False

    def sizeHint(self) -> QSize:
        return self._fit(super().sizeHint())  # type: ignore[misc]

    def minimumSizeHint(self) -> QSize:
        return self._fit(super().minimumSizeHint())  # type: ignore[misc]

    def _fit(self, hint: QSize) -> QSize:
        box: Any = self
        if self.open_ended:
            fm = box.fontMetrics()
            widest = max(fm.horizontalAdvance(box.textFromValue(v)) for v in box.ends())
            hint.setWidth(hint.width() - widest + fm.horizontalAdvance(OPEN_END_TEXT))
        return hint


class IntBox(_OpenEnded, QSpinBox):
    """A QSpinBox for an integer field."""

    def ends(self) -> tuple[int, int]:
        return self.minimum(), self.maximum()


class DecimalBox(_OpenEnded, QDoubleSpinBox):
    """A QDoubleSpinBox that drops trailing zeros: 20 %, 3 %, 12.5 % (never 20.0 %)."""

    def ends(self) -> tuple[float, float]:
        return self.minimum(), self.maximum()

    def textFromValue(self, value: float) -> str:
        loc = self.locale()
        text = loc.toString(float(value), "f", self.decimals())
        if not self.isGroupSeparatorShown():
            text = text.replace(loc.groupSeparator(), "")
        point = loc.decimalPoint()
        if point in text:
            text = text.rstrip("0").rstrip(point)
        return text


class FieldSpin:
    """One spin box bound to one numeric field of an Options model, by the field's name."""

    def __init__(
        self,
        model: type[BaseModel],
        name: str,
        *,
        percent: bool = False,
        decimals: int = 0,
        suffix: str = "",
        unbounded: tuple[Number | None, Number | None] = (None, None),
    ) -> None:
        """``percent``: a fraction shown as a percentage. ``decimals``: the decimals a float
        field shows at least (more when a value needs them). ``unbounded``: the low and high
        end offered where the model states no bound (else the widget's limit)."""
        self.model, self.name = model, name
        self.kind = number_kind(model, name)
        if percent and self.kind is int:
            raise TypeError(f"{model.__name__}.{name} is an integer: not a percentage")
        self.scale = 100 if percent else 1
        self.base_decimals = 0 if self.kind is int else decimals
        self.unbounded = unbounded
        self.widget: IntBox | DecimalBox = IntBox() if self.kind is int else DecimalBox()
        if percent or suffix:
            self.widget.setSuffix(suffix or " %")
        self._shown: tuple[float, Number] | None = None  # (shown in the box, the model value)
        self.show(self.default)

    @property
    def default(self) -> Number:
        return field_range(self.model, self.name, self.step(self.base_decimals))[2]

    def step(self, decimals: int) -> Number:
        """The smallest change the box can show with ``decimals``, in the model's units."""
        return 1 if self.kind is int else 10.0**-decimals / self.scale

    def bounds(self) -> tuple[Number, Number]:
        """The widget's lowest and highest value, in the model's units."""
        w = self.widget
        if self.kind is int:
            return w.minimum(), w.maximum()
        return self._to_model(w.minimum()), self._to_model(w.maximum())

    def _apply(self, decimals: int) -> None:
        low, high, _ = field_range(self.model, self.name, self.step(decimals))
        low = self.unbounded[0] if low is None else low
        high = self.unbounded[1] if high is None else high
        w = self.widget
        if isinstance(w, QDoubleSpinBox):
            w.setDecimals(decimals)
        lo = -WIDGET_LIMIT if low is None else low * self.scale
        hi = WIDGET_LIMIT if high is None else high * self.scale
        w.open_ended = low is None or high is None
        if self.kind is int:
            w.setRange(int(lo), int(hi))
        else:
            w.setRange(round(lo, decimals), round(hi, decimals))

    def _to_model(self, shown: float) -> Number:
        if self.kind is int:
            return int(shown)
        extra = len(str(self.scale)) - 1  # 2 for a percentage
        return round(shown / self.scale, self.widget.decimals() + extra)

    def show(self, value: Number) -> None:
        """Show ``value`` exactly: with more decimals or a wider range when it needs them."""
        if value is None:  # e.g. NetworkOptions.trials, None = "the baselines' budget"
            raise TypeError(f"{self.model.__name__}.{self.name} is None: a spin box cannot say so")
        shown = value * self.scale
        decimals = 0 if self.kind is int else decimals_needed(shown, self.base_decimals)
        self._apply(decimals)
        w = self.widget
        if shown < w.minimum():  # only past an end the model leaves open
            w.setMinimum(shown)
        if shown > w.maximum():
            w.setMaximum(shown)
        w.setValue(shown)
        self._shown = (w.value(), value)

    def set_value(self, options: BaseModel) -> None:
        """Show the field's value from an Options model."""
        self.show(getattr(options, self.name))

    def read(self) -> Number:
        """The value for the model: the one shown last, unchanged, when the user did not
        touch the box (0.03 stays 0.03)."""
        current = self.widget.value()
        if self._shown is not None and current == self._shown[0]:
            return self._shown[1]
        return self._to_model(current)


class OptionFields:
    """The spin boxes of one page that edit fields of one Options model, by field name."""

    def __init__(self, model: type[BaseModel]) -> None:
        self.model = model
        self.bound: dict[str, FieldSpin] = {}

    def spin(self, name: str, **kwargs: Any) -> IntBox | DecimalBox:
        """A spin box for the field ``name`` (see :class:`FieldSpin` for the keywords)."""
        binding = FieldSpin(self.model, name, **kwargs)
        self.bound[name] = binding
        return binding.widget

    def __getitem__(self, name: str) -> FieldSpin:
        return self.bound[name]

    def __iter__(self) -> Iterator[FieldSpin]:
        return iter(self.bound.values())

    def set_values(self, options: BaseModel) -> None:
        for binding in self.bound.values():
            binding.set_value(options)

    def values(self) -> dict[str, Number]:
        """Field name -> value, ready for ``Model(**values, ...)``."""
        return {name: binding.read() for name, binding in self.bound.items()}


def carried(model: type[BaseModel], previous: BaseModel | None, **shown: Any) -> BaseModel:
    """Options for a re-run: what the page shows, and every field it does not show kept from
    the previous run (a plan's bootstrap or seed is not reset to the default by the wizard)."""
    base = previous.model_dump() if isinstance(previous, model) else {}
    return model(**{**base, **shown})
