"""Where the final model looks in an image (issue 18, item 6): saliency maps and the border check.

Two measures, both of the model's output for the image's own class (its probability; for
regression the predicted value):

- Occlusion: a square patch slides over the image and is replaced by the image's own mean
  (per channel); a pixel's attribution is the average drop of the output over the patches that
  cover it. It only calls the model's output (arrays in, probabilities out), so it works for a
  network and an image-feature baseline alike, and it is exact: the model's own answers, no
  gradients. Its price is one evaluation per patch position, bounded below.
- Integrated gradients (plain torch; captum would pull matplotlib into the app): the gradient of
  the output along the straight path from a black image to the image, times the image, summed
  over channels. Needs a differentiable torch module, and about STEPS evaluations per image.

A highlighted region is where the model looked, not why the biology differs. What the maps can
show is a shortcut: attribution piled on the border band or the corners (scale bars, burned-in
labels, vignetting, plate edges) far beyond their share of the area.

Arrays and torch modules in, arrays and plain dataclasses out; nothing here knows the Study or
reads a file. Heavy imports (torch) happen inside functions.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from dlwizard.ml.sequence_attribution import class_output

STEPS = 32  # integrated-gradients steps (Riemann midpoints along the path)
PATCHES = 8  # occlusion patches along each side (8 x 8 per image, each twice the stride)
GRID = 16  # the saliency grid kept per example (GRID x GRID cells)
BORDER = 0.1  # the border band: the outer tenth of each side
CORNER = 0.2  # a corner square: a fifth of each side
# The bound on the cost, all attributed images together. A torch module's is counted in
# multiply-adds (its convolutions and linear layers, measured on one image), at least MIN_MACS
# an image (a small network is not proportionally faster: overheads). Measured on two loaded
# CPU cores at 64 x 64: the small CNN (width 32, three blocks, 79 M) gets 9 images by occlusion
# (under 10 s), a small ResNet (212 M) 3, a deep ResNet (1.3 G) only the first example of each
# class. A gradient step counts three forward passes. Any other model (a baseline on image
# features) is counted in images through it. The first example of each class is attributed even
# past the bound; on a GPU the caller may raise it.
MAX_MACS = 5e10
MIN_MACS = 3e7
MAX_EVALS = 4000
MAX_IMAGES = 64  # images attributed at most (examples first, then others for the border check)
CHUNK = 64  # images per model call: bounded memory, and a cancel answered soon
# The border check speaks when the band holds at least BORDER_RATIO times its share of the area
# (and at least BORDER_LEAST of all attribution), or the corners CORNER_RATIO times theirs.
# A map is faint when no cell moves the output by FAINT (a probability's 1 percentage point;
# regression: that share of the predicted values' SD): a saturated answer, its map mostly noise.
FAINT = 0.01
BORDER_RATIO = 2.0
BORDER_LEAST = 0.5
CORNER_RATIO = 3.0
CORNER_LEAST = 0.4

Output = Callable[[np.ndarray], np.ndarray]  # (N, C, S, S) float32 -> probabilities / values


@dataclass
class BorderCheck:
    """How much of the attribution sits on the border band and in the corners."""

    border: float  # the band's width, as a share of each side
    attribution: float  # share of all attribution in the band (all maps pooled)
    area: float  # the band's share of the image's area
    corner_attribution: float
    corner_area: float
    verdict: str | None  # words for the user when it looks like a shortcut; None otherwise


@dataclass
class ImageMaps:
    """The attribution of the images given to ``explain``."""

    method: str  # "occlusion" or "integrated_gradients"
    task: str  # "binary", "multiclass" or "regression"
    indices: list[int]  # the rows attributed (positions in the arrays given), examples first
    examples: list[int]  # the example rows (a subset of ``indices``), class by class
    maps: np.ndarray  # (len(indices), S, S) float32, signed: + supports the class / value
    grids: np.ndarray  # (len(indices), GRID, GRID) float32, |attribution| 0..1 of each max
    scores: np.ndarray  # the model's output for each attributed row's class (or its value)
    predicted: np.ndarray  # each attributed row's predicted class code (regression: value)
    correct: np.ndarray  # bool; regression: an error at most the median error
    strength: np.ndarray  # the strongest cell's response, in the output's units (``strengths``)
    faint: np.ndarray  # bool: the model hardly responds anywhere; the map is mostly noise
    n_evaluated: int  # images through the model (occluded copies, or path steps)
    macs: float  # multiply-adds spent (a torch module; 0 otherwise), gradients counted 3x
    seconds: float
    patch: int = 0  # occlusion: the patch's side (pixels) and positions per image
    patches: int = 0
    steps: int = 0  # integrated gradients: path steps
    check: BorderCheck | None = None
    notes: list[str] = field(default_factory=list)


def torch_output(model, task: str, device: str = "cpu", chunk: int = CHUNK) -> Output:
    """A torch module taking float32 (N, C, S, S) as an array-in, array-out output like the
    frozen model's: class probabilities (binary: the positive class's), or the predicted value
    (un-scaled with the module's ``_target_scale``, as nets.predict does)."""
    import torch

    def output(x: np.ndarray) -> np.ndarray:
        model.eval()
        parts = []
        with torch.no_grad():
            for start in range(0, len(x), chunk):
                xb = torch.as_tensor(np.asarray(x[start : start + chunk], dtype=np.float32))
                parts.append(_scored(model, model(xb.to(device)), task).cpu().numpy())
        out = np.concatenate(parts) if parts else np.zeros(0)
        return out[:, 1] if task == "binary" else out

    return output


def _scored(model, out, task: str):
    """Logits to probabilities; a regression output to the target's units."""
    import torch

    if task == "regression":
        mean, sd = getattr(model, "_target_scale", None) or (0.0, 1.0)
        return out.reshape(-1) * sd + mean
    return torch.softmax(out, dim=1)


def choose(
    groups: np.ndarray,
    correct: np.ndarray,
    confidence: np.ndarray,
    per_group: tuple[int, int] = (1, 1),
    max_examples: int = 12,
    limit: int = MAX_IMAGES,
    seed: int = 0,
) -> tuple[list[int], list[int]]:
    """Which images to attribute: (examples, all rows attributed, examples first).

    Examples, class by class: the most confidently right image(s) and, where the model gets one
    wrong, the most confidently wrong one (``per_group`` = (right, wrong)). The first example
    of each class is always taken; the others (each class's right ones before any wrong one)
    while fewer than ``limit`` rows (the cost bound) and ``max_examples`` examples are taken.
    Then further rows in a seeded random order, up to ``limit`` rows, for the border check.
    The same inputs and seed give the same rows."""
    groups, correct = np.asarray(groups), np.asarray(correct, dtype=bool)
    confidence = np.asarray(confidence, dtype=float)
    order = sorted(dict.fromkeys(groups.tolist()))
    right: dict = {}
    wrong: dict = {}
    for g in order:
        rows = np.flatnonzero(groups == g)
        by_conf = rows[np.argsort(-confidence[rows], kind="stable")]
        right[g] = [int(i) for i in by_conf if correct[i]][: per_group[0]]
        # The most confidently wrong: the lowest output for its own class.
        wrong[g] = [int(i) for i in by_conf[::-1] if not correct[i]][: per_group[1]]
    first = [(right[g] or wrong[g])[0] for g in order if right[g] or wrong[g]]
    wanted = list(first)
    for turn in range(max(per_group)):
        for pool, n in ((right, per_group[0]), (wrong, per_group[1])):
            wanted += [
                pool[g][turn]
                for g in order
                if turn < n and turn < len(pool[g]) and pool[g][turn] not in first
            ]
    examples = first + [
        i for i in wanted[len(first) :][: max(0, min(max_examples, limit) - len(first))]
    ]
    rank = {g: r for r, g in enumerate(order)}
    examples.sort(key=lambda i: (rank[groups[i]], not correct[i], wanted.index(i)))
    chosen, taken = list(examples), set(examples)
    for i in np.random.default_rng(seed).permutation(len(groups)).tolist():
        if len(chosen) >= limit:
            break
        if i not in taken:
            chosen.append(i)
            taken.add(i)
    return examples, chosen


def model_cost(model, channels: int, side: int) -> int:
    """Multiply-adds of one image through ``model`` (its convolutions and linear layers, counted
    on a blank image): what an evaluation costs, whatever the device."""
    import torch

    macs = [0]

    def count(module, _inputs, out) -> None:
        if isinstance(module, torch.nn.Conv2d):
            k = module.kernel_size[0] * module.kernel_size[1]
            macs[0] += out[0].numel() * module.in_channels // module.groups * k
        elif isinstance(module, torch.nn.Linear):
            macs[0] += out[0].numel() * module.in_features

    hooks = [
        m.register_forward_hook(count)
        for m in model.modules()
        if isinstance(m, torch.nn.Conv2d | torch.nn.Linear)
    ]
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            device = next((p.device for p in model.parameters()), torch.device("cpu"))
            model(torch.zeros(1, channels, side, side, device=device))
    finally:
        model.train(was_training)
        for h in hooks:
            h.remove()
    return max(1, macs[0])


def occlusion_geometry(size: int, patches: int = PATCHES) -> tuple[int, list[int]]:
    """(patch side, patch offsets) along a side of ``size`` pixels: ``patches`` positions spread
    evenly from edge to edge, each patch about twice the step between them (so each pixel is
    covered about twice and a mark on a step boundary is still covered whole by one patch)."""
    patches = max(1, min(patches, size))
    patch = min(size, -(-2 * size // (patches + 1)))
    starts = np.linspace(0, size - patch, patches).round().astype(int)
    return patch, sorted(set(starts.tolist()))


def occlusion(
    output: Output,
    images: np.ndarray,
    task: str,
    targets: np.ndarray | None,
    patches: int = PATCHES,
    check: Callable[[], None] | None = None,
    progress: Callable[[float, str], None] | None = None,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Occlusion maps of ``images`` (N, C, S, S): (maps (N, S, S) float32, the output for each
    image unchanged, images evaluated). A pixel's value is the mean drop of the output for the
    image's class (regression: of the value) over the patches covering it, each patch filled
    with the image's per-channel mean. Occluded copies of several images share a model call."""
    x = np.asarray(images, dtype=np.float32)
    n, _, h, w = x.shape
    patch, ys = occlusion_geometry(h, patches)
    patch_w, xs = occlusion_geometry(w, patches)
    tg = np.zeros(n, dtype=int) if targets is None else np.asarray(targets, dtype=int)
    spots = [(r, c) for r in ys for c in xs]
    base = class_output(output(x), task, tg)
    drops = np.zeros((n, len(spots)), dtype=np.float64)
    means = x.mean(axis=(2, 3), keepdims=True)
    jobs = [(i, k) for i in range(n) for k in range(len(spots))]
    for start in range(0, len(jobs), CHUNK):
        if check:
            check()
        part = jobs[start : start + CHUNK]
        batch = x[[i for i, _ in part]].copy()
        for j, (i, k) in enumerate(part):
            r, c = spots[k]
            batch[j, :, r : r + patch, c : c + patch_w] = means[i]
        out = class_output(output(batch), task, tg[[i for i, _ in part]])
        for j, (i, k) in enumerate(part):
            drops[i, k] = base[i] - out[j]
        if progress:
            done = min(start + CHUNK, len(jobs))
            progress(done / len(jobs), f"Occluding patches: {done:,} of {len(jobs):,}")
    sums = np.zeros((n, h, w))
    counts = np.zeros((h, w))
    for k, (r, c) in enumerate(spots):
        sums[:, r : r + patch, c : c + patch_w] += drops[:, k, None, None]
        counts[r : r + patch, c : c + patch_w] += 1
    maps = (sums / np.maximum(counts, 1.0)).astype(np.float32)
    return maps, base, n * (1 + len(spots))


def integrated_gradients(
    model,
    images: np.ndarray,
    task: str,
    targets: np.ndarray | None,
    steps: int = STEPS,
    device: str = "cpu",
    check: Callable[[], None] | None = None,
    progress: Callable[[float, str], None] | None = None,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Integrated gradients from a black image: (maps (N, S, S) float32, the output for each
    image, images evaluated). The output followed is the probability of the image's class
    (regression: the value in the target's units); a pixel's value is its attributions summed
    over channels, so the map of an image sums to about its output minus the black image's."""
    import torch

    x = np.asarray(images, dtype=np.float32)
    n, _, h, w = x.shape
    tg = np.zeros(n, dtype=int) if targets is None else np.asarray(targets, dtype=int)
    alphas = (np.arange(steps, dtype=np.float32) + 0.5) / steps  # midpoints
    per_call = max(1, CHUNK // steps) if steps < CHUNK else 1
    maps = np.zeros((n, h, w), dtype=np.float32)
    base = np.zeros(n)
    was_training = model.training
    model.eval()
    try:
        for start in range(0, n, per_call):
            if check:
                check()
            stop = min(n, start + per_call)
            xb = torch.as_tensor(x[start:stop], device=device)
            a = torch.as_tensor(alphas, device=device).view(1, -1, 1, 1, 1)
            path = (xb.unsqueeze(1) * a).reshape(-1, *xb.shape[1:]).requires_grad_(True)
            own = torch.as_tensor(np.repeat(tg[start:stop], steps), device=device)
            out = _scored(model, model(path), task)
            picked = out if task == "regression" else out[torch.arange(len(own)), own]
            (grad,) = torch.autograd.grad(picked.sum(), path)
            mean_grad = grad.view(stop - start, steps, *xb.shape[1:]).mean(dim=1)
            maps[start:stop] = (mean_grad * xb).sum(dim=1).detach().cpu().numpy()
            with torch.no_grad():
                full = _scored(model, model(xb), task)
                own1 = torch.as_tensor(tg[start:stop], device=device)
                y = full if task == "regression" else full[torch.arange(stop - start), own1]
            base[start:stop] = y.cpu().numpy()
            if progress:
                progress(stop / n, f"Integrating gradients: {stop:,} of {n:,} images")
    finally:
        model.train(was_training)
    return maps, base, n * (steps + 1)


def cell_means(maps: np.ndarray, grid: int = GRID) -> np.ndarray:
    """Each map's |attribution| averaged over grid x grid cells (cells split the side as evenly
    as the pixels allow): (N, grid, grid) float64, in the map's units."""
    m = np.abs(np.asarray(maps, dtype=np.float64))
    n, h, w = m.shape
    grid = max(1, min(grid, h, w))
    rows = np.array_split(np.arange(h), grid)
    cols = np.array_split(np.arange(w), grid)
    out = np.zeros((n, grid, grid))
    for a, r in enumerate(rows):
        band = m[:, r[0] : r[-1] + 1, :]
        for b, c in enumerate(cols):
            out[:, a, b] = band[:, :, c[0] : c[-1] + 1].mean(axis=(1, 2))
    return out


def saliency_grid(maps: np.ndarray, grid: int = GRID) -> np.ndarray:
    """Each map's cell means (``cell_means``) divided by its largest cell: 0..1 float32 (a map
    without attribution stays 0)."""
    out = cell_means(maps, grid)
    top = out.max(axis=(1, 2), keepdims=True)
    return np.where(top > 0, out / np.where(top > 0, top, 1.0), 0.0).astype(np.float32)


def strengths(maps: np.ndarray, method: str, grid: int = GRID) -> np.ndarray:
    """How strongly the model responds in each map's strongest cell, in the output's units
    (probability, or the value): occlusion, the mean change when a patch covers the cell;
    integrated gradients, the cell's summed attribution (its part of the output's difference
    from a black image)."""
    cells = cell_means(maps, grid)
    if method == "integrated_gradients":
        h, w = np.asarray(maps).shape[1:]
        cells = cells * (h * w) / cells[0].size if len(cells) else cells
    return cells.max(axis=(1, 2)) if len(cells) else np.zeros(0)


def _band_mask(h: int, w: int, border: float) -> np.ndarray:
    bh, bw = max(1, round(border * h)), max(1, round(border * w))
    mask = np.zeros((h, w), dtype=bool)
    mask[:bh], mask[-bh:], mask[:, :bw], mask[:, -bw:] = True, True, True, True
    return mask


def _corner_mask(h: int, w: int, corner: float) -> np.ndarray:
    ch, cw = max(1, round(corner * h)), max(1, round(corner * w))
    mask = np.zeros((h, w), dtype=bool)
    for rs in (slice(0, ch), slice(h - ch, h)):
        for cs in (slice(0, cw), slice(w - cw, w)):
            mask[rs, cs] = True
    return mask


def _share(maps: np.ndarray, mask: np.ndarray) -> tuple[float, float]:
    """The share of all |attribution| (all maps pooled) inside ``mask``, and the mask's share
    of the area. Pooled, not averaged per map: a map whose image the model barely responds to
    is mostly noise, and it weighs as little as the model's response to it."""
    m = np.abs(np.asarray(maps, dtype=np.float64))
    area = float(mask.mean())
    total = float(m.sum())
    if total <= 0:
        return area, area
    return float(m[:, mask].sum() / total), area


def border_share(maps: np.ndarray, border: float = BORDER) -> tuple[float, float]:
    """(share of all attribution in the border band, the band's share of the area). The band is
    the outer ``border`` of each side (the same pixels for both numbers); ``maps`` (N, H, W),
    full maps or grids, signed or not (magnitudes are counted)."""
    m = np.asarray(maps)
    return _share(m, _band_mask(m.shape[1], m.shape[2], border))


def corner_share(maps: np.ndarray, corner: float = CORNER) -> tuple[float, float]:
    """(share of all attribution in the four corner squares, their share of the area)."""
    m = np.asarray(maps)
    return _share(m, _corner_mask(m.shape[1], m.shape[2], corner))


def border_check(maps: np.ndarray, border: float = BORDER, corner: float = CORNER) -> BorderCheck:
    """The border and corner shares, and a verdict when the attribution piles up there far
    beyond the area: a classic shortcut (scale bars, burned-in labels, vignetting, plate
    edges)."""
    share, area = border_share(maps, border)
    c_share, c_area = corner_share(maps, corner)
    verdict = None
    if share >= BORDER_RATIO * area and share >= BORDER_LEAST:
        verdict = (
            f"{share:.0%} of the model's attribution falls on the outer {border:.0%} of each "
            f"side, which is only {area:.0%} of the image: the model may be reading something at "
            "the edges (a scale bar, a burned-in label, vignetting, the edge of the well or "
            "slide) rather than the cells. Look at the example maps; crop or mask the border "
            "(Data step: fit = crop) and train again."
        )
    elif c_share >= CORNER_RATIO * c_area and c_share >= CORNER_LEAST:
        verdict = (
            f"{c_share:.0%} of the model's attribution falls in the four corners, which are "
            f"only {c_area:.0%} of the image: the model may be reading a mark there (a label, "
            "a text stamp, a scale bar) rather than the cells. Look at the example maps; crop "
            "or mask the corners and train again."
        )
    return BorderCheck(border, share, area, c_share, c_area, verdict)


def explain(
    images: np.ndarray,
    y: np.ndarray,
    task: str,
    output: Output | None = None,
    model=None,
    method: str = "occlusion",
    outputs: np.ndarray | None = None,
    device: str = "cpu",
    seed: int = 0,
    max_examples: int = 12,
    max_macs: float = MAX_MACS,
    max_evals: int = MAX_EVALS,
    grid: int = GRID,
    check: Callable[[], None] | None = None,
    progress: Callable[[float, str], None] | None = None,
) -> ImageMaps:
    """Choose example images (per class a right and a wrong one), attribute them and further
    images while the cost bound lasts, and check the border. ``images`` (N, C, S, S) float
    (float16 is fine) are the evaluation rows, ``y`` their class codes (regression: values),
    ``outputs`` the model's output for them when already known (probabilities as the frozen
    model gives them, or values). Occlusion needs ``output`` or ``model``; integrated gradients
    need ``model`` (a torch module; its multiply-adds bound the cost, ``max_macs``; otherwise
    the images through ``output`` do, ``max_evals``)."""
    t0 = time.perf_counter()
    if method not in ("occlusion", "integrated_gradients"):
        raise ValueError(f"no attribution method '{method}': occlusion or integrated_gradients")
    if method == "integrated_gradients" and model is None:
        raise ValueError("integrated gradients need the torch module")
    if output is None:
        if model is None:
            raise ValueError("explain needs the model's output or the torch module")
        output = torch_output(model, task, device)
    n, c, h, w = images.shape
    if progress:
        progress(0.0, "Choosing example images")
    out = _outputs(output, images) if outputs is None else np.asarray(outputs)
    y = np.asarray(y)
    if task == "regression":
        groups = np.zeros(n, dtype=int)
        predicted = np.asarray(out, dtype=float).reshape(-1)
        error = np.abs(predicted - y.astype(float))
        correct = error <= np.median(error) if n else np.ones(0, dtype=bool)
        confidence, targets, per_group = -error, None, (2, 1)
    else:
        groups = y.astype(int)
        confidence = class_output(out, task, groups)
        predicted = (np.asarray(out) >= 0.5).astype(int) if task == "binary" else out.argmax(1)
        correct = predicted == groups
        targets, per_group = groups, (1, 1)
    patches = len(occlusion_geometry(h)[1]) * len(occlusion_geometry(w)[1])
    # Evaluations per image; a gradient step costs about three forward passes.
    each = 3 * STEPS + 1 if method == "integrated_gradients" else patches + 1
    macs = model_cost(model, c, h) if model is not None else 0
    per_image = each * max(macs, MIN_MACS)
    affordable = int(max_macs / per_image) if macs else int(max_evals / each)
    examples, chosen = choose(
        groups, correct, confidence, per_group, max_examples, min(MAX_IMAGES, affordable), seed
    )
    x = images[chosen]
    tg = None if targets is None else targets[chosen]
    if method == "integrated_gradients":
        maps, scores, n_eval = integrated_gradients(
            model, x, task, tg, device=device, check=check, progress=progress
        )
    else:
        maps, scores, n_eval = occlusion(output, x, task, tg, check=check, progress=progress)
    strength = strengths(maps, method, grid)
    unit = 1.0
    if task == "regression":
        unit = float(np.std(predicted)) or float(np.abs(predicted).mean()) or 1.0
    result = ImageMaps(
        method=method,
        task=task,
        indices=[int(i) for i in chosen],
        examples=[int(i) for i in examples],
        maps=maps,
        grids=saliency_grid(maps, grid),
        scores=scores,
        predicted=predicted[chosen],
        correct=np.asarray(correct, dtype=bool)[chosen],
        strength=strength,
        faint=strength < FAINT * unit,
        n_evaluated=n_eval,
        macs=float(macs) * len(chosen) * each,
        seconds=time.perf_counter() - t0,
        patch=occlusion_geometry(h)[0] if method == "occlusion" else 0,
        patches=patches if method == "occlusion" else 0,
        steps=STEPS if method == "integrated_gradients" else 0,
        check=border_check(maps),
    )
    result.notes = notes(result, n)
    return result


def _outputs(output: Output, images: np.ndarray) -> np.ndarray:
    """The model's output for every image, CHUNK images per call (float16 arrays stay small)."""
    parts = [
        np.asarray(output(np.asarray(images[s : s + CHUNK], dtype=np.float32)))
        for s in range(0, len(images), CHUNK)
    ]
    return np.concatenate(parts) if parts else np.zeros(0)


def notes(result: ImageMaps, n_eval_rows: int) -> list[str]:
    """How the maps were measured and bounded, in words."""
    r = result
    if r.method == "integrated_gradients":
        how = (
            "Integrated gradients: the gradient of the model's output along the straight path "
            f"from a black image to the image ({r.steps} steps), times the image, summed over "
            "channels."
        )
    else:
        how = (
            f"Occlusion: a {r.patch} x {r.patch} pixel patch was placed at {r.patches} "
            "overlapping positions over each image, filled with the image's own mean; a "
            "pixel's value is how much "
            "the model's output for the image's class (regression: its predicted value) "
            "changes, on average, when a patch covers it."
        )
    words = [
        how,
        "The maps show the size of the change (either direction), in a coarse grid scaled to "
        "each image's largest cell.",
        *(
            [
                f"{int(r.faint.sum())} of the {len(r.indices)} images hardly move the model's "
                "answer anywhere (no region changes it by "
                + (
                    "1% of the predicted values' spread"
                    if r.task == "regression"
                    else "1 percentage point"
                )
                + "): their maps are mostly noise, shown faint."
            ]
            if r.faint.any()
            else []
        ),
        f"{len(r.indices)} of {n_eval_rows} evaluation images were attributed "
        f"({r.n_evaluated:,} images through the model, {r.seconds:.1f} s)"
        + ("; the others were left out to bound the cost" if len(r.indices) < n_eval_rows else "")
        + ".",
        "A highlighted region is where the model looked, not why the biology differs.",
    ]
    if r.check is not None and r.check.verdict:
        words.append(r.check.verdict)
    return words
