"""Export: the methods report (PDF), the plan, the final model (through the privacy gate), and
predictions of the final model on new samples."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt

from dlwizard.errors import DlwizardError

if TYPE_CHECKING:
    from dlwizard.gui.main_window import MainWindow
    from dlwizard.gui.workers import JobWorker


def export_report(window: MainWindow, path: str | Path | None = None) -> Path | None:
    """Report > Export PDF: the methods report, drawn here in the GUI thread (Qt widgets draw
    the figures); the window keeps painting its progress meanwhile."""
    from PySide6.QtCore import QEventLoop
    from PySide6.QtWidgets import QApplication

    from dlwizard.jobs import Job
    from dlwizard.render.pdf import write_pdf

    if window.job is not None:
        return None
    if path is None:
        name = (window.project.study.name or "study").replace("/", "-")
        path = window.ask.save_file(
            "Export the methods report", f"{name} - methods.pdf", "PDF files (*.pdf)"
        )
        if not path:
            return None

    def progress(fraction: float, message: str) -> None:
        window.progress.update_progress(fraction, message)
        # Paint, but take no clicks or keys: the report is being drawn from this thread.
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)

    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    window.progress.begin("Writing the methods report…")
    window.progress.cancel_button.hide()
    try:
        out = write_pdf(window.project, path, job=Job(progress))
    except (DlwizardError, OSError) as exc:
        window.ask.error("Cannot write the report", f"{exc}\nNo report file was written.")
        return None
    finally:
        window.progress.cancel_button.show()
        window.progress.end()
        QApplication.restoreOverrideCursor()
    from dlwizard.steps import report as report_step

    report_step.record_export(window.project, out)
    window.statusBar().showMessage(f"Methods report written to {out}", 10000)
    window.after_change()
    return out


def export_plan(window: MainWindow, path: str | Path | None = None) -> bool:
    from dlwizard.plan import dumps, plan_from_project

    if path is None:
        path = window.ask.save_file("Export plan", "plan.toml", "Plan files (*.toml)")
        if not path:
            return False
    path = Path(path)
    try:
        text = dumps(plan_from_project(window.project, relative_to=path.parent))
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text, "utf-8")
        tmp.replace(path)
    except OSError as exc:
        window.ask.error("Cannot export the plan", f"{path}: {exc.strerror or exc}")
        return False
    window.statusBar().showMessage(f"Plan written to {path}", 5000)
    return True


def export_model(window: MainWindow, folder: str | Path | None = None) -> list[Path] | None:
    """File > Export final model: through the privacy gate. A refused export explains the
    verdict and offers an override with a typed justification, which is recorded."""
    from dlwizard.export import export_model as write_model

    s = window.project.study
    if window.job is not None:
        return None
    if s.compare is None or s.compare.final is None:
        window.ask.info("No final model", "Freeze the final model on the comparison page first.")
        return None
    if not _through_privacy_gate(window):
        return None
    if folder is None:
        suggested = (s.name or "model").replace("/", "-") + " - model"
        folder = window.ask.save_file("Export the final model to a new folder", suggested, "")
        if not folder:
            return None
    try:
        written = write_model(window.project, folder)
    except DlwizardError as exc:
        window.ask.error("Cannot export the model", str(exc))
        return None
    window.after_change()
    window.statusBar().showMessage(f"Model exported to {folder}", 10000)
    window.ask.info(
        "Model exported",
        f"{s.compare.final.name} was written to {folder}:\n" + "\n".join(p.name for p in written),
    )
    return written


def _through_privacy_gate(window: MainWindow) -> bool:
    """True when the privacy gate lets the model out, or the user overrode a refusal with a
    typed justification (recorded in the audit log and the report)."""
    from dlwizard.export import check_export
    from dlwizard.steps import privacy

    try:
        check_export(window.project)
    except DlwizardError as refused:
        justification = window.ask.text(
            "Export refused by the privacy gate",
            f"{refused}\n\nTo export anyway, type why this model may be shared despite the "
            f"verdict (at least {privacy.MIN_JUSTIFICATION} characters: who receives it, under "
            "which agreement). It is recorded with your name in the audit log and printed in "
            "the report. Leave it empty to cancel.",
        )
        if not justification:
            return False
        try:
            privacy.override(window.project, justification)
        except DlwizardError as exc:
            window.ask.error("The override was not recorded", str(exc))
            return False
        window.refresh_all()
    return True


def predict_new(
    window: MainWindow, source: str | Path | None = None, out: str | Path | None = None
) -> JobWorker | None:
    """File > Predict on new samples: apply the frozen final model to a new file."""
    from dlwizard.predict import predict_file

    s = window.project.study
    if window.job is not None or s.compare is None or s.compare.final is None:
        return None
    if source is None and s.compare.final.image:  # a model of images: a folder of new images
        source = window.ask.open_folder("Folder of new images to predict")
        if not source:
            return None
    if source is None:
        source = window.ask.open_file(
            "New samples to predict",
            "Tables and sequences (*.csv *.tsv *.txt *.xlsx *.parquet *.fa *.fasta *.fna *.faa "
            "*.fa.gz *.fasta.gz);;All files (*)",
        )
        if not source:
            return None
    if out is None:
        name = Path(source).name if Path(source).is_dir() else Path(source).stem
        suggested = str(Path(source).with_name(name + "_predictions.csv"))
        out = window.ask.save_file("Save predictions", suggested, "CSV files (*.csv)")
        if not out:
            return None
    final_name = s.compare.final.name

    def done(summary) -> None:
        notes = "\n".join(summary.notes())
        window.statusBar().showMessage(
            f"Predicted {summary.n_rows:,} samples; written to {summary.output}", 10000
        )
        window.ask.info(
            "Predictions written",
            f"{summary.n_rows:,} samples predicted with {final_name}.\n"
            f"Saved to {summary.output}." + (f"\n\n{notes}" if notes else ""),
        )

    def failed(exc: BaseException, tb: str = "") -> None:
        window.ask.error("Cannot predict", str(exc) + "\nNo predictions file was written.")

    return window.run_job(
        predict_file,
        window.project,
        source,
        out,
        message=f"Predicting {Path(source).name}…",
        on_done=done,
        on_error=failed,
    )
