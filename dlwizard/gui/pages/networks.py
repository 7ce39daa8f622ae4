"""Page 7, networks: a ladder from small to large, live learning curves, honest comparison."""

from __future__ import annotations

from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from dlwizard.gui.pages.base import Page
from dlwizard.gui.widgets.common import HelpLabel, SectionTitle, field_with_help
from dlwizard.gui.widgets.options import OptionFields, carried
from dlwizard.steps import networks
from dlwizard.steps.modelling import METRIC_LABELS
from dlwizard.study.model import NetworkOptions

REFRESH_MS = 66  # the live curves are redrawn at about 15 Hz, whatever the epoch rate


def _train_networks(project, options, job=None, partial=None):
    """In the worker: each epoch's losses go to ``partial`` (the job's partial results, which
    reach the page in batches at most every REFRESH_MS)."""
    import os

    import torch

    from dlwizard.steps import networks

    # Leave one core to the window: with every core busy in torch's own threads the event loop
    # starves and the live curves stutter.
    torch.set_num_threads(max(1, (os.cpu_count() or 2) - 1))
    live = None
    if partial is not None:

        def live(label: str, epoch: int, train: float, val: float) -> None:
            partial((label, epoch, train, val))

    return networks.run(project, options, job=job, live=live, on_estimate=partial)


class NetworksPage(Page):
    step = "networks"
    intro = (
        "Neural networks, from the smallest to larger ones, each tuned with exactly the budget "
        "every baseline family had. The ladder is climbed only while a bigger network does "
        "better beyond chance variation; the result is then repeated with several seeds and "
        "compared honestly with the best baseline."
    )

    def __init__(self, window) -> None:
        super().__init__(window)
        self.training = False  # the live curves are on show
        self._live_label = ""
        self._estimate = ""  # the ladder's expected duration, while it trains
        self._live_train: list[float] = []
        self._live_val: list[float] = []
        form = QFormLayout()
        rungs = QWidget()
        rl = QVBoxLayout(rungs)
        rl.setContentsMargins(0, 0, 0, 0)
        self.rung_checks: dict[str, QCheckBox] = {}
        # Every rung of both ladders; refresh shows those for the project's data (tables or
        # sequences).
        for key, spec in networks.RUNGS.items():
            cb = QCheckBox(spec["name"])
            cb.setChecked(True)
            self.rung_checks[key] = cb
            rl.addWidget(cb)
        self.reverse_complement = QCheckBox(
            "Also read each training sequence from the other strand (reverse complement)"
        )
        rl.addWidget(self.reverse_complement)
        # Images: augmentation, and pretrained weights for the largest rung (a local file).
        self.augment = QCheckBox(
            "Vary the training images (flips, 90° turns, small shifts, brightness jitter)"
        )
        self.augment.setChecked(True)
        rl.addWidget(self.augment)
        self.pretrained_row = QWidget()
        pr = QHBoxLayout(self.pretrained_row)
        pr.setContentsMargins(0, 0, 0, 0)
        self.pretrained_label = QLabel("Deeper ResNet starts from: random weights")
        self.pretrained_label.setWordWrap(True)
        choose = QPushButton("Pretrained weights…")
        choose.clicked.connect(self._choose_pretrained)
        clear = QPushButton("Clear")
        clear.clicked.connect(lambda: self._set_pretrained(""))
        pr.addWidget(self.pretrained_label, 1)
        pr.addWidget(choose)
        pr.addWidget(clear)
        rl.addWidget(self.pretrained_row)
        self._pretrained = ""
        field_with_help(
            form,
            "Ladder",
            rungs,
            "From small to large. Each rung's width, depth, dropout, weight decay, "
            "learning rate and batch size are searched with the same budget as each "
            "baseline family (the same number of trials, or the same search time).",
        )
        train = QWidget()
        tl = QHBoxLayout(train)
        tl.setContentsMargins(0, 0, 0, 0)
        self.trials_label = QLabel()
        # Bound to NetworkOptions by field name: ranges and defaults are the model's.
        self.fields = OptionFields(NetworkOptions)
        self.epochs_box = self.fields.spin("max_epochs")
        self.seeds_box = self.fields.spin("seeds")
        self.device_combo = QComboBox()
        for text, value in (
            ("Automatic (GPU when present)", "auto"),
            ("CPU", "cpu"),
            ("NVIDIA GPU (CUDA)", "cuda"),
            ("Apple GPU (MPS)", "mps"),
        ):
            self.device_combo.addItem(text, value)
        self.deterministic = QCheckBox("Deterministic")
        self.deterministic.setChecked(True)
        self.mixed = QCheckBox("Mixed precision (GPU only)")
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.trials_label, 0, 0, 1, 4)
        grid.addWidget(QLabel("Max epochs"), 1, 0)
        grid.addWidget(self.epochs_box, 1, 1)
        grid.addWidget(QLabel("Seeds"), 1, 2)
        grid.addWidget(self.seeds_box, 1, 3)
        grid.addWidget(QLabel("Device"), 2, 0)
        grid.addWidget(self.device_combo, 2, 1)
        grid.addWidget(self.deterministic, 2, 2)
        grid.addWidget(self.mixed, 2, 3)
        tl.addLayout(grid)
        tl.addStretch(1)
        field_with_help(
            form,
            "Training",
            train,
            "Early stopping watches a validation fold inside the training rows. "
            "Deterministic mode gives the same numbers when run again on the same "
            "device (a little slower on a GPU).",
        )
        self.body.addLayout(form)
        self.run_button = self.add_primary_button("Train the networks", self.run_networks)
        self.verdict = self.add_status_label()
        self.body.addWidget(SectionTitle("Learning curves"))
        self.curve_label = QLabel(
            "Loss per epoch on the training rows and on the validation "
            "fold; they update live while training."
        )
        self.curve_label.setObjectName("help")
        self.body.addWidget(self.curve_label)
        self.curve_holder = QVBoxLayout()
        self.body.addLayout(self.curve_holder)
        self.plot = None
        self.body.addWidget(SectionTitle("The ladder"))
        self.table = QTableWidget(0, 7)
        self.table.setHorizontalHeaderLabels(
            [
                "Rung",
                "Trials",
                "CV (mean)",
                "Training rows",
                "Tuning set (95% interval)",
                "Gap",
                "Best epoch",
            ]
        )
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setMaximumHeight(150)
        self.body.addWidget(self.table)
        # Under-training at the epoch limit: said beside the ladder, with the fix.
        self.epoch_note = QLabel()
        self.epoch_note.setWordWrap(True)
        self.epoch_note.setStyleSheet(
            "background: #fff4e0; color: #6b4500; border: 1px solid #f0cf94; "
            "border-radius: 4px; padding: 8px;"
        )
        self.epoch_note.hide()
        self.body.addWidget(self.epoch_note)
        self.details = QLabel()
        self.details.setWordWrap(True)
        self.body.addWidget(self.details)
        self.body.addWidget(
            HelpLabel(
                "<b>Gap</b>: score on the rows the network was trained on minus its tuning-set "
                "score; a large gap means it memorises rather than learns. The shuffled-label "
                "control is the same network trained on shuffled answers: it should score about "
                "chance."
            )
        )
        self.add_findings_section()

    # -- live curves ----------------------------------------------------------------------------
    def _ensure_plot(self, show: bool = True):
        """The learning-curve plot, made once (hidden until there are curves to show)."""
        if self.plot is None:
            import pyqtgraph as pg

            # Without the context menu: it is not offered, and makes the widget slower to build.
            self.plot = pg.PlotWidget(background="w", enableMenu=False)
            self.plot.hide()
            self.plot.setMinimumHeight(260)
            self.plot.addLegend(offset=(-10, 10))
            self.plot.setLabel("bottom", "epoch")
            self.plot.setLabel("left", "loss")
            # A loss of 0.45 reads as 0.45, not as 450 with a "(x0.001)" beside the axis.
            self.plot.getAxis("left").enableAutoSIPrefix(False)
            self.plot.showGrid(x=True, y=True, alpha=0.15)
            self.train_curve = self.plot.plot(
                [], [], pen=pg.mkPen("#1f6fb2", width=2), name="training rows"
            )
            self.val_curve = self.plot.plot(
                [], [], pen=pg.mkPen("#c0392b", width=2), name="validation fold"
            )
            self.curve_holder.addWidget(self.plot)
        if show:
            self.plot.show()
        return self.plot

    def _show_points(self, points) -> None:
        """In the GUI thread: the epochs trained since the last batch, as
        ``(run label, epoch, training loss, validation loss)``; the curves show the latest run."""
        if not self.training:
            return
        self._ensure_plot()
        estimates = [p for p in points if isinstance(p, float)]
        if estimates:
            from dlwizard.steps.modelling import duration_words

            self._estimate = (
                f"Estimated duration: {duration_words(estimates[-1])} at most (from a few "
                "timed epochs per rung; the ladder may stop sooner). "
            )
        points = [p for p in points if not isinstance(p, float)]
        if not points:
            self.curve_label.setText(self._estimate)
            return
        for label, epoch, train, val in points:
            if label != self._live_label or epoch == 0:
                self._live_label, self._live_train, self._live_val = label, [], []
            self._live_train.append(train)
            self._live_val.append(val)
        self.train_curve.setData(self._live_train)
        self.val_curve.setData(self._live_val)
        self.curve_label.setText(
            f"{self._estimate}Now training: <b>{self._live_label}</b>, epoch "
            f"{len(self._live_train)}"
        )

    # -- reading --------------------------------------------------------------------------------
    def refresh(self) -> None:
        s = self.project.study
        o = s.baselines.options if s.baselines else None
        self.trials_label.setText(
            "Tune the baselines first: the networks use their budget"
            if o is None
            else f"{o.seconds_per_family:.0f} s of search per rung (the baselines' budget)"
            if o.budget == "time"
            else f"{o.trials} trials per rung (the baselines' budget)"
        )
        self.run_button.setEnabled(s.baselines is not None)
        self._show_ladder()
        n = s.networks
        if n is None:
            self.table.setRowCount(0)
            self.verdict.hide()
            self.epoch_note.hide()
            self.details.setText("")
            self.show_findings()
            return
        o = n.options
        for key, cb in self.rung_checks.items():
            cb.setChecked(key in o.rungs)
        self.reverse_complement.setChecked(o.reverse_complement)
        self.augment.setChecked(o.augment)
        self._set_pretrained(o.pretrained)
        self.fields.set_values(o)
        self.device_combo.setCurrentIndex(max(self.device_combo.findData(o.device), 0))
        self.deterministic.setChecked(o.deterministic)
        self.mixed.setChecked(o.mixed_precision)
        metric = n.metric
        limits = {r.key: networks.epoch_limit_note(r, o.max_epochs) for r in n.rungs}
        self.table.setRowCount(len(n.rungs))
        for r, rung in enumerate(n.rungs):
            tune = rung.tune.metrics[metric] if rung.tune else None
            gap = (rung.train_score - tune.value) if tune and rung.train_score is not None else None
            cells = [
                rung.name + ("  ★ chosen" if rung.key == n.chosen else ""),
                str(rung.trials),
                f"{rung.cv_mean:.3f}" if rung.cv_mean is not None else "—",
                f"{rung.train_score:.3f}" if rung.train_score is not None else "—",
                tune.text() if tune else "—",
                f"{gap:+.3f}" if gap is not None else "—",
                f"{rung.best_epoch + 1} of {o.max_epochs}: the limit"
                if limits[rung.key]
                else str(rung.best_epoch + 1),
            ]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c == len(cells) - 1 and limits[rung.key]:
                    item.setForeground(QColor("#8a5a00"))
                    item.setToolTip(limits[rung.key])
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()
        label = METRIC_LABELS[metric]
        self.verdict.setText(
            f"<b>Verdict:</b> {n.verdict}" + (" <i>(cancelled early)</i>" if n.cancelled else "")
        )
        self.verdict.show()
        ladder = n.stopped_because
        if ladder.startswith("Every rung of the ladder was tried.") and not n.cancelled:
            # written by an earlier version, whatever was unticked: say what really happened
            ladder = ladder.replace(
                "Every rung of the ladder was tried.",
                networks.ladder_summary(o.rungs, [r.key for r in n.rungs]),
            )
        notes = [t for t in limits.values() if t]
        for t in notes:
            ladder = ladder.replace(t, "").strip()
        self.epoch_note.setText("<br>".join(notes))
        self.epoch_note.setVisible(bool(notes))
        parts = [ladder]
        if n.seed_mean is not None:
            parts.append(
                f"Retrained with {len(n.seed_scores)} seeds: {label} "
                f"{n.seed_mean:.3f} ± {n.seed_sd:.3f} (SD)."
            )
        if n.shuffled_score is not None:
            parts.append(f"Shuffled-label control: {label} {n.shuffled_score:.3f}.")
        dev = n.device
        parts.append(
            f"Device: {dev.get('device')}{' (' + dev['gpu'] + ')' if 'gpu' in dev else ''}"
            f", torch {dev.get('torch')}, {dev.get('threads')} threads; deterministic: "
            f"{n.determinism.get('deterministic_algorithms')}."
        )
        self.details.setText("<br>".join(p for p in parts if p))
        chosen = next((r for r in n.rungs if r.key == n.chosen), None)
        if chosen is not None and chosen.train_loss and not self.training:
            self._ensure_plot()
            self.train_curve.setData(chosen.train_loss)
            self.val_curve.setData(chosen.val_loss)
            self.curve_label.setText(
                f"Learning curves of the chosen rung, {chosen.name} "
                f"(best epoch {chosen.best_epoch + 1})."
            )
        self.show_findings()

    # -- actions --------------------------------------------------------------------------------
    def options(self) -> NetworkOptions:
        previous = self.project.study.networks
        return carried(
            NetworkOptions,
            previous.options if previous else None,
            rungs=self._checked_rungs(),
            reverse_complement=self.reverse_complement.isChecked() and self._nucleic(),
            augment=self.augment.isChecked(),
            pretrained=self._pretrained if self._images() else "",
            **self.fields.values(),
            device=self.device_combo.currentData(),
            deterministic=self.deterministic.isChecked(),
            mixed_precision=self.mixed.isChecked(),
        )

    def _ladder(self) -> list[str]:
        """The rungs for the project's data: MLPs for a table, CNNs and attention for
        sequences."""
        modality = networks.project_modality(self.project)
        return [k for k, spec in networks.RUNGS.items() if spec.get("modality") == modality]

    def _checked_rungs(self) -> list[str]:
        return [k for k in self._ladder() if self.rung_checks[k].isChecked()]

    def _nucleic(self) -> bool:
        from dlwizard.steps.modelling import sequence_feature

        found = sequence_feature(self.project)
        return found is not None and found[1] in ("dna", "rna")

    def _images(self) -> bool:
        return networks.project_modality(self.project) == "image"

    def _choose_pretrained(self) -> None:
        path = self.window_.ask.open_file(
            "Pretrained weights for the deeper ResNet", "Weights (*.safetensors)"
        )
        if path:
            self._set_pretrained(path)

    def _set_pretrained(self, path: str) -> None:
        """A local safetensors file (its SHA-256 is recorded when the rung trains from it)."""
        self._pretrained = path
        name = path.replace("\\", "/").rsplit("/", 1)[-1]
        self.pretrained_label.setText(
            f"Deeper ResNet starts from: <b>{name}</b> (every layer but the last)"
            if path
            else "Deeper ResNet starts from: random weights"
        )

    def _show_ladder(self) -> None:
        """Only the rungs for the project's data, the other-strand option for DNA and RNA, and
        the augmentation and pretrained weights for images."""
        ladder = self._ladder()
        for key, cb in self.rung_checks.items():
            cb.setVisible(key in ladder)
        self.reverse_complement.setVisible(self._nucleic())
        images = self._images()
        self.augment.setVisible(images)
        self.pretrained_row.setVisible(images)

    def run_networks(self) -> None:
        if not self._checked_rungs():
            self.banner.show_error("Choose at least one rung of the ladder.")
            return
        self._live_label = ""
        self._estimate = ""
        self.training = True
        worker = self.run_job(
            _train_networks,
            self.project,
            self.options(),
            message="Training networks…",
            on_done=self._finished,
            on_partial=self._show_points,
            partial_ms=REFRESH_MS,
        )
        worker.finished.connect(self._stop_live)  # cancelled or failed too

    def _stop_live(self) -> None:
        self.training = False

    def _finished(self, _section) -> None:
        self._stop_live()
        self.refresh()

    def on_enter(self) -> None:
        from dlwizard.gui.app import preload_in_background
        from dlwizard.gui.widgets.common import when_imported

        preload_in_background("torch")
        # The plot is made now, while nothing runs: made at the first epoch, it stalled the
        # window beside the training.
        when_imported("pyqtgraph", lambda: self._ensure_plot(show=False), self)

    def problems(self) -> list[str]:
        return []  # the last page for now; networks are optional beside the baselines
