"""What the Explore and Interpret pages show of a column of images (issue 18): the images in
words, the brightness per class and batch, a montage of random images, and saliency maps."""

from __future__ import annotations

import html

from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget


class ImagesTab(QWidget):
    """The Explore page's Images tab: words, brightness per class and batch, and a montage of
    random images of each class and batch (the same draw as the report's)."""

    def __init__(self) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.words = QLabel()
        self.words.setWordWrap(True)
        layout.addWidget(self.words)
        self.plots = QHBoxLayout()
        layout.addLayout(self.plots, 1)
        self.bars = None
        self.montage = None

    def show_words(self, study) -> None:
        from dlwizard.steps.explore_images import image_words

        self.words.setText(
            html.escape(image_words(study), quote=False)
            + "<br><span style='color:#5f6b76'>Left: the median image's brightness per class "
            "and per batch value (a class or batch much brighter than the rest is a shortcut a "
            "network can take). Right: random images of each class and batch, on one "
            "brightness scale.</span>"
        )

    def ensure_plots(self) -> None:
        if self.bars is None:
            import pyqtgraph as pg

            self.bars = pg.PlotWidget(background="w", enableMenu=False)
            self.montage = pg.PlotWidget(background="w", enableMenu=False)
            self.plots.addWidget(self.bars, 2)
            self.plots.addWidget(self.montage, 3)

    def draw(self, project) -> None:
        """The two figures, from the recorded section and the image files (read through the
        cache the exploration filled)."""
        from dlwizard.render.figures import images
        from dlwizard.steps.explore_images import montage_rows, stats_figure

        e = project.study.explore
        if e is None or not e.image_column:
            return
        self.ensure_plots()
        args = stats_figure(e)
        if args is not None:
            images.group_bars(self.bars.getPlotItem(), **args)
        try:
            rows = montage_rows(project)
        except (OSError, ValueError) as exc:  # the folder moved: say so instead of a picture
            note = f"<br><b>No montage:</b> {html.escape(str(exc))}"
            self.words.setText(self.words.text() + note)
            return
        if rows is not None:
            images.montage(self.montage.getPlotItem(), rows[0], rows[1])


class SaliencyView(QWidget):
    """The Interpret page's saliency maps: example images of each class, right and wrong, with
    where the model looked, and the border check."""

    def __init__(self) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.words = QLabel()
        self.words.setWordWrap(True)
        layout.addWidget(self.words)
        self.plot = None
        self.plot_layout = layout

    def show_attribution(self, project) -> None:
        import pandas as pd
        import pyqtgraph as pg

        from dlwizard.render.figures import saliency
        from dlwizard.steps.image_inputs import pixels
        from dlwizard.steps.interpret_images import SALIENCY_CAVEAT
        from dlwizard.steps.modelling import image_feature

        it = project.study.interpret
        att = it.image if it is not None else None
        self.setVisible(att is not None)
        if att is None:
            return
        text = html.escape(" ".join(att.notes) or SALIENCY_CAVEAT, quote=False)
        if att.border_attribution is not None and att.border_area is not None:
            text += (
                f"<br><b>Border check:</b> {att.border_attribution:.0%} of the attribution lies "
                f"in the outer {att.border:.0%} of each side ({att.border_area:.0%} of the area)"
                + ("." if att.verdict else "; no border shortcut is seen.")
            )
        if att.verdict:
            text = f"<b>Careful:</b> {html.escape(att.verdict, quote=False)}<br>" + text
        self.words.setText(text)
        info = image_feature(project)
        if not att.examples or info is None:
            return
        try:
            images = pixels(info, pd.Series([e.path for e in att.examples]))
        except (OSError, ValueError) as exc:
            self.words.setText(text + f"<br><b>No maps:</b> {html.escape(str(exc), quote=False)}")
            return
        if self.plot is None:
            self.plot = pg.PlotWidget(background="w", enableMenu=False)
            self.plot.setMinimumHeight(360)
            self.plot_layout.addWidget(self.plot, 1)
        regression = project.study.question.task == "regression"
        labels = [
            saliency.tile_label(e.label, e.predicted, e.score, e.correct, regression)
            for e in att.examples
        ]
        saliency.montage(
            self.plot.getPlotItem(),
            list(images),
            [list(e.saliency) for e in att.examples],
            labels,
            [e.correct for e in att.examples],
        )
