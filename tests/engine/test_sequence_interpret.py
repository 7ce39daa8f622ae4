"""Interpretation of a model that reads sequences (issue 17, item 6): in-silico mutagenesis of the
frozen final model finds a planted motif, for a k-mer baseline and for a sequence network; the
Study keeps a few examples and the enriched k-mers; the report shows them with the caveat."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dlwizard.errors import Cancelled
from dlwizard.jobs import Job
from dlwizard.ml import sequence_attribution as sa
from dlwizard.steps import baselines, compare, interpret, networks, split
from dlwizard.study import container
from dlwizard.study.model import (
    BaselineOptions,
    CompareOptions,
    InterpretOptions,
    InterpretSection,
    NetworkOptions,
)
from tests.engine.synthetic import project_from_frame
from tests.engine.test_sequence_models import MOTIF, motif_table

FAST = BaselineOptions(families=["logistic"], trials=2, permutations=0, bootstrap=100)
TINY = NetworkOptions(rungs=["cnn_small"], trials=2, max_epochs=8, patience=3, seeds=1,
                      bootstrap=100)  # fmt: skip
QUICK = InterpretOptions(repeats=2)


def _motif_overlaps(kmer: str, motif: str = MOTIF, least: int = 4) -> bool:
    """The k-mer shares at least ``least`` consecutive letters with the motif."""
    return any(kmer[i : i + least] in motif for i in range(len(kmer) - least + 1)) or any(
        motif[i : i + least] in kmer for i in range(len(motif) - least + 1)
    )


def sequence_project(tmp: Path, n: int = 240):
    """A planted motif decides the class; split, with the k-mer logistic baseline tuned."""
    project = project_from_frame(tmp, motif_table(n=n, length=60))
    split.run(project)
    baselines.run(project, FAST)
    return project


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    project = sequence_project(tmp_path_factory.mktemp("seq-interpret"))
    networks.run(project, TINY)
    return project


@pytest.fixture(scope="module")
def baseline_run(trained):
    compare.freeze(trained, CompareOptions(model="baseline:logistic", reason="a test"))
    section = interpret.run(trained, QUICK)
    return trained, section


def _planted_checks(project, section, slack: int = 0) -> None:
    """The motif class's top k-mer overlaps the motif, and each correctly classified example's
    attribution peaks on the motif (within ``slack`` letters of it)."""
    seq = section.sequence
    assert seq is not None and seq.column == "reads" and seq.alphabet == "dna"
    table = project.table
    right = [e for e in seq.examples if e.label == "yes" and e.correct]
    assert right, "no correctly classified example of the motif class"
    for e in right:
        at = table.loc[table["sample"] == e.row, "reads"].iloc[0].find(MOTIF) + 1
        assert at > 0
        # The attribution peaks on the planted motif (1-based positions at .. at + 5).
        low, high = at - slack, at + len(MOTIF) - 1 + slack
        assert low <= e.peak_position <= high, (e.row, at, e.peak_position)
    top = next(k for k in seq.kmers if k.label == "yes")
    assert _motif_overlaps(top.kmer), top
    assert top.in_top >= sa.MIN_TOP and top.in_all >= top.in_top and top.q_value < 0.05


def test_a_planted_motif_is_found_in_a_kmer_baseline(baseline_run):
    project, section = baseline_run
    assert project.study.compare.final.kind == "baseline"
    _planted_checks(project, section)


def test_examples_of_each_class_are_kept_small_and_reload(baseline_run, tmp_path: Path):
    project, section = baseline_run
    seq = section.sequence
    assert {e.label for e in seq.examples} == {"yes", "no"}
    for e in seq.examples:
        assert len(e.letters) == len(e.attributions) <= interpret.LOGO_LETTERS
        assert e.first_position == 1 and e.length == 60  # a short sequence is shown whole
        assert all(len(repr(v)) <= 10 for v in e.attributions)  # rounded, not full floats
    assert seq.n_mutated == seq.n_eval == len(project.study.split.tune)  # all fit the budget
    assert seq.notes and "in-silico mutagenesis" in seq.notes[0]
    codes = [f.code for f in project.findings("interpret")]
    assert "motif-is-not-function" in codes
    again = container.load(container.save(project, tmp_path / "seq.dlwiz"))
    assert again.study.interpret.sequence == seq
    # The sequence is one feature of the permutation importance; no panel of it alone.
    assert [i.name for i in section.importances] == ["reads"] and section.panel == []


def test_the_report_shows_logos_the_kmer_table_and_the_caveat(baseline_run):
    from dlwizard.report.content import build_report
    from dlwizard.report.document import Figure, Table, to_text

    project, _ = baseline_run
    report = build_report(project)
    sec = next(s for s in report.sections if s.key == "interpret")
    logos = [b for b in sec.blocks if isinstance(b, Figure)
             and b.panels[0].builder == "sequence_logo.build"]  # fmt: skip
    assert 1 <= len(logos) <= 2
    # No sample ID in the report: the examples are named "Example".
    assert all(f.panels[0].title.startswith("Example:") for f in logos)
    kmers = next(b for b in sec.blocks if isinstance(b, Table) and "k-mer" in b.columns)
    assert any(_motif_overlaps(row[1]) for row in kmers.rows)
    text = to_text(report)
    assert "not proof that it does anything in the cell" in text


def test_a_planted_motif_is_found_in_a_sequence_network(baseline_run):
    project, _ = baseline_run  # last of the tests on this project: it freezes another model
    compare.freeze(project, CompareOptions(model="network:cnn_small", reason="a test"))
    section = interpret.run(project, QUICK)
    assert project.study.compare.final.kind == "network"
    # The test's network is barely trained (8 epochs, probabilities near 0.5, kernels up to 21
    # letters wide): its peaks may sit a few letters off the motif; its top k-mer may not.
    _planted_checks(project, section, slack=3)


def test_a_table_without_sequences_gets_no_sequence_section():
    assert InterpretSection().sequence is None
    # A project saved before issue 17 loads: the field is new and optional.
    old = InterpretSection().model_dump(mode="json")
    del old["sequence"]
    assert InterpretSection.model_validate(old).sequence is None


def test_regression_follows_the_predicted_value(tmp_path: Path):
    df = motif_table(n=200, length=50, seed=3)
    rng = np.random.default_rng(3)
    df["level"] = np.where(df["label"] == "yes", 5.0, 1.0) + rng.normal(0, 0.3, len(df))
    project = project_from_frame(tmp_path, df.drop(columns="label"), target="level",
                                 task="regression")  # fmt: skip
    split.run(project)
    options = BaselineOptions(families=["linear"], trials=2, permutations=0, bootstrap=100)
    baselines.run(project, options)
    compare.freeze(project, CompareOptions(model="baseline:linear", reason="a test"))
    seq = interpret.run(project, QUICK).sequence
    assert seq.toward == "value" and interpret.kmer_headers(seq)[0] == "k-mer"
    assert all(k.label == "" for k in seq.kmers)
    assert _motif_overlaps(seq.kmers[0].kmer), seq.kmers[0]
    e = seq.examples[0]
    assert interpret.logo_label(seq, e) == "drop in predicted value"
    assert interpret.example_title(seq, e).startswith(f"{e.row}: value ")


# -- the mutagenesis itself -----------------------------------------------------------------------
def _g_share(x: pd.DataFrame) -> np.ndarray:
    """A toy regression model: the share of G letters."""
    return np.array([s.count("G") / max(1, len(s)) for s in x["s"]])


def test_mutagenesis_is_exact():
    seq = "GATTACAGGC"
    atts = sa.mutate(_g_share, pd.DataFrame({"s": [seq]}), "s", "dna", "regression", None)
    n = len(seq)
    # A G replaced by any other letter loses 1/n; any other letter replaced gains 1/n once in 3.
    expected = [1 / n if c == "G" else -1 / (3 * n) for c in seq]
    assert np.allclose(atts[0].values, expected)
    assert atts[0].start == 0 and not atts[0].windowed and atts[0].peak == 0


def test_chunks_give_the_same_answer_and_cancel(monkeypatch):
    rng = np.random.default_rng(1)
    x = pd.DataFrame({"s": ["".join(rng.choice(list("ACGT"), 40)) for _ in range(5)]})
    whole = sa.mutate(_g_share, x, "s", "dna", "regression", None)
    monkeypatch.setattr(sa, "CHUNK_LETTERS", 200)
    calls = []

    def counted(frame):
        calls.append(len(frame))
        return _g_share(frame)

    chunked = sa.mutate(counted, x, "s", "dna", "regression", None)
    assert len(calls) > 10 and max(calls) <= 5
    assert all(np.allclose(a.values, b.values) for a, b in zip(whole, chunked))
    job = Job()
    seen = []

    def cancel_after_two(frame):
        seen.append(1)
        if len(seen) == 2:
            job.cancel()
        return _g_share(frame)

    with pytest.raises(Cancelled):
        sa.mutate(cancel_after_two, x, "s", "dna", "regression", None, check=job.check)
    assert len(seen) == 2


def test_other_columns_travel_with_each_mutant():
    x = pd.DataFrame({"s": ["ACGT", "ACGT"], "dose": [1.0, 3.0]})
    atts = sa.mutate(
        lambda f: _g_share(f) * f["dose"].to_numpy(), x, "s", "dna", "regression", None
    )
    assert np.allclose(atts[1].values, 3 * atts[0].values)


def test_class_output_follows_each_rows_class():
    binary = sa.class_output(np.array([0.9, 0.2]), "binary", np.array([1, 0]))
    assert np.allclose(binary, [0.9, 0.8])
    multi = sa.class_output(np.array([[0.1, 0.7, 0.2], [0.5, 0.3, 0.2]]), "multiclass", [1, 2])
    assert np.allclose(multi, [0.7, 0.2])


def test_a_long_protein_is_mutated_over_a_window_around_what_matters():
    rng = np.random.default_rng(2)
    letters = list("ACDEFGHIKLMNPQRSTVWY")
    body = "".join(rng.choice(letters, 1000))
    seq = body[:700] + "WWW" + body[703:]  # the model looks for WWW at 701..703

    def www(frame):
        return np.array([0.9 if "WWW" in s else 0.1 for s in frame["s"]])

    atts = sa.mutate(www, pd.DataFrame({"s": [seq]}), "s", "protein", "binary", np.array([1]))
    a = atts[0]
    assert a.windowed and len(a.values) == sa.MAX_POSITIONS
    assert a.start <= 700 < a.start + sa.MAX_POSITIONS
    assert 700 <= a.peak <= 702
    # The cost of a 1,000-letter protein: the scan plus 120 positions x 19 letters, 1,000 each.
    assert sa.cost(1000, "protein") == (1 + 67 + 120 * 19) * 1000


def test_examples_of_each_class_come_first_and_the_budget_bounds_the_rest(monkeypatch):
    groups = np.array([0, 0, 0, 1, 1, 1, 1])
    correct = np.array([True, True, False, True, False, True, True])
    confidence = np.array([0.9, 0.6, 0.2, 0.8, 0.1, 0.95, 0.7])
    lengths = np.full(7, 60)
    examples, chosen = sa.choose(groups, correct, confidence, lengths, "dna")
    # Class by class: the right ones, most confident first, then the most confidently wrong.
    assert examples == [0, 1, 2, 5, 3, 4]
    assert chosen[: len(examples)] == examples and sorted(chosen) == list(range(7))
    # A tiny budget: still one example per class, nothing more.
    monkeypatch.setattr(sa, "MAX_LETTERS", 1)
    examples, chosen = sa.choose(groups, correct, confidence, lengths, "dna")
    assert examples == chosen == [0, 5]
