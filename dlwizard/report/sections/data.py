"""Sections 3.1 and 3.2 of the data: where the data came from (provenance and the files' hashes)
and the samples, classes and their share of each set."""

from __future__ import annotations

from dlwizard.report.context import Context, not_done
from dlwizard.report.document import Block, Figure, Panel, Paragraph, Section, Table
from dlwizard.report.formatting import fmt_pct, fmt_size, fmt_time

MAX_BATCH_VALUES = 12
SET_NAMES = {"train": "Training", "tune": "Tuning", "test": "Test"}


def provenance(ctx: Context) -> Section:
    s = ctx.s
    sec = Section("data.provenance", "Provenance")
    if s.data is None:
        return sec.add(not_done("data", "there is no data provenance to report"))
    d = s.data
    p = d.provenance
    rows = [
        ["Source", p.source or "not stated"],
        ["DOI", p.doi or "not stated"],
        ["Date obtained", p.date_obtained or "not stated"],
        ["Version", p.version or "not stated"],
    ]
    if p.notes:
        rows.append(["Notes", p.notes])
    rows.append(["Imported", fmt_time(d.imported_at)])
    rows.append(
        [
            "Table",
            f"{d.n_rows} rows × {d.n_columns} columns"
            + (" (turned from genes-as-rows)" if d.transposed else ""),
        ]
    )
    sec.add(Table(["", ""], rows, widths=[1, 3]))
    if d.files:
        sec.add(
            Table(
                ["File", "Role", "Format", "Rows × columns", "Size", "SHA-256"],
                [
                    [
                        f.name,
                        f.role.replace("_", " "),
                        f.format,
                        f"{f.n_rows} × {f.n_columns}",
                        fmt_size(f.size_bytes),
                        f.sha256,
                    ]
                    for f in d.files
                ],
                caption="Files read, with the hash that proves which bytes were analysed.",
                widths=[1.9, 0.7, 0.75, 1.1, 0.8, 3.6],
            )
        )
    return sec


def samples(ctx: Context) -> Section:
    s = ctx.s
    sec = Section("data.samples", "Samples, classes and sets")
    if s.data is None:
        return sec.add(not_done("data"))
    text = f"{s.data.n_rows} samples were imported."
    if s.metadata is not None and s.metadata.n_subjects:
        text += (
            f" They come from {s.metadata.n_subjects} subjects (column '{ctx.subject_column}'); "
            "the subjects, not the rows, are the independent units."
        )
    sec.add(Paragraph(text))
    if s.question.class_counts and ctx.task != "regression":
        sec.add(*_class_balance(ctx))
    sec.add(*_sequences(ctx))
    sec.add(*_images(ctx))
    sp = s.split
    if sp is None:
        sec.add(not_done("split", "there are no per-set counts yet"))
        return sec
    if sp.composition:
        sec.add(_set_composition(sp))
    if sp.batch_composition:
        sec.add(*_batch_composition(sp))
    return sec


def _class_balance(ctx: Context) -> list[Block]:
    """The labelled samples per class, as a table and as the Explore page's bar chart."""
    q = ctx.s.question
    labels = list(q.class_counts)
    counts = [q.class_counts[k] for k in labels]
    total = sum(counts) or 1
    return [
        Table(
            ["Class", "Samples", "Share"],
            [[k, str(v), fmt_pct(v / total)] for k, v in zip(labels, counts)],
            align="lrr",
            widths=[2, 1, 1],
        ),
        Figure(
            [
                Panel(
                    "class_balance.build",
                    {"labels": labels, "counts": counts, "highlight": q.positive_class},
                    "Class balance",
                )
            ],
            caption="Labelled samples per class"
            + (
                f" (the class of interest, '{q.positive_class}', highlighted in orange-red)"
                if q.task == "binary" and q.positive_class
                else ""
            )
            + ", as on the Explore page.",
        ),
    ]


def _images(ctx: Context) -> list[Block]:
    """A column of images: the images in words, the brightness per class and batch, and a
    montage of random images of each (read from the files; left out when they moved)."""
    from dlwizard.steps.explore_images import image_words, montage_rows, stats_figure

    e = ctx.s.explore
    if e is None or not e.image_column:
        return []
    out: list[Block] = [Paragraph(f"The images ('{e.image_column}'). " + image_words(ctx.s))]
    bars = stats_figure(e)
    if bars is not None:
        out.append(
            Figure(
                [Panel("images.group_bars", bars, "Brightness")],
                caption="The median image's mean intensity per class and per batch value, as "
                "on the Explore page: a class or batch much brighter than the others is a "
                "shortcut a model can take.",
            )
        )
    try:
        rows = montage_rows(ctx.project)
    except (OSError, ValueError) as exc:  # the folder moved: the figure is left out, said why
        out.append(Paragraph(f"No montage: the images could not be read ({exc}).", style="note"))
        return out
    if rows is not None and rows[0]:
        out.append(
            Figure(
                [Panel("images.montage", {"rows": rows[0], "labels": rows[1]})],
                caption="Random images of each class, then of each batch value, on one "
                "brightness scale, as the models read them.",
            )
        )
    return out


def _sequences(ctx: Context) -> list[Block]:
    """A column of sequences: lengths and composition per class, in words and as the Explore
    page's two figures."""
    from dlwizard.steps.explore_sequences import sequence_figures, sequence_words

    args = sequence_figures(ctx.s)
    if args is None:
        return []
    column = ctx.s.explore.sequence_column
    per_class = args["lengths"]["labels"] != ["all sequences"]
    return [
        Paragraph(f"The sequences ('{column}'). " + sequence_words(ctx.s)),
        Figure(
            [
                Panel("sequences.lengths", args["lengths"], "Length"),
                Panel("sequences.composition", args["composition"], "Composition"),
            ],
            caption=("Per class: " if per_class else "")
            + "the sequences' lengths (a box from the first to the third quartile, a bar at "
            "the median) and the share of each letter"
            + (" (GC content in the legend)" if args["composition"]["gc"] else "")
            + ", as on the Explore page.",
        ),
    ]


def _set_composition(sp) -> Table:
    classes = sorted({c for comp in sp.composition.values() for c in comp})
    sets = [k for k in ("train", "tune", "test") if k in sp.composition]
    rows = []
    for k in sets:
        comp = sp.composition[k]
        n = sum(comp.values())
        rows.append([SET_NAMES[k], str(n), *[str(comp.get(c, 0)) for c in classes]])
    return Table(
        ["Set", "Samples", *classes],
        rows,
        caption="Samples per set and class (or per value bin for regression).",
        align="l" + "r" * (len(classes) + 1),
    )


def _batch_composition(sp) -> list[Table]:
    """Per batch-like column, the samples of each of its (most common) values in each set."""
    tables = []
    for col, per_set in sp.batch_composition.items():
        values: dict[str, int] = {}
        for comp in per_set.values():
            for v, n in comp.items():
                values[v] = values.get(v, 0) + n
        shown = sorted(values, key=lambda v: -values[v])[:MAX_BATCH_VALUES]
        rows = [
            [v, *[str(per_set.get(k, {}).get(v, 0)) for k in ("train", "tune", "test")]]
            for v in shown
        ]
        caption = f"Samples per set for each value of '{col}'."
        if len(values) > len(shown):
            caption += f" The {len(values) - len(shown)} rarest values are not shown."
        tables.append(
            Table([col, "Training", "Tuning", "Test"], rows, caption=caption, align="lrrr")
        )
    return tables
