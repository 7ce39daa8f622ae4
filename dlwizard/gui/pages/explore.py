"""Page 4, explore: look at the samples before any model — balance, gaps, duplicates, batches."""

from __future__ import annotations

import html
from typing import Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from dlwizard.gui.pages.base import Page
from dlwizard.gui.widgets.common import HelpLabel, SectionTitle, run_in_steps
from dlwizard.gui.widgets.image_views import ImagesTab
from dlwizard.gui.widgets.options import carried
from dlwizard.steps import explore, explore_sequences
from dlwizard.study.model import ExploreOptions

METHOD_NAMES = {"pca": "PCA (fast, linear)", "tsne": "t-SNE (slower, local structure)",
                "umap": "UMAP (installed)"}  # fmt: skip
# Text colours of the batch verdicts: dark red-brown, amber, grey (never red beside green).
VERDICT_COLORS = {"strong": "#b3261e", "moderate": "#8a5a00", "weak": "#5f6b76"}
# Findings worth the red headline: the label is predicted without the biology.
HEADLINE_CODES = (
    "batch-stronger-than-label",
    "metadata-predicts-label",
    "sequence-length-predicts-label",
    "sequence-composition-predicts-label",
    "image-intensity-predicts-label",
    "image-size-predicts-label",
)
SHORTCUT_SOURCES = {
    "missingness": "the pattern of missing values",
    "sequence_length": "the sequences' length",
    "sequence_composition": "the sequences' letter composition",
    "image_intensity": "the images' brightness",
    "image_size": "the images' size",
}


class ExplorePage(Page):
    step = "explore"
    intro = (
        "Before any model, look at the samples: how the classes are balanced, where values are "
        "missing, which samples are duplicates or outliers, and above all whether the main "
        "differences between samples follow a batch, a site or a processing date instead of "
        "the biology."
    )

    def __init__(self, window) -> None:
        super().__init__(window)
        self.view: tuple[Any, Any] | None = None
        self._drawing = None  # the timer adding scatter points chunk by chunk
        self.hover_tree = None
        bar = QHBoxLayout()
        self.method_combo = QComboBox()
        for m in explore.embedding_methods():
            self.method_combo.addItem(METHOD_NAMES[m], m)
        self.run_button = QPushButton("Explore the data")
        self.run_button.setObjectName("primary")
        self.run_button.clicked.connect(self.run_exploration)
        self.map_title = QLabel("<b>Map of the samples</b>")
        bar.addWidget(self.map_title)
        bar.addWidget(self.method_combo)
        bar.addStretch(1)
        bar.addWidget(self.run_button)
        self.body.addLayout(bar)
        self.headline = QLabel()
        self.headline.setObjectName("status")
        self.headline.setWordWrap(True)
        self.headline.hide()
        self.body.addWidget(self.headline)
        self.stats = QLabel()
        self.stats.setWordWrap(True)
        self.body.addWidget(self.stats)

        grid = QGridLayout()
        self.plot = None  # created on first draw (pyqtgraph stays off the startup path)
        self.plot_holder = QWidget()
        self.plot_layout = QHBoxLayout(self.plot_holder)
        self.plot_layout.setContentsMargins(0, 0, 0, 0)
        self.plot_holder.setMinimumHeight(380)
        colour_row = QHBoxLayout()
        self.colour_combo = QComboBox()
        self.colour_combo.currentIndexChanged.connect(self.draw)
        colour_row.addWidget(QLabel("Colour by"))
        colour_row.addWidget(self.colour_combo, 1)
        self.hover_hint = "Hover over a point to see its sample."
        self.hover_label = QLabel(self.hover_hint)
        self.hover_label.setObjectName("help")
        self.map_note = HelpLabel("")  # what a map of sequences is drawn from
        self.map_note.hide()
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addLayout(colour_row)
        ll.addWidget(self.plot_holder, 1)
        ll.addWidget(self.hover_label)
        ll.addWidget(self.map_note)
        grid.addWidget(left, 0, 0)

        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(SectionTitle("Batch effects"))
        self.batch_table = QTableWidget(0, 4)
        self.batch_table.setHorizontalHeaderLabels(["Column", "Variation", "Separation", "Verdict"])
        self.batch_table.verticalHeader().hide()
        # The column's name wraps; the numbers keep their width: never a sideways scroll bar.
        self.batch_table.setWordWrap(True)
        self.batch_table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        header = self.batch_table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.batch_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        rl.addWidget(self.batch_table, 1)
        rl.addWidget(
            HelpLabel(
                "<b>Variation</b>: the share of the spread along the top principal "
                "components lines up with the column (0–100%). <b>Separation</b>: silhouette of "
                "its groups (−1 to 1; above 0.25 the groups form visible clusters). The "
                "label's own row is shown for comparison: a batch that explains more than the "
                "label is a red flag."
            )
        )
        rl.addWidget(SectionTitle("Can the label be predicted without the biology?"))
        self.shortcut_label = QLabel()
        self.shortcut_label.setWordWrap(True)
        rl.addWidget(self.shortcut_label)
        grid.addWidget(right, 0, 1)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)
        self.body.addLayout(grid)

        self.tabs = QTabWidget()
        self.tabs.setMinimumHeight(330)
        self.missing_holder = QWidget()
        QVBoxLayout(self.missing_holder).setContentsMargins(0, 0, 0, 0)
        self.missing_note = HelpLabel("")
        self.missing_note.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.missing_holder.layout().addWidget(self.missing_note)
        dist = self.dist_tab = QWidget()
        dl = QVBoxLayout(dist)
        dl.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.feature_combo = QComboBox()
        self.feature_combo.setEditable(True)
        self.feature_combo.setMinimumWidth(260)
        self.feature_combo.currentIndexChanged.connect(self.draw_distribution)
        row.addWidget(QLabel("Feature"))
        row.addWidget(self.feature_combo)
        row.addWidget(
            HelpLabel("the most variable features are listed first; type to find another"), 1
        )
        dl.addLayout(row)
        self.dist_holder = QVBoxLayout()
        dl.addLayout(self.dist_holder, 1)
        self.tabs.addTab(self.missing_holder, "Missing values")
        self.tabs.addTab(dist, "Feature distributions")
        # Sequences: lengths and composition per class, in words and two figures.
        self.seq_tab = QWidget()
        sl = QVBoxLayout(self.seq_tab)
        sl.setContentsMargins(0, 0, 0, 0)
        self.seq_words = QLabel()
        self.seq_words.setWordWrap(True)
        sl.addWidget(self.seq_words)
        self.seq_plots = QHBoxLayout()
        sl.addLayout(self.seq_plots, 1)
        self.tabs.addTab(self.seq_tab, "Sequences")
        self.tabs.setTabVisible(self.tabs.indexOf(self.seq_tab), False)
        self.image_tab = ImagesTab()  # a column of images: brightness and a montage
        self.tabs.addTab(self.image_tab, "Images")
        self.tabs.setTabVisible(self.tabs.indexOf(self.image_tab), False)
        self.body.addWidget(self.tabs)
        self.missing_plot = None
        self.dist_plot = None
        self.length_plot = None
        self.composition_plot = None
        self.add_findings_section()

    # -- reading --------------------------------------------------------------------------------
    def refresh(self) -> None:
        e = self.project.study.explore
        ready = self.project.table is not None and self.project.study.metadata is not None
        self.run_button.setEnabled(ready)
        if e is not None:
            self.method_combo.setCurrentIndex(
                max(self.method_combo.findData(e.options.embedding), 0)
            )
        self._fill_colours()
        self._show_section()
        self.show_findings()

    def on_enter(self) -> None:
        if self.project.study.explore is not None and self.view is None:
            stored = explore.stored_view(self.project)
            if stored is not None:  # drawn at once: the pages stay free to use
                self._view_ready(stored)
                return
            options = self.project.study.explore.options
            self.run_job(
                explore.view,
                self.project,
                options,
                message="Drawing the map…",
                on_done=self._view_ready,
            )

    def _fill_colours(self) -> None:
        m = self.project.study.metadata
        current = self.colour_combo.currentData()
        self.colour_combo.blockSignals(True)
        self.colour_combo.clear()
        if m is not None:
            target = self.project.study.question.target
            if target:
                self.colour_combo.addItem(f"{target} (the label)", target)
            for col, role in m.roles.items():
                if role in ("batch", "time_point", "subject", "sensitive", "replicate"):
                    self.colour_combo.addItem(f"{col} ({role.replace('_', ' ')})", col)
            self.colour_combo.addItem("(one colour)", None)
        # The label is the first choice; keep the user's choice across refreshes.
        idx = self.colour_combo.findData(current) if current is not None else 0
        self.colour_combo.setCurrentIndex(max(idx, 0))
        self.colour_combo.blockSignals(False)

    def _show_section(self) -> None:
        e = self.project.study.explore
        q = self.project.study.question
        self._show_sequences(e)
        self._show_images(e)
        if e is None:
            self.stats.setText("Press <b>Explore the data</b> to compute the checks and the map.")
            self.batch_table.setRowCount(0)
            self.shortcut_label.setText("")
            self.headline.hide()
            return
        parts = []
        if q.class_counts and q.task != "regression":
            total = sum(q.class_counts.values())
            parts.append(
                "Classes: "
                + ", ".join(f"{k} {v} ({v / total:.0%})" for k, v in sorted(q.class_counts.items()))
            )
        parts.append(f"{e.missing_share:.1%} of feature values missing")
        dup = e.image_duplicates  # images: identical files and near-identical pictures
        exact, near = (dup.exact, dup.near) if dup else (e.exact_duplicates, e.near_duplicates)
        parts.append(f"{len(exact)} exact and {len(near)} near duplicate group(s)")
        parts.append(
            f"{len(e.outliers)} outlier {'sequence' if e.sequence_column else 'sample'}(s)"
        )
        if e.explained_variance:
            parts.append(f"PC1–PC2 explain {sum(e.explained_variance[:2]):.0%} of the variance")
        if self.project.study.split is not None:
            parts.append("the map shows the training and tuning rows (the test set is sealed)")
        self.stats.setText(" · ".join(parts))
        rows = list(e.batch_effects) + ([e.label_effect] if e.label_effect else [])
        self.batch_table.setRowCount(len(rows))
        for r, b in enumerate(rows):
            name = f"{b.column} ({'the label' if b.role == 'target' else b.role})"
            sil = "—" if b.silhouette is None else f"{b.silhouette:+.2f}"
            cells = [name, f"{b.pc_variance_share:.0%}", sil, b.verdict]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c == 3 and b.role != "target":
                    item.setForeground(QColor(VERDICT_COLORS[b.verdict]))
                if b.role == "target":
                    font = item.font()
                    font.setItalic(True)
                    item.setFont(font)
                self.batch_table.setItem(r, c, item)
        self.batch_table.resizeRowsToContents()
        lines = []
        for s in e.shortcuts:
            what = (
                "the metadata (" + ", ".join(s.columns[:3]) + ")"
                if s.source == "metadata"
                else SHORTCUT_SOURCES[s.source]
            )
            metric = {"auroc": "AUROC", "balanced_accuracy": "balanced accuracy", "r2": "R²"}[
                s.metric
            ]
            verdict = (
                "<b style='color:#b3261e'>above chance: a shortcut exists</b>"
                if s.above_chance
                else "<span style='color:#5f6b76'>about chance</span>"
            )
            lines.append(
                f"From {what} alone: {metric} {s.score:.2f} (chance {s.chance:.2f}, "
                f"{s.folds}-fold CV) — {verdict}"
            )
        if not lines:
            lines.append("No batch or time-point columns and no missing values to test.")
        elif e.sequence_column and not any(s.above_chance for s in e.shortcuts):
            lines.append(
                "<span style='color:#5f6b76'>Neither length nor composition gives the label "
                "away: a model has to read the sequences.</span>"
            )
        self.shortcut_label.setText("<br>".join(lines))
        strong = [f for f in self.project.findings(self.step) if f.code in HEADLINE_CODES]
        if strong:
            self.headline.setStyleSheet(
                "background:#fdecea;border:1px solid #f3b8b1;"
                "border-radius:4px;padding:8px;color:#7a1c14"
            )
            self.headline.setText("<b>Careful:</b> " + strong[0].message)
            self.headline.show()
        else:
            self.headline.hide()

    def _show_sequences(self, e) -> None:
        """The Sequences tab and the map's words, for a column of sequences among the features."""
        has = e is not None and bool(e.sequence_stats)
        index = self.tabs.indexOf(self.seq_tab)
        was = self.tabs.isTabVisible(index)
        self.tabs.setTabVisible(index, has)
        # Sequences alone have no numeric distributions to show.
        no_numbers = has and e.n_features_used <= 1
        self.tabs.setTabVisible(self.tabs.indexOf(self.dist_tab), not no_numbers)
        words = explore_sequences.map_words(self.project.study) if has else ""
        self.map_note.setText(words)
        self.map_note.setVisible(bool(words))
        self.map_title.setText(
            "<b>Map of the sequences</b>" if has else "<b>Map of the samples</b>"
        )
        self.hover_hint = f"Hover over a point to see its {'sequence' if has else 'sample'}."
        self.hover_label.setText(self.hover_hint)
        if has:
            self.seq_words.setText(
                html.escape(explore_sequences.sequence_words(self.project.study))
                + "<br><span style='color:#5f6b76'>Left: each class's lengths, a box from the "
                "first to the third quartile (the middle half) and a black bar at the median. "
                "Right: the share of each letter in each class.</span>"
            )
            if not was:
                self.tabs.setCurrentWidget(self.seq_tab)

    def _show_images(self, e) -> None:
        """The Images tab, for a column of images among the features."""
        has = e is not None and bool(e.image_column)
        index = self.tabs.indexOf(self.image_tab)
        was = self.tabs.isTabVisible(index)
        self.tabs.setTabVisible(index, has)
        if not has:
            return
        # Images alone have no numeric distributions worth a tab (their features are the map).
        self.tabs.setTabVisible(self.tabs.indexOf(self.dist_tab), False)
        self.map_title.setText("<b>Map of the images</b> (from simple image features)")
        self.hover_hint = "Hover over a point to see its image's row."
        self.hover_label.setText(self.hover_hint)
        self.image_tab.show_words(self.project.study)
        if not was:
            self.tabs.setCurrentWidget(self.image_tab)

    def _ensure_sequence_plots(self) -> None:
        if self.length_plot is None:
            import pyqtgraph as pg

            self.length_plot = pg.PlotWidget(background="w", enableMenu=False)
            self.composition_plot = pg.PlotWidget(background="w", enableMenu=False)
            self.seq_plots.addWidget(self.length_plot, 2)
            self.seq_plots.addWidget(self.composition_plot, 3)

    def draw_sequences(self) -> None:
        """Lengths and composition per class, from the recorded section."""
        from dlwizard.render.figures import sequences

        args = explore_sequences.sequence_figures(self.project.study)
        if args is None:
            return
        self._ensure_sequence_plots()
        sequences.lengths(self.length_plot.getPlotItem(), **args["lengths"])
        sequences.composition(self.composition_plot.getPlotItem(), **args["composition"])

    # -- the map ------------------------------------------------------------------------------
    def _ensure_plot(self) -> None:
        if self.plot is not None:
            return
        import pyqtgraph as pg

        self.plot = pg.PlotWidget(background="w")
        self.plot.setLabel("bottom", "component 1")
        self.plot.setLabel("left", "component 2")
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        self.plot_layout.addWidget(self.plot)
        self._hover_proxy = pg.SignalProxy(
            self.plot.scene().sigMouseMoved, rateLimit=30, slot=self._hover
        )

    def _view_ready(self, view) -> None:
        self.view = view

        def steps():
            # One figure per event-loop pass, so the window never stalls while they appear;
            # a plot widget is made in one pass and drawn in the next (each costs a stall).
            self.draw()
            yield
            self._ensure_missing_plot()
            yield
            self.draw_missing()
            yield
            self._fill_features()
            yield
            self._ensure_dist_plot()
            yield
            self.draw_distribution()
            if explore_sequences.sequence_figures(self.project.study) is not None:
                yield
                self._ensure_sequence_plots()
                yield
                self.draw_sequences()
            e = self.project.study.explore
            if e is not None and e.image_column:
                yield
                self.image_tab.ensure_plots()
                yield
                self.image_tab.draw(self.project)

        run_in_steps(steps(), self)

    def _ensure_missing_plot(self) -> None:
        if self.missing_plot is None:
            import pyqtgraph as pg

            # No context menu (missingness.build turns it off anyway): it is costly to build.
            self.missing_plot = pg.PlotWidget(background="w", enableMenu=False)
            self.missing_holder.layout().insertWidget(0, self.missing_plot, 1)

    def _ensure_dist_plot(self) -> None:
        if self.dist_plot is None:
            import pyqtgraph as pg

            self.dist_plot = pg.PlotWidget(background="w")
            self.dist_holder.addWidget(self.dist_plot)

    def draw_missing(self) -> None:
        from dlwizard.render.figures import missingness

        df = self.view[0]
        roles = self.project.study.metadata.roles
        cols = [c for c, r in roles.items() if r == "feature" and c in df.columns]
        missing = df[cols].isna().to_numpy()
        self._ensure_missing_plot()
        if not missing.any():
            self.missing_plot.hide()
            self.missing_note.setText(f"No missing values in the {len(cols):,} features.")
            return
        self.missing_plot.show()
        missingness.build(self.missing_plot.getPlotItem(), missing, [str(c) for c in cols])
        per_col = missing.mean(axis=0)
        self.missing_note.setText(
            f"One row per feature, most gaps on top; dark blue marks missing values "
            f"({missing.mean():.1%} overall; {int((per_col > 0).sum()):,} of {len(cols):,} "
            "features have gaps). Large tables are shown in averaged blocks. Gaps that line up "
            "with a site or a class mean missingness itself carries information."
        )

    def _fill_features(self) -> None:
        df = self.view[0]
        feats = explore.feature_matrix(self.project, df)
        with np.errstate(invalid="ignore"):
            var = np.nanvar(feats.values, axis=0) if feats.values.size else np.array([])
        order = np.argsort(-np.nan_to_num(var, nan=-1.0))[:300]
        self.feature_combo.blockSignals(True)
        self.feature_combo.clear()
        for j in order:
            self.feature_combo.addItem(str(feats.columns[j]))
        self.feature_combo.blockSignals(False)

    def draw_distribution(self) -> None:
        if self.view is None:
            return
        from dlwizard.render.figures import distribution
        from dlwizard.render.figures.embedding import group_points

        df = self.view[0]
        col = self.feature_combo.currentText()
        if col not in df.columns:
            return
        self._ensure_dist_plot()
        values = df[col].to_numpy(dtype=float, na_value=np.nan)
        target = self.project.study.question.target
        plot = self.dist_plot.getPlotItem()
        if target in df.columns and self.project.study.question.task != "regression":
            labels = df[target].astype("str").to_numpy()
            g = group_points(labels)
            distribution.histogram(plot, values, labels, g.colors, g.names)
        else:
            distribution.histogram(plot, values, None, [], [])
        plot.setLabel("bottom", col)
        plot.setLabel("left", "samples")

    def draw(self) -> None:
        if self.view is None:
            return
        from scipy.spatial import cKDTree

        from dlwizard.render.figures import embedding as emb_plot

        self._ensure_plot()
        df, emb = self.view
        col = self.colour_combo.currentData()
        values = (
            df[col].astype("str").fillna("missing").to_numpy()
            if col in df.columns
            else (np.array(["all samples"] * len(df)))
        )
        groups = emb_plot.group_points(values)
        if self._drawing is not None:
            self._drawing.stop()
        self._drawing = run_in_steps(
            emb_plot.build_in_steps(self.plot.getPlotItem(), emb.coords, groups),
            self,
            on_done=self._drawn,
        )
        name = {"pca": "PC", "tsne": "t-SNE ", "umap": "UMAP "}[emb.method]
        if emb.method == "pca" and len(emb.explained) >= 2:
            self.plot.setLabel("bottom", f"PC1 ({emb.explained[0]:.0%} of variance)")
            self.plot.setLabel("left", f"PC2 ({emb.explained[1]:.0%} of variance)")
        else:
            self.plot.setLabel("bottom", f"{name}1")
            self.plot.setLabel("left", f"{name}2")
        span = np.ptp(emb.coords, axis=0)
        span[span == 0] = 1.0
        self._scale = span
        self.hover_tree = cKDTree(emb.coords / span)

    def _drawn(self) -> None:
        self._drawing = None

    def _hover(self, event) -> None:
        if self.hover_tree is None or self.view is None:
            return
        pos = event[0]
        vb = self.plot.getPlotItem().vb
        if not self.plot.sceneBoundingRect().contains(pos):
            return
        p = vb.mapSceneToView(pos)
        dist, i = self.hover_tree.query([p.x() / self._scale[0], p.y() / self._scale[1]])
        if dist > 0.03:
            self.hover_label.setText(self.hover_hint)
            return
        self.hover_label.setText(self.describe_point(int(i)))

    def describe_point(self, i: int) -> str:
        df = self.view[0]
        sid = self.project.column_with("sample_id", in_table=False)
        row = df.iloc[i]
        name = str(row[sid]) if sid else f"row {int(df.index[i]) + 2}"
        col = self.colour_combo.currentData()
        extra = f" — {col}: {row[col]}" if col in df.columns else ""
        e = self.project.study.explore
        seq_col = e.sequence_column if e is not None else None
        if seq_col in df.columns and isinstance(row[seq_col], str):
            seq = row[seq_col]
            shown = seq if len(seq) <= 40 else seq[:40] + "…"
            extra += f" — <tt>{shown}</tt> ({len(seq):,} letters)"
        return f"<b>{name}</b>{extra}"

    # -- actions --------------------------------------------------------------------------------
    def run_exploration(self) -> None:
        previous = self.project.study.explore
        options = carried(
            ExploreOptions,
            previous.options if previous else None,
            embedding=self.method_combo.currentData(),
        )
        self.run_job(
            explore.run_and_view,
            self.project,
            options,
            message="Exploring the data…",
            on_done=self._explored,
        )

    def _explored(self, view) -> None:
        self.refresh()
        self._view_ready(view)

    def problems(self) -> list[str]:
        if self.project.study.explore is None:
            return ["explore the data first (press Explore the data)."]
        return super().problems()
