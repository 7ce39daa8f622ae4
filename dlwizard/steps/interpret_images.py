"""Step 10, interpretation, for a model that reads images (issue 18): where it looks.

Occlusion (a patch replaced by the image's mean, the drop in the probability of the image's own
class) over example images of each class, right and wrong ones, and the border check: attribution
piled up on the border or the corners is a classic shortcut (scale bars, labels, vignetting,
plate edges). A highlighted region is where the model looked, not why the biology differs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from dlwizard.jobs import Job
from dlwizard.study.model import Finding, ImageAttribution, ImageExample

if TYPE_CHECKING:
    import pandas as pd

    from dlwizard.ml.frozen import Frozen
    from dlwizard.steps.modelling import Prepared

STEP = "interpret"


def image_attribution(
    p: Prepared,
    model: Frozen,
    rows: pd.DataFrame,
    x: pd.DataFrame,
    y: np.ndarray,
    ids: list[str],
    seed: int,
    job: Job,
    method: str = "occlusion",
) -> ImageAttribution:
    """Saliency maps of example evaluation images (``rows``, as the models read them ``x``,
    their labels ``y`` and names ``ids``) and the border check."""
    from dlwizard.ml import image_attribution as ia
    from dlwizard.steps.image_inputs import feature_names, pixels

    info = p.image
    assert info is not None
    record = ImageAttribution(column=info.column, n_eval=len(rows))
    others = [c for c in p.numeric + p.categorical if c not in set(feature_names(info))]
    if model.net is None and others:
        record.notes.append(
            "No saliency maps: the final model reads other columns beside the images ("
            + ", ".join(f"'{c}'" for c in others[:5])
            + "), so covering part of an image does not say what the model relies on alone."
        )
        return record
    job.progress(0.0, "Reading the evaluation images")
    images = pixels(info, rows[info.column], job.sub(0.0, 0.2))
    outputs = model.output(x)
    if model.net is not None:
        output = None
        net = model.net
    else:  # a baseline: the image features of each (occluded) image, then the pipeline
        names = feature_names(info)
        output = _baseline_output(model, names)
        net = None
    if method == "integrated_gradients" and net is None:
        record.notes.append(
            "Integrated gradients need a network; the baseline's maps were made by occlusion."
        )
        method = "occlusion"
    res = ia.explain(
        images,
        y,
        p.task,
        method=method,
        output=output,
        model=net,
        outputs=outputs,
        seed=seed,
        check=job.check,
        progress=job.sub(0.2, 1.0).progress,
    )
    record.method = res.method.replace("_", " ")
    labels = _label_words(p, y)
    predicted = _label_words(p, res.predicted) if p.task != "regression" else None
    position = {i: j for j, i in enumerate(res.indices)}
    for i in res.examples:
        j = position[i]
        record.examples.append(
            ImageExample(
                row=ids[i],
                path=str(rows[info.column].iloc[i]),
                label=labels[i],
                predicted=(
                    predicted[j] if predicted is not None else f"{float(res.predicted[j]):.3g}"
                ),
                score=round(float(res.scores[j]), 4),
                correct=bool(res.correct[j]),
                grid=int(res.grids.shape[1]),
                saliency=[round(float(v), 3) for v in res.grids[j].ravel()],
            )
        )
    if res.check is not None:
        record.border = float(res.check.border)
        record.border_attribution = round(float(res.check.attribution), 4)
        record.border_area = round(float(res.check.area), 4)
        record.corner_attribution = round(float(res.check.corner_attribution), 4)
        record.corner_area = round(float(res.check.corner_area), 4)
        record.verdict = res.check.verdict or ""
    record.notes = record.notes + list(res.notes)
    return record


def _baseline_output(model: Frozen, names: list[str]):
    """Images in, the frozen baseline's output out (through the same image features)."""
    import pandas as pd

    from dlwizard.ml import image_features

    def output(batch: np.ndarray) -> np.ndarray:
        feats = image_features.baseline_features(np.asarray(batch, dtype=np.float32))
        return model.output(pd.DataFrame(feats.astype(float), columns=names))

    return output


def _label_words(p: Prepared, codes) -> list[str]:
    if p.task == "regression":
        return [f"{float(v):.3g}" for v in np.asarray(codes).reshape(-1)]
    return [p.classes[int(c)] for c in np.asarray(codes).reshape(-1)]


def border_finding(record: ImageAttribution | None) -> list[Finding]:
    """Attribution that piles up on the border: the model may read the frame, not the
    specimen."""
    if record is None or not record.verdict or record.border_attribution is None:
        return []
    share, area = record.border_attribution, record.border_area or 0.0
    return [
        Finding(
            code="saliency-on-border",
            severity="warning",
            step=STEP,
            message=record.verdict,
            fix='look at the example maps; crop the images (image_fit = "crop") or remove the '
            "marks, and check that the score holds on images from another plate or microscope.",
            columns=[record.column],
            detail={"border_attribution": share, "border_area": area},
        )
    ]


SALIENCY_CAVEAT = (
    "A saliency map shows where the model looked, not why the biology differs: a highlighted "
    "region may hold the cells that matter, or something that merely travels with the label "
    "(a stain, a plate, a mark)."
)


def caveat_finding(record: ImageAttribution | None) -> list[Finding]:
    if record is None or not record.examples:
        return []
    return [
        Finding(
            code="saliency-is-not-mechanism",
            severity="info",
            step=STEP,
            message=SALIENCY_CAVEAT,
            fix="compare the highlighted regions with what a biologist would look at, and test "
            "a candidate feature in the lab or on images from another site.",
            columns=[record.column],
        )
    ]
