"""Figures several sections share: values with their 95% intervals side by side, and the ROC,
precision-recall and calibration curves (or the residuals) of stored predictions. They are data
for the builders in ``dlwizard.plots``; nothing is drawn here."""

from __future__ import annotations

from dlwizard.report.context import Context, score
from dlwizard.report.document import Figure, Panel
from dlwizard.report.formatting import finite, fmt
from dlwizard.study.model import Evaluation


def interval_panel(items, label: str, highlight: str | None = None, reference=None):
    """(name, interval) pairs as one panel of intervals; None when no value is finite."""
    shown = [(n, iv) for n, iv in items if iv is not None and finite(iv.value)]
    if not shown:
        return None
    return Panel(
        "intervals.build",
        {
            "labels": [n for n, _ in shown],
            "values": [iv.value for _, iv in shown],
            "lows": [iv.low if finite(iv.low) else iv.value for _, iv in shown],
            "highs": [iv.high if finite(iv.high) else iv.value for _, iv in shown],
            "x_label": label,
            "highlight": highlight,
            "reference": reference,
        },
        f"{label} with 95% intervals",
    )


def curve_figure(ctx: Context, y, out, ev: Evaluation | None, what: str) -> Figure | None:
    """The residuals (regression) or the ROC, precision-recall and calibration curves (binary)
    of outputs ``out`` against labels ``y``; None for other tasks or too few rows."""
    import numpy as np

    y = np.asarray(y)
    out = np.asarray(out, dtype=float)
    ok = np.isfinite(out)
    if ctx.task == "binary":
        ok &= np.isin(y, (0, 1))
    y, out = y[ok], out[ok]
    if len(y) < 2:
        return None
    if ctx.task == "regression":
        return Figure(
            [
                Panel(
                    "curves.residuals",
                    {"predicted": out.tolist(), "observed": y.astype(float).tolist()},
                    "Residuals",
                )
            ],
            caption=f"Residuals against predicted values: {what}.",
        )
    if ctx.task != "binary" or len(np.unique(y)) < 2:
        return None
    return _binary_curves(y, out, ev, what)


def _binary_curves(y, out, ev: Evaluation | None, what: str) -> Figure:
    from dlwizard.ml import metrics

    c = metrics.curves(y.astype(int), out)
    auc = score(ev, "auroc")
    ap = score(ev, "auprc")
    prevalence = ev.prevalence if ev is not None and ev.prevalence is not None else float(y.mean())
    return Figure(
        [
            Panel(
                "curves.roc",
                {"fpr": c["fpr"], "tpr": c["tpr"], "auc": auc if finite(auc) else None},
                "ROC curve",
            ),
            Panel(
                "curves.precision_recall",
                {
                    "recall": c["recall"],
                    "precision": c["precision"],
                    "prevalence": prevalence,
                    "ap": ap if finite(ap) else None,
                },
                "Precision–recall curve",
            ),
            Panel(
                "curves.calibration",
                {
                    "predicted": c["calibration_predicted"],
                    "observed": c["calibration_observed"],
                },
                "Calibration",
            ),
        ],
        caption=f"ROC (AUROC {fmt(auc)}), precision–recall (AUPRC {fmt(ap)}; the dashed line is "
        f"the prevalence, {fmt(prevalence, 2)}, what a random model scores) and calibration in "
        f"ten bins: {what}.",
    )
