"""Section 3.5, the split and the sealed test set: the sets' sizes, the seed, what kept rows
together, and the test set's hash."""

from __future__ import annotations

from dlwizard.report.context import Context, no_role, not_done
from dlwizard.report.document import Paragraph, Section, Table
from dlwizard.report.formatting import fmt_pct


def section(ctx: Context) -> Section:
    s = ctx.s
    sec = Section("data.split", "Split and the sealed test set")
    sp = s.split
    if sp is None:
        return sec.add(not_done("split", "there are no training, tuning or test sets"))
    n = len(sp.train) + len(sp.tune) + len(sp.test)
    o = sp.options
    rows = [
        ["Training", str(len(sp.train)), fmt_pct(len(sp.train) / n if n else None)],
        ["Tuning", str(len(sp.tune)), fmt_pct(len(sp.tune) / n if n else None)],
        [
            "Test (sealed)" if sp.sealed else "Test",
            str(len(sp.test)),
            fmt_pct(len(sp.test) / n if n else None),
        ],
    ]
    sec.add(Table(["Set", "Samples", "Share"], rows, align="lrr", widths=[2, 1, 1]))
    held = f"{o.hold_out_column} = {', '.join(o.hold_out_values)}" if o.hold_out_column else "no"
    fractions = f"tuning {fmt_pct(o.tune_fraction)}, test {fmt_pct(o.test_fraction)}"
    facts = [
        ["Requested fractions", fractions],
        ["Seed", str(o.seed)],
        ["Kept together by", sp.group_column or (
            "nothing (grouping was turned off)" if o.ungrouped_reason
            else f"nothing ({no_role(ctx, 'subject', ('subject',))})")],
        ["Held out", held],
        ["Cross-validation", f"{sp.n_folds} folds inside the training set"],
        ["Unlabelled rows left out", str(len(sp.excluded))],
        ["Test set SHA-256", sp.test_sha256],
        ["Test set now", "sealed" if sp.sealed else "opened (see the test section)"],
    ]  # fmt: skip
    if o.ungrouped_reason:
        facts.append(["Why not grouped", o.ungrouped_reason])
    g = sp.sequence_groups
    if g is not None:
        closest = (
            f"{g.max_test_identity:.1%}" if g.max_test_identity is not None else "no test rows"
        )
        facts += [
            ["Similar sequences", f"kept in one set at {fmt_pct(g.identity)} estimated identity "
             f"or more: {g.n_clusters:,} clusters of '{g.column}', the largest of {g.largest:,}"],
            ["Closest test sequence", f"{closest} identical to a training or tuning sequence"],
        ]  # fmt: skip
    ig = sp.image_groups
    if ig is not None:
        closest = f"{ig.min_test_distance} of 64 bits" if ig.min_test_distance is not None else "—"
        facts += [
            ["Near-identical images", f"kept in one set when their perceptual hashes differ in "
             f"at most {ig.max_distance} of 64 bits: {ig.n_groups:,} groups of '{ig.column}', "
             f"the largest of {ig.largest:,}"],
            ["Closest test image", f"{closest} from a training or tuning image"],
        ]  # fmt: skip
    sec.add(Table(["", ""], facts, widths=[1, 3]))
    sec.add(
        Paragraph(
            "The test rows left the working table at the split: no step before the test step "
            "could read them. The SHA-256 covers the sorted list of test-row positions and "
            "names, so any change to the test set changes it.",
            style="note",
        )
    )
    if g is not None:
        sec.add(
            Paragraph(
                f"Identity is estimated without alignment, from the {g.k}-mers two sequences "
                "share (the Mash distance); sequences are clustered by single linkage, so a "
                "chain of similar sequences forms one cluster, and each cluster is kept in one "
                "set like a subject.",
                style="note",
            )
        )
    return sec
