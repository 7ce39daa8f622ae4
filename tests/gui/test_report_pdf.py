"""The PDF methods report: written headless, its text read back, no data rows, same everywhere.

The PDF's text is read back with a small reader for what Qt writes (compressed content streams,
fonts with ToUnicode maps): no PDF library or poppler is needed, so the check runs everywhere.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import zlib

import pytest

from dlwizard.errors import Cancelled
from dlwizard.jobs import Job
from dlwizard.report.content import fmt_interval
from tests.conftest import ROOT
from tests.engine.test_report_content import (
    MODEL_FILE_SHA,
    PASSWORD,
    PLANTED_ID,
    PLANTED_VALUE,
    SEALED_ID,
    report_project,
)

pytest.importorskip("PySide6")


# -- reading the text of a PDF written by Qt ------------------------------------------------------
def _objects(data: bytes) -> tuple[dict[int, bytes], dict[int, int]]:
    """Object bodies by number, and where each stream's bytes start (cut by /Length later)."""
    objs: dict[int, bytes] = {}
    streams: dict[int, int] = {}
    for m in re.finditer(rb"(\d+) 0 obj\s*", data):
        num, start = int(m.group(1)), m.end()
        if data.startswith(b"<<", start):
            depth, i = 0, start
            while True:  # the end of the (possibly nested) dictionary
                if data.startswith(b"<<", i):
                    depth, i = depth + 1, i + 2
                elif data.startswith(b">>", i):
                    depth, i = depth - 1, i + 2
                    if depth == 0:
                        break
                else:
                    i += 1
            after = re.match(rb"\s*stream\r?\n", data[i : i + 12])
            if after:
                objs[num] = data[start:i]
                streams[num] = i + after.end()
                continue
        objs[num] = data[start : data.find(b"endobj", start)]
    return objs, streams


def pdf_pages(data: bytes) -> list[str]:
    """The text of every page, one line per text run."""
    objs, streams = _objects(data)

    def stream(n: int) -> bytes:
        value = re.search(rb"/Length\s+(\d+)(\s+0\s+R)?", objs[n])
        length = int(objs[int(value.group(1))].strip()) if value.group(2) else int(value.group(1))
        raw = data[streams[n] : streams[n] + length]
        return zlib.decompress(raw) if b"/FlateDecode" in objs[n] else raw

    def to_unicode(n: int) -> dict[int, str]:
        text = stream(n).decode("latin-1")
        out: dict[int, str] = {}
        for block in re.findall(r"beginbfchar(.*?)endbfchar", text, re.S):
            for a, b in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                out[int(a, 16)] = bytes.fromhex(b).decode("utf-16-be")
        for block in re.findall(r"beginbfrange(.*?)endbfrange", text, re.S):
            ranges = re.findall(
                r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(\[[^\]]*\]|<[0-9A-Fa-f]+>)", block
            )
            for a, b, rest in ranges:
                lo, hi = int(a, 16), int(b, 16)
                if rest.startswith("["):
                    for i, h in enumerate(re.findall(r"<([0-9A-Fa-f]+)>", rest)):
                        out[lo + i] = bytes.fromhex(h).decode("utf-16-be")
                else:
                    first = int(rest[1:-1], 16)
                    out.update({lo + i: chr(first + i) for i in range(hi - lo + 1)})
        return out

    root = next(b for b in objs.values() if re.search(rb"/Type\s*/Pages\b", b))
    kids = re.search(rb"/Kids\s*\[(.*?)\]", root, re.S).group(1)
    pages = []
    for ref in re.findall(rb"(\d+) 0 R", kids):
        page = objs[int(ref)]
        res = re.search(rb"/Resources\s+(\d+) 0 R", page)
        resources = objs[int(res.group(1))] if res else page
        fonts: dict[str, dict[int, str]] = {}
        font_dict = re.search(rb"/Font\s*<<(.*?)>>", resources, re.S)
        for name, num in re.findall(
            rb"/(\w+)\s+(\d+) 0 R", font_dict.group(1) if font_dict else b""
        ):
            tu = re.search(rb"/ToUnicode\s+(\d+) 0 R", objs[int(num)])
            fonts[name.decode()] = to_unicode(int(tu.group(1))) if tu else {}
        content = stream(int(re.search(rb"/Contents\s+(\d+) 0 R", page).group(1)))
        lines, run, font = [], [], {}
        pattern = (
            r"/(\w+)\s+[\d.]+\s+Tf|<([0-9A-Fa-f]*)>\s*Tj|\[(.*?)\]\s*TJ|\b(BT|ET)\b"
            r"|([-\d.]+)\s+([-\d.]+)\s+Td"
        )
        for tok in re.finditer(pattern, content.decode("latin-1"), re.S):
            if tok.group(1):
                font = fonts.get(tok.group(1), {})
            elif tok.group(2) is not None or tok.group(3) is not None:
                hexes = [tok.group(2)] if tok.group(3) is None else re.findall(
                    r"<([0-9A-Fa-f]*)>", tok.group(3)
                )  # fmt: skip
                for h in hexes:
                    run += [font.get(int(h[i : i + 4], 16), "") for i in range(0, len(h), 4)]
            elif (tok.group(4) or (tok.group(6) and abs(float(tok.group(6))) > 0.01)) and run:
                lines.append("".join(run))
                run = []
        pages.append("\n".join(lines).replace("\t", " "))
    return pages


# -- fixtures -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return report_project(tmp_path_factory)


@pytest.fixture(scope="module")
def written(project, tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    from dlwizard.render.pdf import write_pdf

    seen: list[float] = []
    t0 = time.perf_counter()
    path = write_pdf(project, folder / "methods.pdf", job=Job(lambda f, m: seen.append(f)))
    seconds = time.perf_counter() - t0
    print(f"\nmethods report: {seconds:.2f} s, {path.stat().st_size / 1024:.0f} kB")
    return path, seconds, seen


@pytest.fixture(scope="module")
def pages(written):
    return pdf_pages(written[0].read_bytes())


@pytest.fixture(scope="module")
def text(pages):
    return "\n".join(pages)


# -- tests ---------------------------------------------------------------------------------------
def test_written_atomically_as_an_a4_pdf_quickly(written):
    path, seconds, seen = written
    data = path.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert [p.name for p in path.parent.iterdir()] == ["methods.pdf"]  # no temp file left
    assert b"/MediaBox [0 0 595" in data  # A4: 595 x 842 points
    assert seen and seen[-1] == 1.0 and seen == sorted(seen)
    assert seconds < 30, f"the report took {seconds:.1f} s"  # about 2-3 s on a 2-core machine


def test_pages_have_header_footer_and_contents(pages, project):
    n = len(pages)
    assert n > 10
    for i, page in enumerate(pages):
        assert f"Page {i + 1} of {n}" in page
        if i:
            assert project.study.name in page  # the header
            assert re.search(r"Methods report · \d{4}-\d\d-\d\d", page)
    first = pages[0]
    assert "METHODS REPORT" in first and "Contents" in first
    assert re.search(r"Evaluation\n\d+\n", first)  # a contents line with its page number


def test_headings_follow_dome(text):
    for heading in (
        "1  Summary",
        "Methods paragraph",
        "Question and intended use",
        "Data",
        "DOME: Data",
        "Optimisation",
        "DOME: Optimisation",
        "Model",
        "Evaluation",
        "Every look at the test set",
        "Interpretation and caveats",
        "Privacy",
        "Findings by step",
        "Appendix A  Reproducibility",
        "Appendix B  Reporting checklists",
        "Appendix C  Audit log",
        "REFORMS",
        "TRIPOD+AI",
    ):
        assert heading in text, heading


def test_numbers_from_the_study_are_in_the_pdf(project, text):
    s = project.study
    best = max(s.baselines.results, key=lambda r: r.tune.metrics["auroc"].value)
    assert fmt_interval(best.tune.metrics["auroc"]) in text
    flat = text.replace("\n", "")
    assert s.split.test_sha256 in flat
    assert MODEL_FILE_SHA in flat
    sizes = f"training {len(s.split.train)}, tuning {len(s.split.tune)}, test {len(s.split.test)}"
    assert sizes in text
    assert "0.981 (0.962–0.995)" in text  # the primary look's test AUROC
    assert "AUROC 0.981 (95% CI 0.962–0.995)" in text.replace("\n", " ")  # methods paragraph


def test_every_unsealing_in_the_audit_log_is_printed(project, text):
    entries = [e for e in project.log if e.action == "test-unsealed"]
    assert len(entries) == 2
    # the looks table and the audit log appendix, in words (never the key "test-unsealed")
    flat = text.replace("\n", " ")
    assert flat.count("test set opened") >= 2 * 2 and "test-unsealed" not in text
    assert "primary analysis" in text and "v2 reviewer request" in text
    assert "reviewer asked for the calibration" in text.replace("\n", " ")


def test_no_sample_ids_or_data_values_leak(written, text):
    assert PLANTED_ID not in text and SEALED_ID not in text
    assert "[redacted]" in text
    assert str(PLANTED_VALUE)[:7] not in text
    raw = written[0].read_bytes()
    assert PLANTED_ID.encode() not in raw and SEALED_ID.encode() not in raw


def test_bundled_font_only_and_vector_figures(written):
    raw = written[0].read_bytes()
    fonts = set(re.findall(rb"/BaseFont\s*/(?:[A-Z]{6}\+)?([\w-]+)", raw))
    assert fonts and all(f.startswith(b"SourceSansPro") for f in fonts), fonts
    assert b"/Subtype /Image" not in raw  # every plot is drawn as vectors, not pixels


def test_cancel_leaves_no_file(project, tmp_path):
    from dlwizard.render.pdf import write_pdf

    job = Job(lambda f, m: job.cancel() if "figures" in m else None)
    with pytest.raises(Cancelled):
        write_pdf(project, tmp_path / "methods.pdf", job=job)
    assert list(tmp_path.iterdir()) == []


def test_refuses_a_worker_thread(project, tmp_path):
    import threading

    from dlwizard.render.pdf import _application, write_pdf

    _application()
    errors: list[BaseException] = []

    def work():
        try:
            write_pdf(project, tmp_path / "methods.pdf")
        except BaseException as exc:
            errors.append(exc)

    t = threading.Thread(target=work)
    t.start()
    t.join(60)
    assert errors and isinstance(errors[0], RuntimeError) and "GUI thread" in str(errors[0])


def test_cli_report_command(project, tmp_path, tmp_path_factory):
    src = tmp_path_factory.getbasetemp() / "report-project.dlwiz"
    out = tmp_path / "methods.pdf"
    env = {**os.environ, "DLWIZARD_PASSWORD": PASSWORD, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-m", "dlwizard", "report", str(src), "-o", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "Methods report written to" in done.stdout
    pages = pdf_pages(out.read_bytes())
    assert "Appendix C  Audit log" in "\n".join(pages)
    # As from the wizard: the report step is done and the export is in the saved audit log.
    from dlwizard.study import container

    reopened = container.load(src, PASSWORD)
    assert reopened.is_done("report")
    last = reopened.log[-1]
    assert last.action == "report-exported" and last.detail["path"] == str(out.resolve())


def test_table_headers_never_break_inside_a_word(tmp_path):
    """A table with many columns squeezes the narrow ones; a header word such as "Samples" is
    still printed whole (the issue saw "Sample/s"), and the widths still fill the page."""
    from dlwizard.render.pdf import fit_floors, render
    from dlwizard.report.document import Report, Section, Table

    classes = [f"Class{chr(65 + i)}" for i in range(9)]
    table = Table(
        ["Set", "Samples", *classes],
        [["Training", "341", *["38"] * 9], ["Tuning", "114", *["13"] * 9]],
        widths=[3, 0.5, *[1] * 9],  # "Samples" given far too little room
    )
    report = Report("Headers", "Methods report", "2026-01-01", "0", "x")
    report.sections.append(Section("s", "Samples per set").add(table))
    report.number()
    out = render(report, tmp_path / "headers.pdf")
    text = "\n".join(pdf_pages(out.read_bytes()))
    assert "Samples" in text.split("\n")
    for name in classes:
        assert name in text.split("\n"), name
    # the floors are met, the room comes from the wide column, the total is kept
    widths = fit_floors([300.0, 20.0, 80.0], [40.0, 50.0, 40.0])
    assert widths[1] == 50.0 and all(w >= f for w, f in zip(widths, [40.0, 50.0, 40.0]))
    assert widths[0] < 300.0 and abs(sum(widths) - 400.0) < 1e-9
    assert fit_floors([10.0, 10.0], [30.0, 30.0]) == [10.0, 10.0]  # no room: unchanged
