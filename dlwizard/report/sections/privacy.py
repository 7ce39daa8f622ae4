"""Section 8, privacy: the answers about the data, the columns that identify people, the
membership-inference audit, the verdict and any override of the export gate."""

from __future__ import annotations

from dlwizard.report.context import Context, not_done
from dlwizard.report.document import Block, Bullets, Paragraph, Section, Table
from dlwizard.report.formatting import fmt, fmt_time
from dlwizard.report.words import verdict_text

NOT_FROM_PEOPLE = "Not applied: by the answers the data are not from people."


def section(ctx: Context) -> Section:
    from dlwizard.steps import privacy as privacy_step

    s = ctx.s
    sec = Section("privacy", "Privacy")
    p = s.privacy
    if p is None:
        return sec.add(not_done("privacy", "no privacy verdict was reached and model export is not "
                                           "cleared"))  # fmt: skip
    sec.add(_answers(p))
    people = privacy_step.person_rules_apply(p)
    sec.add(_identifiers(p, people))
    if p.quasi_identifiers:
        sec.add(_quasi_identifiers(p, people))
    if p.memorising:
        sec.add(
            Paragraph(
                ", ".join(ctx.family_name(m) for m in p.memorising)
                + " store training rows inside the model: sharing such a model shares the rows.",
                lead="Models that keep rows:",
            )
        )
    sec.add(*_membership_audit(ctx))
    sec.add(
        Paragraph(
            verdict_text(p.verdict),
            lead="Verdict:",
            style="warning" if p.verdict == "do_not_share" else "body",
        )
    )
    if p.reasons:
        sec.add(Bullets(list(p.reasons)))
    if p.override is not None:
        sec.add(_override(ctx))
    return sec


def _yes_no(v: bool | None) -> str:
    return "not answered" if v is None else ("yes" if v else "no")


def _answers(p) -> Table:
    a = p.answers
    return Table(
        ["Question", "Answer"],
        [
            ["Human subjects", _yes_no(a.human_subjects)],
            ["Health records", _yes_no(a.health_records)],
            ["Genomic data", _yes_no(a.genomic)],
            ["Identifiable people", _yes_no(a.identifiable)],
            ["Sharing restricted by consent or data-use terms", _yes_no(a.sharing_restricted)],
            [
                "Project treated as sensitive (encrypted at rest)",
                "yes" if p.sensitive else "no",
            ],
        ],
        widths=[3, 1],
    )


def _identifiers(p, people: bool) -> Block:
    """The columns that look like they identify people (values never printed), or a note that
    none was flagged."""
    from dlwizard.steps import privacy as privacy_step

    if not p.identifiers:
        return Paragraph("The identifier scan flagged no column.", style="note")
    aside = {id(h) for h in privacy_step.set_aside_identifiers(p)}
    return Table(
        ["Column", "Looks like", "Safe Harbor category", "Used as feature", "Suggestion"],
        [
            [
                h.column,
                h.kind.replace("_", " "),
                h.safe_harbor or "—",
                "YES" if h.used_as_feature else "no",
                NOT_FROM_PEOPLE if id(h) in aside else h.suggestion,
            ]
            for h in p.identifiers
        ],
        caption="Columns that look like they identify people (values are not printed)."
        + (
            ""
            if people
            else " By the answers the data are not from people, so only columns that "
            "name or contact a person count for the verdict."
        ),
        widths=[1.2, 1, 1.3, 0.8, 2.6],
    )


def _quasi_identifiers(p, people: bool) -> Table:
    return Table(
        ["Columns combined", "Smallest group (k)", "Unique rows", "What it means"],
        [
            [
                ", ".join(qi.columns),
                str(qi.smallest_group),
                str(qi.n_unique_rows),
                getattr(qi, "suggestion", "") or "—",
            ]
            for qi in p.quasi_identifiers
        ],
        caption="Quasi-identifiers: combinations that narrow samples down to few people."
        + ("" if people else " " + NOT_FROM_PEOPLE),
        align="lrrl",
        widths=[1.5, 0.9, 0.8, 3.3],
    )


def _membership_audit(ctx: Context) -> list[Block]:
    au = ctx.s.privacy.audit
    if au is None:
        return [Paragraph("No membership-inference audit was run.", style="note")]
    return [
        Table(
            ["Membership-inference audit", ""],
            [
                ["Model", ctx.family_name(au.model)],
                ["Attack AUC", fmt(au.attack_auc)],
                ["True-positive rate at 1% false positives", fmt(au.tpr_at_1pct_fpr)],
                ["Members / non-members", f"{au.n_members} / {au.n_nonmembers}"],
                ["Risk", au.risk],
            ],
            widths=[2, 1.5],
        ),
        Paragraph(au.interpretation, style="note"),
    ]


def _override(ctx: Context) -> Paragraph:
    """Who overrode the export gate, when and why; said when it was for an earlier model."""
    from dlwizard.steps.privacy import current_override

    o = ctx.s.privacy.override
    stale = current_override(ctx.project) is None
    return Paragraph(
        f"The export gate was overridden on {fmt_time(o.time)} by "
        f"{o.user or 'unknown user'}, "
        f"with this justification: {o.justification}"
        + (
            " This override was given for an earlier final model and does not apply to "
            "the current one."
            if stale
            else ""
        ),
        style="warning",
        lead="Override:",
    )
