"""Section 5.3, the network ladder: each rung's scores and gap, the ladder's verdict, the
retrained seeds, the learning curves, and the device and determinism flags."""

from __future__ import annotations

from dlwizard.report.context import Context, ev_metric, not_done
from dlwizard.report.document import Block, Figure, Panel, Paragraph, Section, Table
from dlwizard.report.formatting import finite, fmt, fmt_interval, fmt_value


def section(ctx: Context) -> Section:
    s = ctx.s
    sec = Section("model.networks", "Network ladder")
    n = s.networks
    if n is None:
        return sec.add(not_done("networks", "no neural network was trained"))
    sec.add(_ladder(ctx))
    sec.add(*_notes(ctx))
    sec.add(*_learning_curves(n))
    sec.add(_device(n))
    return sec


def _ladder(ctx: Context) -> Table:
    """Per rung: trials, the CV, training and tuning scores, the gap and the best epoch."""
    from dlwizard.steps.networks import epoch_limit_note

    n = ctx.s.networks
    rows, hl = [], []
    for i, r in enumerate(n.rungs):
        iv = ev_metric(r.tune, n.metric)
        gap = r.train_score - iv.value if iv is not None and r.train_score is not None else None
        if r.key == n.chosen:
            hl.append(i)
        rows.append(
            [
                r.name + (" (chosen)" if r.key == n.chosen else ""),
                str(r.trials),
                fmt(r.cv_mean),
                fmt(r.train_score),
                fmt_interval(iv),
                f"{gap:+.3f}" if gap is not None and finite(gap) else "n/a",
                f"{r.best_epoch + 1} of {n.options.max_epochs}: the limit"
                if epoch_limit_note(r, n.options.max_epochs)
                else str(r.best_epoch + 1),
            ]
        )
    return Table(
        [
            "Rung",
            "Trials",
            "CV",
            "Training rows",
            "Tuning set (95% interval)",
            "Gap",
            "Best epoch",
        ],
        rows,
        caption=f"{ctx.label} per rung. Gap: score on the rows it trained on minus the tuning "
        "score; a large gap means memorising rather than learning.",
        align="lrrrrrr",
        highlight=hl,
        widths=[1.9, 0.6, 0.7, 0.9, 1.9, 0.7, 0.8],
    )


def _notes(ctx: Context) -> list[Block]:
    """Why the ladder stopped, rungs stopped by the epoch limit, the seeds and the verdict."""
    from dlwizard.steps.networks import epoch_limit_note

    n = ctx.s.networks
    out: list[Block] = []
    if n.stopped_because:
        out.append(Paragraph(n.stopped_because, lead="Ladder:"))
    for r in n.rungs:
        note = epoch_limit_note(r, n.options.max_epochs)
        if note and note not in (n.stopped_because or ""):
            out.append(Paragraph(note, style="note"))
    if n.seed_scores:
        out.append(
            Paragraph(
                f"The chosen rung was retrained with {len(n.seed_scores)} seeds: tuning "
                f"{ctx.label} "
                + ", ".join(fmt(v) for v in n.seed_scores)
                + f" (mean {fmt(n.seed_mean)} ± {fmt(n.seed_sd)} SD).",
                lead="Seeds:",
            )
        )
    if n.verdict:
        out.append(Paragraph(n.verdict, lead="Verdict:"))
    if n.cancelled:
        out.append(Paragraph("Training was cancelled before the ladder finished.", style="warning"))
    return out


def _learning_curves(n) -> list[Figure]:
    """The learning curves of every rung, the chosen one first, two to a figure."""
    chosen = next((r for r in n.rungs if r.key == n.chosen), None)
    panels = []
    for r in ([chosen] if chosen else []) + [r for r in n.rungs if r is not chosen]:
        if r is not None and r.train_loss:
            panels.append(
                Panel(
                    "learning_curves.build",
                    {
                        "train_loss": r.train_loss,
                        "val_loss": r.val_loss,
                        "best_epoch": r.best_epoch,
                    },
                    f"Learning curves: {r.name}",
                )
            )
    figures = []
    for i in range(0, len(panels), 2):
        pair = panels[i : i + 2]
        figures.append(
            Figure(
                pair,
                caption="Loss per epoch on the training rows (blue) and on the validation fold "
                "(red) in the final fit of "
                + " and ".join(p.title.removeprefix("Learning curves: ") for p in pair)
                + "; the dashed line marks the epoch whose weights were kept.",
            )
        )
    return figures


def _device(n) -> Table:
    dev = n.device
    flags = n.determinism
    rows = [
        ["Device", dev.get("device", "n/a") + (f" ({dev['gpu']})" if dev.get("gpu") else "")],
        ["PyTorch", dev.get("torch", "n/a")],
        ["Threads", dev.get("threads", "n/a")],
    ]
    for k in ("cuda", "cudnn", "driver", "cpu"):
        if dev.get(k):
            rows.append([k.upper() if k != "driver" else "NVIDIA driver", dev[k]])
    for k, v in flags.items():
        rows.append([k.replace("_", " "), fmt_value(v)])
    if "mixed_precision" not in flags:
        rows.append(["Mixed precision", "yes" if n.options.mixed_precision else "no"])
    return Table(["Device and determinism", ""], rows, widths=[1, 2])
