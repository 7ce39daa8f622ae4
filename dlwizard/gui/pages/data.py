"""Page 2, data: import the table as it arrives, preview it, and record where it came from."""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from dlwizard.gui.pages.base import Page
from dlwizard.gui.widgets.common import Collapsible, HelpLabel, SectionTitle
from dlwizard.gui.widgets.options import OptionFields
from dlwizard.gui.widgets.table_model import DataFrameModel
from dlwizard.steps import data, data_images
from dlwizard.study.model import DEFAULT_NA_VALUES, ImportOptions, Provenance, SampleSheet

_FASTA = "*.fa *.fasta *.fna *.ffn *.faa *.frn *.fas *.fa.gz *.fasta.gz *.fna.gz *.faa.gz"
FILE_FILTER = (
    f"Tables and sequences (*.csv *.tsv *.txt *.tab *.data *.xlsx *.xlsm *.parquet *.pq {_FASTA})"
    f";;Tables (*.csv *.tsv *.txt *.tab *.data *.xlsx *.xlsm *.parquet *.pq)"
    f";;FASTA sequences ({_FASTA});;All files (*)"
)
SEPARATORS = (("Automatic", None), ("Comma ,", ","), ("Semicolon ;", ";"), ("Tab", "\t"),
              ("Pipe |", "|"))  # fmt: skip
DECIMALS = (("Automatic", None), ("Point 1.5", "."), ("Comma 1,5", ","))
ENCODINGS = (("Automatic", None), ("UTF-8", "utf-8"), ("Latin-1 (ISO-8859-1)", "latin-1"),
             ("Windows-1252", "cp1252"))  # fmt: skip
TRANSPOSE = (("Automatic", "auto"), ("Yes: genes are rows, samples are columns", "yes"),
             ("No: samples are rows", "no"))  # fmt: skip
AUTO = "Automatic"
_CONSENT = "skip_unreadable"  # ImportOptions' consent to leave unreadable images out
PREVIEW_MEASURE_ROWS = 40  # rows measured to size a preview column
PREVIEW_MAX_COLUMN = 260  # pixels at most per preview column (the header's tooltip has all)
PREVIEW_FITTED_COLUMNS = 300  # the model shows at most this many columns anyway


def _combo(items) -> QComboBox:
    c = QComboBox()
    for text, value in items:
        c.addItem(text, value)
    return c


def _editable_combo() -> QComboBox:
    c = QComboBox()
    c.setEditable(True)
    c.addItem(AUTO)
    c.setMinimumWidth(220)
    return c


def _combo_value(c: QComboBox) -> str | None:
    text = c.currentText().strip()
    return None if not text or text == AUTO else text


def _set_combo_text(c: QComboBox, value: str | None) -> None:
    c.setCurrentText(value if value else AUTO)


def _select(c: QComboBox, value) -> None:
    c.setCurrentIndex(max(c.findData(value), 0))


class DataPage(Page):
    step = "data"
    intro = (
        "Import the measurements as they arrived: CSV or TSV, Excel, or Parquet; one file or "
        "several with the same columns; DNA, RNA or protein sequences as FASTA; images (PNG, JPEG, "
        "TIFF) as a folder of class folders; labels and sample information from a separate "
        "sample sheet. dlwizard records each file's fingerprint "
        "(SHA-256), so anyone can check later that the analysis used exactly these bytes."
    )

    def __init__(self, window) -> None:
        super().__init__(window)
        self.status = QLabel()
        self.status.setObjectName("status")
        self.status.setWordWrap(True)
        self.body.addWidget(self.status)
        # Files.
        self.body.addWidget(SectionTitle("Data files"))
        files_row = QHBoxLayout()
        self.file_list = QListWidget()
        self.file_list.setFixedHeight(100)
        files_row.addWidget(self.file_list, 1)
        buttons = QVBoxLayout()
        self.add_button = QPushButton("Add files…")
        self.folder_button = QPushButton("Add folder…")
        self.folder_button.setToolTip("A folder of images with one sub-folder per class.")
        self.remove_button = QPushButton("Remove")
        self.add_button.clicked.connect(self._browse_files)
        self.folder_button.clicked.connect(self._browse_folder)
        self.remove_button.clicked.connect(self._remove_file)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.folder_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        files_row.addLayout(buttons)
        self.body.addLayout(files_row)
        self.body.addWidget(
            HelpLabel(
                "Several files are stacked as more samples (their columns must match); a "
                "<i>source_file</i> column then says which file each row came from, because files "
                "from different labs or runs are batches. Several FASTA files are one file per "
                "class: a <i>class</i> column holds each file's name (pos.fa → pos). A sample "
                "sheet is joined to FASTA records by their ID. Images: add a folder with one "
                "sub-folder per class (PNG, JPEG, TIFF), or a sample sheet with a column of image "
                "paths as the data file; each image's SHA-256 is recorded, not its pixels."
            )
        )

        # Consent to leave damaged images out (issue 18), once the Study has the option.
        self.skip_unreadable = QCheckBox(
            "Leave out images that cannot be read (they are named after the import)"
        )
        self.skip_unreadable.setVisible(_CONSENT in ImportOptions.model_fields)
        self.body.addWidget(self.skip_unreadable)
        self._build_image_options()

        # The main actions, right under the files: in view without scrolling on a laptop. The
        # settings below are optional and folded away until the user opens them.
        actions = QHBoxLayout()
        self.preview_button = QPushButton("Preview first file")
        self.import_button = QPushButton("Import")
        self.import_button.setObjectName("primary")
        self.preview_button.clicked.connect(self.preview)
        self.import_button.clicked.connect(self.import_data)
        actions_help = HelpLabel(
            "Import uses the reading options, the sample sheet and where the data came from, below."
        )
        actions.addWidget(actions_help, 1)
        actions.addWidget(self.preview_button)
        actions.addWidget(self.import_button)
        self.body.addLayout(actions)

        # Reading options.
        self.options_section = Collapsible(
            "How to read the files",
        )
        self.body.addWidget(self.options_section)
        grid = QGridLayout(self.options_section.content)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(
            HelpLabel("Detected automatically; change them only if the preview looks wrong."),
            0,
            0,
            1,
            2,
        )
        self.sheet_combo = QComboBox()
        self.sheet_combo.setEnabled(False)
        self.sep_combo = _combo(SEPARATORS)
        self.decimal_combo = _combo(DECIMALS)
        self.encoding_combo = _combo(ENCODINGS)
        self.na_edit = QLineEdit(", ".join(v if v else '""' for v in DEFAULT_NA_VALUES))
        self.transpose_combo = _combo(TRANSPOSE)
        self.feature_id_combo = _editable_combo()
        self.drop_edit = QLineEdit()
        self.drop_edit.setPlaceholderText("column names, separated by commas")
        self.sample_id_combo = _editable_combo()
        rows = (
            ("Excel sheet", self.sheet_combo, "Workbooks only: the sheet that holds the table."),
            ("Separator", self.sep_combo, "What separates values in a text file."),
            ("Decimal mark", self.decimal_combo, "European files often write 1,5 for 1.5."),
            (
                "Text encoding",
                self.encoding_combo,
                "Older Windows files use Latin-1 or Windows-1252; µ or é look wrong otherwise.",
            ),
            (
                "Missing-value markers",
                self.na_edit,
                'Cells with these values count as missing ("" is an empty cell).',
            ),
            (
                "Turn the table",
                self.transpose_combo,
                "Expression tables often have genes as rows; models need samples as rows.",
            ),
            (
                "Gene-name column",
                self.feature_id_combo,
                "When turning: the column whose names become the feature names.",
            ),
            ("Columns to drop", self.drop_edit, "Columns that are not data (notes, flags)."),
            (
                "Sample-ID column",
                self.sample_id_combo,
                "The column that names each sample; needed to join a sample sheet.",
            ),
        )
        for i, (label, widget, help_text) in enumerate(rows):
            r, c = divmod(i, 2)
            r += 1
            cell = QWidget()
            lay = QVBoxLayout(cell)
            lay.setContentsMargins(0, 0, 8, 4)
            lay.setSpacing(1)
            lay.addWidget(QLabel(f"<b>{label}</b>"))
            lay.addWidget(widget)
            lay.addWidget(HelpLabel(help_text))
            grid.addWidget(cell, r, c)
        for combo in (self.sep_combo, self.decimal_combo, self.encoding_combo,
                      self.transpose_combo, self.sheet_combo, self.feature_id_combo,
                      self.sample_id_combo):  # fmt: skip
            combo.currentTextChanged.connect(self._summarise_options)
        for edit in (self.na_edit, self.drop_edit):
            edit.textChanged.connect(self._summarise_options)

        # Sample sheet.
        self.sheet_section = Collapsible("Sample sheet (optional)")
        self.sheet_section.set_summary("labels, donors, batches in a separate file")
        sl = QGridLayout(self.sheet_section.content)
        sl.setContentsMargins(0, 0, 0, 0)
        self.sheet_path = QLineEdit()
        self.sheet_path.setReadOnly(True)
        self.sheet_path.setPlaceholderText("no sample sheet")
        sheet_browse = QPushButton("Choose…")
        sheet_clear = QPushButton("Clear")
        sheet_browse.clicked.connect(self._browse_sheet)
        sheet_clear.clicked.connect(lambda: self.set_sample_sheet(None))
        self.sheet_key_combo = _editable_combo()
        sl.addWidget(self.sheet_path, 0, 0, 1, 2)
        sl.addWidget(sheet_browse, 0, 2)
        sl.addWidget(sheet_clear, 0, 3)
        sl.addWidget(QLabel("Sample-ID column in the sheet"), 1, 0)
        sl.addWidget(self.sheet_key_combo, 1, 1)
        sl.addWidget(
            HelpLabel(
                "Rows are matched on the sample ID ('7', '07' and '7.0' count as the same "
                "number). Samples without a row in the sheet, and rows matching no sample, are "
                "listed after the import."
            ),
            2,
            0,
            1,
            4,
        )
        self.body.addWidget(self.sheet_section)

        # Provenance.
        self.provenance_section = Collapsible("Where the data came from", opened=True)
        self.provenance_section.set_summary("printed in the report")
        pf = QFormLayout(self.provenance_section.content)
        pf.setContentsMargins(0, 0, 0, 0)
        self.source_edit = QLineEdit()
        self.source_edit.setPlaceholderText("e.g. GEO GSE5859, or 'our lab, 2024 cohort'")
        self.doi_edit = QLineEdit()
        self.doi_edit.setPlaceholderText("e.g. 10.1126/science.286.5439.531")
        date_row = QHBoxLayout()
        self.date_edit = QLineEdit()
        self.date_edit.setPlaceholderText("YYYY-MM-DD")
        today = QPushButton("Today")
        today.clicked.connect(lambda: self.date_edit.setText(dt.date.today().isoformat()))
        date_row.addWidget(self.date_edit)
        date_row.addWidget(today)
        self.version_edit = QLineEdit()
        self.version_edit.setPlaceholderText("e.g. release 2, or the download's version")
        self.notes_edit = QLineEdit()
        pf.addRow("Source", self.source_edit)
        pf.addRow("DOI", self.doi_edit)
        pf.addRow("Date obtained", date_row)
        pf.addRow("Version", self.version_edit)
        pf.addRow("Notes", self.notes_edit)
        self.body.addWidget(self.provenance_section)

        self.table_title = SectionTitle("Preview")
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.table = QTableView()
        self.table.setMinimumHeight(260)
        # Column widths follow the names (measured on the first rows only: fast on wide tables).
        self.table.horizontalHeader().setResizeContentsPrecision(PREVIEW_MEASURE_ROWS)
        self.model = DataFrameModel()
        self.table.setModel(self.model)
        self.body.addWidget(self.table_title)
        self.body.addWidget(self.summary)
        # Images are referenced, not copied: a moved folder is pointed at again, file by file.
        self.relink_button = QPushButton("The image folder moved: re-link…")
        self.relink_button.clicked.connect(self.relink_images)
        self.relink_button.hide()
        self.body.addWidget(self.relink_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.body.addWidget(self.table)
        self.add_findings_section()

    def _build_image_options(self) -> None:
        """How the models read the images: the side, the fit and the channels (with names).
        Shown for a folder of images or an imported image column."""
        self.image_fields = OptionFields(ImportOptions)
        self.image_options = QWidget()
        row = QHBoxLayout(self.image_options)
        row.setContentsMargins(0, 0, 0, 0)
        self.size_box = self.image_fields.spin("image_size")
        self.fit_combo = QComboBox()
        for text, value in (
            ("resized (stretched to a square)", "resize"),
            ("centre square cut out", "crop"),
            ("padded to a square", "pad"),
        ):
            self.fit_combo.addItem(text, value)
        self.channels_edit = QLineEdit()
        self.channels_edit.setPlaceholderText("all (or e.g. 0, 2)")
        self.names_edit = QLineEdit()
        self.names_edit.setPlaceholderText("gray / red, green, blue (or e.g. DAPI, GFP)")
        for widget in (
            QLabel("Images for the models:"),
            self.size_box,
            QLabel("pixels a side,"),
            self.fit_combo,
            QLabel("channels"),
            self.channels_edit,
            QLabel("named"),
            self.names_edit,
        ):
            row.addWidget(widget)
        self.image_options.hide()
        self.body.addWidget(self.image_options)

    def _image_options(self) -> dict:
        """The image settings from their widgets (channels: numbers from 0, comma-separated)."""
        chans = [c.strip() for c in self.channels_edit.text().split(",") if c.strip()]
        names = [n.strip() for n in self.names_edit.text().split(",") if n.strip()]
        if any(not c.isdigit() for c in chans):
            raise ValueError(
                "the image channels are numbers from 0, separated by commas (e.g. 0, 2)"
            )
        return {
            **self.image_fields.values(),
            "image_fit": self.fit_combo.currentData(),
            "image_channels": [int(c) for c in chans],
            "channel_names": names,
        }

    def _show_image_options(self) -> None:
        d = self.project.study.data
        folder = any(Path(p).is_dir() for p in self.paths())
        self.image_options.setVisible(folder or bool(d is not None and d.images))

    # -- files ----------------------------------------------------------------------------------
    def paths(self) -> list[str]:
        return [self.file_list.item(i).text() for i in range(self.file_list.count())]

    def add_files(self, paths: list[str | Path]) -> None:
        have = set(self.paths())
        for p in paths:
            if str(p) not in have:
                self.file_list.addItem(str(p))
        self._update_sheets()
        self._show_image_options()

    def _browse_files(self) -> None:
        self.add_files(self.window_.ask.open_files("Choose data files", FILE_FILTER))

    def _browse_folder(self) -> None:
        folder = self.window_.ask.open_folder("Choose the folder of class folders")
        if folder:
            self.file_list.clear()  # a folder of images is imported on its own
            self.add_files([folder])

    def _remove_file(self) -> None:
        for item in self.file_list.selectedItems() or []:
            self.file_list.takeItem(self.file_list.row(item))
        self._update_sheets()

    def _update_sheets(self) -> None:
        from dlwizard.errors import DataError
        from dlwizard.io.readers import file_format, sheet_names

        paths = self.paths()
        current = self.sheet_combo.currentText()
        self.sheet_combo.clear()
        if paths and file_format(Path(paths[0])) == "xlsx":
            try:
                names = sheet_names(paths[0])
            except DataError as exc:
                self.banner.show_error(str(exc))
                names = []
            self.sheet_combo.addItems(names)
            if current in names:
                self.sheet_combo.setCurrentText(current)
        self.sheet_combo.setEnabled(self.sheet_combo.count() > 0)

    def set_sample_sheet(self, path: str | Path | None) -> None:
        self.sheet_path.setText(str(path) if path else "")
        if path:
            self.sheet_section.set_open(True)  # a chosen sheet is never hidden
        self.sheet_section.set_summary(
            f"joined by sample ID: {Path(path).name}"
            if path
            else "labels, donors, batches in a separate file"
        )

    def _summarise_options(self, *_args) -> None:
        """Say in the closed section's title line which reading options are not automatic."""
        changed = []
        for label, combo in (
            ("separator", self.sep_combo),
            ("decimal mark", self.decimal_combo),
            ("encoding", self.encoding_combo),
        ):
            if combo.currentData() is not None:
                changed.append(f"{label} {combo.currentText()}")
        if self.transpose_combo.currentData() == "yes":
            changed.append("turned (genes as rows)")
        if self.sheet_combo.isEnabled() and self.sheet_combo.currentText():
            changed.append(f"sheet '{self.sheet_combo.currentText()}'")
        for label, combo in (
            ("gene names from", self.feature_id_combo),
            ("sample IDs from", self.sample_id_combo),
        ):
            if _combo_value(combo):
                changed.append(f"{label} '{_combo_value(combo)}'")
        if self.drop_edit.text().strip():
            changed.append(f"dropping {self.drop_edit.text().strip()}")
        if self.na_edit.text() != ", ".join(v if v else '""' for v in DEFAULT_NA_VALUES):
            changed.append("own missing-value markers")
        self.options_section.set_summary(
            "; ".join(changed) if changed else "all detected automatically"
        )

    def _show_table(self, df) -> None:
        """Show ``df`` in the preview with every column name readable (wide names capped, in
        full in the header's tooltip)."""
        self.model.set_frame(df)
        if df is None:
            return
        for c in range(min(self.model.columnCount(), PREVIEW_FITTED_COLUMNS)):
            self.table.resizeColumnToContents(c)
            if self.table.columnWidth(c) > PREVIEW_MAX_COLUMN:
                self.table.setColumnWidth(c, PREVIEW_MAX_COLUMN)

    def _browse_sheet(self) -> None:
        path = self.window_.ask.open_file("Choose the sample sheet", FILE_FILTER)
        if path:
            self.set_sample_sheet(path)

    # -- options <-> widgets --------------------------------------------------------------------
    def options(self) -> ImportOptions:
        na = [v.strip() for v in self.na_edit.text().split(",")]
        na = ["" if v in ('""', "''") else v for v in na]
        drop = [c.strip() for c in self.drop_edit.text().split(",") if c.strip()]
        sheet = None
        if self.sheet_path.text().strip():
            sheet = SampleSheet(
                path=self.sheet_path.text().strip(), key=_combo_value(self.sheet_key_combo)
            )
        consent = {_CONSENT: self.skip_unreadable.isChecked()}
        return ImportOptions(
            **(consent if _CONSENT in ImportOptions.model_fields else {}),
            paths=self.paths(),
            sheet=self.sheet_combo.currentText() or None if self.sheet_combo.isEnabled() else None,
            delimiter=self.sep_combo.currentData(),
            decimal=self.decimal_combo.currentData(),
            encoding=self.encoding_combo.currentData(),
            na_values=list(dict.fromkeys(na)),
            transpose=self.transpose_combo.currentData(),
            feature_id_column=_combo_value(self.feature_id_combo),
            drop_columns=drop,
            sample_id_column=_combo_value(self.sample_id_combo),
            sample_sheet=sheet,
            **self._image_options(),
        )

    def provenance(self) -> Provenance:
        return Provenance(
            source=self.source_edit.text().strip(),
            doi=self.doi_edit.text().strip(),
            date_obtained=self.date_edit.text().strip(),
            version=self.version_edit.text().strip(),
            notes=self.notes_edit.text().strip(),
        )

    def relink_images(self) -> None:
        """Point the image column at the folder the images moved to: every file is checked by
        its SHA-256 first; the old folder is kept unless all of them match."""
        from dlwizard.steps import images

        folder = self.window_.ask.open_folder("Where are the images now?")
        if not folder:
            return
        self.run_job(
            images.relink,
            self.project,
            folder,
            message="Checking the images in their new folder…",
            on_done=lambda _: self.refresh(),
        )

    def refresh(self) -> None:
        d = self.project.study.data
        self.banner.hide()
        self.relink_button.hide()
        if d is None:
            self.status.hide()
            self.file_list.clear()
            self.provenance_section.set_open(True)
            self.model.set_frame(None)
            self.table_title.setText("Preview")
            self.summary.setText(
                "No data imported yet. Add a file, check the preview, then press Import."
            )
            self.show_findings()
            return
        bundled = any(f.role == "bundled" for f in d.files)
        self.file_list.clear()
        if not bundled:
            self.add_files(d.options.paths)
        o = d.options
        if o.sheet:
            self.sheet_combo.setCurrentText(o.sheet)
        _select(self.sep_combo, o.delimiter)
        _select(self.decimal_combo, o.decimal)
        _select(self.encoding_combo, o.encoding)
        self.na_edit.setText(", ".join(v if v else '""' for v in o.na_values))
        _select(self.transpose_combo, o.transpose)
        self.skip_unreadable.setChecked(bool(getattr(o, _CONSENT, False)))
        self.image_fields.set_values(o)
        self.fit_combo.setCurrentIndex(max(self.fit_combo.findData(o.image_fit), 0))
        self.channels_edit.setText(", ".join(str(c) for c in o.image_channels))
        self.names_edit.setText(", ".join(o.channel_names))
        self._show_image_options()
        _set_combo_text(self.feature_id_combo, o.feature_id_column)
        self.drop_edit.setText(", ".join(o.drop_columns))
        _set_combo_text(self.sample_id_combo, o.sample_id_column)
        self.set_sample_sheet(o.sample_sheet.path if o.sample_sheet else None)
        _set_combo_text(self.sheet_key_combo, o.sample_sheet.key if o.sample_sheet else None)
        p = d.provenance
        self.source_edit.setText(p.source)
        self.doi_edit.setText(p.doi)
        self.date_edit.setText(p.date_obtained)
        self.version_edit.setText(p.version)
        self.notes_edit.setText(p.notes)
        self.provenance_section.set_open(False)
        self.provenance_section.set_summary(
            f"printed in the report: {p.source}" if p.source else "printed in the report"
        )
        self._summarise_options()
        self._show_imported()

    def _show_imported(self) -> None:
        d = self.project.study.data
        df = self.project.table
        if d is None or df is None:
            return
        files = "<br>".join(
            f"{f.role.replace('_', ' ')}: <b>{f.name}</b> — {f.size_bytes:,} bytes, SHA-256 "
            f"<code>{f.sha256[:16]}…</code>"
            for f in d.files
        )
        turned = " Turned from genes-as-rows." if d.transposed else ""
        self.table_title.setText("Imported table")
        text = (
            f"<b>{d.n_rows:,} samples × {d.n_columns:,} columns</b> imported "
            f"{d.imported_at[:16].replace('T', ' ')} UTC.{turned}<br>{files}"
        )
        if any(f.role == "bundled" for f in d.files):
            text += "<br>This is the demo data set that ships with scikit-learn."
        for info in d.sequences:
            text += f"<br>Sequence column {html.escape(data.sequence_summary(info), quote=False)}."
        for image in d.images:
            text += f"<br>Image column {html.escape(data_images.summary(image), quote=False)}."
            if not Path(image.root).is_dir():
                text += (
                    f"<br><b>The folder {html.escape(image.root, quote=False)} is not there any "
                    "more</b>: re-link it to where the images are now."
                )
        self.relink_button.setVisible(bool(d.images))
        self.summary.setText(text)
        n_warn = sum(f.severity != "info" for f in self.project.findings(self.step))
        self.status.show()
        self.status.setText(
            f"✓ {text}"
            + (f"<br><b>{n_warn} check(s) need a look</b> (see Checks below)." if n_warn else "")
        )
        self._show_table(df)
        self.show_findings()

    # -- actions --------------------------------------------------------------------------------
    def preview(self) -> None:
        paths = self.paths()
        if not paths:
            self.banner.show_error("Add a data file first.")
            return
        try:
            options = self.options()
        except ValueError as exc:
            self.banner.show_error(f"Check the reading options: {exc}")
            return
        self.run_job(
            data.preview,
            paths[0],
            options,
            message=f"Reading {Path(paths[0]).name}…",
            on_done=self._show_preview,
        )

    def _show_preview(self, result: data.Preview) -> None:
        df = result.result.table
        orient = result.orientation
        alphabets = result.result.alphabets
        if result.result.record.format == "image-folder":
            n_classes = df["class"].nunique() if len(df) else 0
            text = (
                f"<b>{html.escape(Path(result.result.record.path).name)}</b>: a folder of "
                f"{df.shape[0]:,} image(s) in {n_classes} class folder(s), read as one row per "
                "image (its ID, its path and its class). Import reads and hashes every image."
            )
        elif result.result.record.format.startswith("fasta"):
            word = " and ".join(data.alphabet_word(a) for a in alphabets.values())
            text = (
                f"<b>{Path(result.result.record.path).name}</b>: a FASTA file of {df.shape[0]:,} "
                f"{word} record(s), read as one row per record (its ID and its sequence)."
            )
        else:
            text = ""
        text = text or (
            f"<b>{Path(result.result.record.path).name}</b>: {df.shape[0]:,} rows × "
            f"{df.shape[1]:,} columns read"
            + (
                f" with {result.result.record.encoding} text and "
                f"'{result.result.record.delimiter}' as separator"
                if result.result.record.delimiter
                else ""
            )
            + "."
        )
        if orient.transpose:
            text += (
                f"<br><b>This looks like genes as rows and samples as columns</b> "
                f"({orient.reason}). On import it will be turned so that samples are rows"
                + (
                    f", and {len(orient.call_columns)} detection-call columns dropped"
                    if orient.call_columns
                    else ""
                )
                + "."
            )
            if self.feature_id_combo.currentText() == AUTO and orient.feature_id_column:
                self.feature_id_combo.addItem(orient.feature_id_column)
        for col in df.columns[:200]:
            for combo in (self.feature_id_combo, self.sample_id_combo):
                if combo.findText(str(col)) < 0:
                    combo.addItem(str(col))
        self.table_title.setText("Preview (nothing imported yet)")
        self.summary.setText(text)
        self._show_table(df)
        self.findings.set_findings(result.result.findings)

    def import_data(self) -> None:
        if not self.paths():
            self.banner.show_error("Add a data file first.")
            return
        try:
            options = self.options()
        except ValueError as exc:
            self.banner.show_error(f"Check the reading options: {exc}")
            return
        self.run_job(
            data.run,
            self.project,
            options,
            self.provenance(),
            message="Importing…",
            on_done=self._imported,
        )

    def _imported(self, _result) -> None:
        self.refresh()
        self.window_.statusBar().showMessage("Data imported.", 5000)

    def problems(self) -> list[str]:
        if self.project.study.data is None:
            return ["import the data (press Import)."]
        return super().problems()
