"""Apply the frozen final model to new samples, with exactly its saved preprocessing.

The new file's columns are checked against the model's before anything is computed (missing,
extra, wrong types, unseen categories: each named). Text files stream through in blocks, so a
file of millions of rows needs memory for one block only; the output is written to a temporary
file and moved into place at the end, so a failed or cancelled run leaves nothing behind.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from dlwizard.errors import DataError
from dlwizard.io.csvsafe import escape_cell, escape_column
from dlwizard.io.memory import release_memory
from dlwizard.jobs import Job
from dlwizard.ml import frozen
from dlwizard.steps.compare import final_model
from dlwizard.study.model import DEFAULT_NA_VALUES, FinalModel
from dlwizard.study.project import Project

if TYPE_CHECKING:
    import pandas as pd

BLOCK_BYTES = 8 << 20  # CSV bytes parsed per block (about 20,000 rows of 50 numbers)
PARQUET_ROWS = 50_000


@dataclass
class PredictSummary:
    source: str
    output: str
    n_rows: int = 0
    model: str = ""
    extra_columns: list[str] = field(default_factory=list)
    unseen: dict[str, list[str]] = field(default_factory=dict)  # column -> unseen categories
    n_unseen_rows: int = 0
    infinite: dict[str, int] = field(default_factory=dict)  # column -> infinite values
    estimated_rows: int = 0  # for the progress bar
    # A model that reads sequences: letters outside its alphabet, and sequences shorter or
    # longer than any it was trained on (counts, and the first few places).
    odd_letters: dict[str, int] = field(default_factory=dict)
    odd_letter_places: list[str] = field(default_factory=list)
    n_odd_letter_rows: int = 0
    n_outside_lengths: int = 0
    outside_length_rows: list[str] = field(default_factory=list)
    lengths: tuple[int, int] | None = None  # the training range, for the note
    # A model that reads images: files that could not be read (left out), and images whose
    # size lies outside the training images' range.
    unreadable_images: list[str] = field(default_factory=list)
    n_outside_sizes: int = 0
    outside_size_images: list[str] = field(default_factory=list)

    def notes(self) -> list[str]:
        out = []
        if self.extra_columns:
            shown = ", ".join(self.extra_columns[:5])
            more = f" and {len(self.extra_columns) - 5} more" if len(self.extra_columns) > 5 else ""
            out.append(f"{len(self.extra_columns)} column(s) the model does not use were ignored "
                       f"({shown}{more}).")  # fmt: skip
        for col, values in self.unseen.items():
            out.append(
                f"Column '{col}' has categories the model never saw in training "
                f"({', '.join(values[:5])}); those samples are predicted as if the category were "
                "unknown, which is less reliable."
            )
        for col, n in self.infinite.items():
            out.append(
                f"Column '{col}' has {n} infinite value(s); they were treated as missing (filled "
                "in as in training), as on import."
            )
        if self.n_odd_letter_rows:
            from dlwizard.io.sequences import counts_words

            out.append(
                f"{self.n_odd_letter_rows:,} sequence(s) hold letters outside the model's "
                f"alphabet ({counts_words(self.odd_letters)}; first: "
                f"{'; '.join(self.odd_letter_places)}); they were read as unknown letters, so "
                "those predictions are less reliable."
            )
        if self.n_outside_lengths and self.lengths is not None:
            low, high = self.lengths
            out.append(
                f"{self.n_outside_lengths:,} sequence(s) are shorter or longer than any the "
                f"model was trained on ({low:,} to {high:,} letters; first: "
                f"{', '.join(self.outside_length_rows)}); the model has not learned what such "
                "lengths look like, so treat those predictions with care."
            )
        if self.unreadable_images:
            shown = "; ".join(self.unreadable_images[:3])
            out.append(
                f"{len(self.unreadable_images):,} image(s) could not be read and have no "
                f"prediction ({shown}). Check those files, or export them again."
            )
        if self.n_outside_sizes:
            out.append(
                f"{self.n_outside_sizes:,} image(s) are smaller or larger than any the model was "
                f"trained on (first: {', '.join(self.outside_size_images)}); they were brought "
                "to the same side, but treat those predictions with care."
            )
        return out


def model_columns(final: FinalModel) -> list[str]:
    """The columns the final model reads, in order."""
    return final.numeric + final.categorical + ([final.sequence] if final.sequence else [])


# -- checking the files -----------------------------------------------------------------
def _check_output(source: Path, output: Path) -> None:
    """Refuse an output that cannot be written, before anything is computed."""
    if output.is_dir():
        raise DataError(
            "is a folder, not a file name for the predictions",
            file=output,
            fix="give a file name for the predictions, such as predictions.csv.",
        )
    if output.exists() and output.resolve() == source.resolve():
        raise DataError(
            "is the input file itself: writing the predictions there would overwrite the new "
            "samples",
            file=output,
            fix="choose another file name for the predictions.",
        )
    if output.is_symlink() and not output.exists():
        raise DataError(
            "is a link (shortcut) to a file that does not exist",
            file=output,
            fix="choose a plain file name for the predictions.",
        )


# -- checking the columns ---------------------------------------------------------------
def check_columns(final: FinalModel, columns: list[str], source: str) -> list[str]:
    """Refuse a file that lacks the model's columns; return the extra ones (ignored)."""
    needed = model_columns(final)
    have = set(columns)
    missing = [c for c in needed if c not in have]
    if missing:
        shown = ", ".join(f"'{c}'" for c in missing[:8])
        more = f" and {len(missing) - 8} more" if len(missing) > 8 else ""
        hint = ""
        if final.sample_id and final.sample_id not in have and len(columns) > 1:
            hint = " If the file has samples as columns and features as rows, transpose it first."
        raise DataError(
            f"lacks {len(missing)} column(s) the model needs: {shown}{more}",
            file=source,
            fix="use a file with the same columns (same names) as the data the model was "
            f"trained on.{hint}",
        )
    return [c for c in columns if c not in set(needed) and c != final.sample_id]


def _category_maps(model: frozen.Frozen) -> dict[str, dict[str, Any]]:
    """Text of each training category -> the category itself (bool and numbers included)."""
    maps = {}
    for col, cats in model.categories().items():
        m: dict[str, Any] = {}
        for c in cats:
            m[str(c)] = c
            m[str(c).lower()] = c
        maps[col] = m
    return maps


def _prepare_block(df: pd.DataFrame, final, maps, summary, source: str, first_row: int):
    import pandas as pd

    for col in final.numeric:
        s = df[col]
        if pd.api.types.is_bool_dtype(s.dtype) or not pd.api.types.is_numeric_dtype(s.dtype):
            num = pd.to_numeric(s, errors="coerce")
            bad = num.isna() & s.notna()
            if bad.any():
                i = int(np.flatnonzero(bad.to_numpy())[0])
                raise DataError(
                    f"holds text ('{s.iloc[i]}') where the model needs a number",
                    file=source,
                    row=first_row + i,
                    column=col,
                    fix="correct the value, or leave the cell empty if it is missing.",
                )
            df[col] = num.astype(float)
        values = df[col].to_numpy(dtype=float, na_value=np.nan)
        inf = np.isinf(values)
        if inf.any():
            summary.infinite[col] = summary.infinite.get(col, 0) + int(inf.sum())
            df[col] = np.where(inf, np.nan, values)
    for col in final.categorical:
        m = maps.get(col, {})
        raw = df[col].astype("string")
        broken = raw.str.contains("\n", regex=False).to_numpy(dtype=bool, na_value=False)
        if broken.any():
            row = first_row + int(np.flatnonzero(broken)[0])
            raise DataError(
                f'a quote character (") opened in row {row} is never closed, so the rows below '
                "it were read as one value",
                file=source,
                row=row,
                column=col,
                fix=f"check row {row} for a stray or unclosed quote, then try again.",
            )
        known = raw.map(
            lambda v, m=m: None if not isinstance(v, str) else m.get(v, m.get(v.lower()))
        )
        unseen = raw.notna() & known.isna()
        if unseen.any():
            values = summary.unseen.setdefault(col, [])
            for v in raw[unseen].unique()[:5]:
                if str(v) not in values and len(values) < 20:
                    values.append(str(v))
            summary.n_unseen_rows += int(unseen.sum())
        # Known categories as training saw them, unseen ones as written, missing as NaN (never
        # pandas' NA, which the model's imputer cannot compare).
        values = known.astype(object).where(known.notna(), raw.astype(object))
        df[col] = values.where(raw.notna(), np.nan).astype(object)
    if final.sequence:
        ids = df[final.sample_id] if final.sample_id in df.columns else None

        def name(i: int) -> str:
            return f"'{ids.iloc[i]}'" if ids is not None else f"row {first_row + i}"

        df[final.sequence] = _check_sequences(df[final.sequence], final, summary, name)
    return df


def _check_sequences(values: pd.Series, final: FinalModel, summary, name):
    """The sequences as the model reads them (upper case, missing as empty), with the letters
    outside its alphabet and the lengths outside its training range noted."""
    from dlwizard.io.sequences import profile_sequences

    seqs = values.astype("string").str.strip().str.upper().fillna("")
    prof = profile_sequences(seqs, final.alphabet or "dna")
    if prof.n_invalid_rows:
        summary.n_odd_letter_rows += prof.n_invalid_rows
        for letter, n in prof.invalid.items():
            summary.odd_letters[letter] = summary.odd_letters.get(letter, 0) + n
        for row, pos, letter in prof.invalid_at:
            if len(summary.odd_letter_places) < 3:
                summary.odd_letter_places.append(f"{name(row)}, position {pos:,} ('{letter}')")
    if final.sequence_lengths is not None:
        low, high = final.sequence_lengths
        summary.lengths = (low, high)
        n = seqs.str.len().to_numpy()
        outside = np.flatnonzero((n > 0) & ((n < low) | (n > high)))
        summary.n_outside_lengths += len(outside)
        for i in outside[: max(0, 3 - len(summary.outside_length_rows))]:
            summary.outside_length_rows.append(f"{name(int(i))} ({int(n[i]):,} letters)")
    return seqs.astype(object)


def _output_frame(
    final: FinalModel, out: np.ndarray, ids, id_name: str | None = None
) -> dict[str, Any]:
    cols: dict[str, Any] = {}
    cols[id_name or final.sample_id or "row"] = ids
    if final.task == "regression":
        cols["predicted"] = out
        return cols
    proba = np.column_stack([1.0 - out, out]) if out.ndim == 1 else out
    for i, c in enumerate(final.classes):
        cols[f"probability: {c}"] = proba[:, i]
    if final.task == "binary":
        pred = (proba[:, 1] >= 0.5).astype(int)  # the threshold the evaluation panel uses
    else:
        pred = proba.argmax(axis=1)
    cols["predicted"] = np.asarray(final.classes, dtype=object)[pred]
    return cols


def predict_frame(project: Project, df: pd.DataFrame, source: str = "table") -> pd.DataFrame:
    """Predictions for the rows of ``df`` (sample IDs, class probabilities, predicted class)."""
    import pandas as pd

    final = final_model(project)
    model = frozen.load(final, project.models)
    summary = PredictSummary(source=source, output="")
    check_columns(final, [str(c) for c in df.columns], source)
    block = _prepare_block(
        df[model_columns(final)].copy(), final, _category_maps(model), summary, source, 2
    )
    ids = (
        df[final.sample_id].to_numpy()
        if final.sample_id in df.columns
        else np.arange(1, len(df) + 1)
    )
    return pd.DataFrame(_output_frame(final, model.output(block), ids))


# -- reading in blocks ------------------------------------------------------------------
def _text_blocks(path: Path, final: FinalModel, na_values, summary) -> Iterator[tuple[Any, int]]:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from dlwizard.io.readers import _unique_header
    from dlwizard.io.sniff import reject_binary, scan_head, sniff_dialect

    scan = scan_head(path)
    reject_binary(scan, "text")
    encoding = scan.encoding or "utf-8"
    dialect = sniff_dialect(scan)
    head_bytes = len(scan.head_text.encode(encoding, errors="replace"))
    lines = scan.head_text.count("\n")
    if lines > 1:
        summary.estimated_rows = int(scan.size * lines / head_bytes) - dialect.header_line
    header = _unique_header(dialect.header, path, row=dialect.header_line)
    summary.extra_columns = check_columns(final, header, str(path))
    wanted = model_columns(final)
    include = wanted + ([final.sample_id] if final.sample_id in header else [])
    types = {c: pa.float64() for c in final.numeric}
    types |= {c: pa.string() for c in final.categorical}
    if final.sequence:
        types[final.sequence] = pa.string()
    if final.sample_id in header:
        types[final.sample_id] = pa.string()
    try:
        reader = pacsv.open_csv(
            path,
            read_options=pacsv.ReadOptions(
                block_size=BLOCK_BYTES,
                # Threaded parsing reads ahead of the model without limit (memory would grow
                # with the file); one parsing thread keeps one block in memory at a time.
                use_threads=False,
                skip_rows=dialect.header_line - 1,
                encoding="utf8" if encoding in ("utf-8", "utf-8-sig") else encoding,
            ),
            parse_options=pacsv.ParseOptions(delimiter=dialect.delimiter),
            convert_options=pacsv.ConvertOptions(
                column_types=types,
                include_columns=include,
                null_values=list(na_values),
                strings_can_be_null=True,
                decimal_point=dialect.decimal,
            ),
        )
    except pa.ArrowInvalid as exc:
        raise _explain_arrow(exc, header, path, encoding, dialect, types, na_values) from exc
    first = dialect.header_line + 1
    while True:
        try:
            batch = reader.read_next_batch()
        except StopIteration:
            return
        except pa.ArrowInvalid as exc:
            raise _explain_arrow(exc, header, path, encoding, dialect, types, na_values) from exc
        yield batch.to_pandas(), first
        first += batch.num_rows


_ARROW_CELL = re.compile(r"column #(\d+).*?(?:Row #(\d+))?.*?invalid value '([^']*)'", re.S)


def _explain_arrow(exc, header, path, encoding, dialect, types, na_values) -> DataError:
    """Name the row (and column) that stops the reader: the parser's own message often names
    neither, so the file is read again, row by row, up to the first bad one."""
    import csv

    from dlwizard.io.readers import _no_field_limit

    numeric = {i for i, name in enumerate(header) if str(types.get(name, "")) == "double"}
    missing = set(na_values) | {""}
    n = len(header)
    try:
        with _no_field_limit(), open(path, encoding=encoding, errors="replace", newline="") as fh:
            for _ in range(dialect.header_line):
                fh.readline()
            reader = csv.reader(fh, delimiter=dialect.delimiter)
            last = dialect.header_line
            for row in reader:
                start, end = last + 1, dialect.header_line + reader.line_num
                last = end
                if not row:
                    continue
                if len(row) != n:
                    if end > start:
                        return DataError(
                            f'a quote character (") opened in row {start} has no closing '
                            f"quote, so rows {start} to {end} were read as one row",
                            file=path,
                            row=start,
                            fix=f"check row {start} for a stray or unclosed quote, then try again.",
                        )
                    return DataError(
                        f"this row has {len(row)} values but the header has {n} columns",
                        file=path,
                        row=end,
                        fix=f"check row {end} for a missing or extra separator (a comma inside "
                        "a value needs quotes), or delete the row.",
                    )
                for i in numeric:
                    cell = row[i].strip()
                    if cell in missing:
                        continue
                    try:
                        float(cell.replace(dialect.decimal, "."))
                    except ValueError:
                        return DataError(
                            f"holds text ('{cell[:60]}') where the model needs a number",
                            file=path,
                            row=end,
                            column=header[i],
                            fix="correct the value, or leave the cell empty if it is missing.",
                        )
    except (csv.Error, OSError):
        pass
    m = _ARROW_CELL.search(str(exc))
    if m:
        col = header[int(m.group(1))] if int(m.group(1)) < len(header) else None
        return DataError(
            f"holds text ('{m.group(3)}') where the model needs a number",
            file=path,
            column=col,
            fix="correct the value, or leave the cell empty if it is missing.",
        )
    return DataError(
        f"could not be read as a table ({str(exc).splitlines()[0][:200]})",
        file=path,
        fix="check that every row has as many fields as the header.",
    )


def _other_blocks(path: Path, final: FinalModel, summary) -> Iterator[tuple[Any, int]]:
    from dlwizard.io.readers import _unique_header, file_format, read_file

    if file_format(path) == "parquet":
        import pyarrow.parquet as pq

        pf = pq.ParquetFile(path)
        summary.estimated_rows = pf.metadata.num_rows
        header = _unique_header([str(n) for n in pf.schema_arrow.names], path)
        summary.extra_columns = check_columns(final, header, str(path))
        cols = model_columns(final)
        cols += [final.sample_id] if final.sample_id in header else []
        first = 1
        for batch in pf.iter_batches(batch_size=PARQUET_ROWS, columns=cols):
            yield batch.to_pandas(), first
            first += batch.num_rows
        return
    table = read_file(path).table  # Excel and FASTA: read whole
    if final.sequence and "record_id" in table.columns and "sequence" in table.columns:
        # A FASTA file: its sequences are the model's sequence column, its record IDs the
        # sample IDs of the predictions.
        table = table.rename(
            columns={"sequence": final.sequence, "record_id": final.sample_id or "record_id"}
        )
    summary.estimated_rows = len(table)
    summary.extra_columns = check_columns(final, [str(c) for c in table.columns], str(path))
    for start in range(0, len(table), PARQUET_ROWS):
        yield table.iloc[start : start + PARQUET_ROWS].reset_index(drop=True), start + 2


def predict_file(
    project: Project, source: str | Path, output: str | Path, job: Job | None = None
) -> PredictSummary:
    """Write predictions for every row of ``source`` to the CSV file ``output``."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from dlwizard.io.readers import file_format
    from dlwizard.io.sniff import check_path

    job = job or Job()
    source, output = Path(source), Path(output)
    final = final_model(project)
    if final.image:
        return _predict_images(project, final, source, output, job)
    check_path(source)
    _check_output(source, output)
    model = frozen.load(final, project.models)
    maps = _category_maps(model)
    summary = PredictSummary(source=str(source), output=str(output), model=final.key)
    na = project.study.data.options.na_values if project.study.data else DEFAULT_NA_VALUES
    from dlwizard.io.sequences import looks_like_fasta

    text = file_format(source) == "text" and not looks_like_fasta(source)
    blocks = (
        _text_blocks(source, final, na, summary) if text else _other_blocks(source, final, summary)
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".part", dir=output.parent)
    os.close(fd)
    writer = None
    try:
        with open(tmp, "wb") as sink:
            for df, first_row in blocks:
                job.check()
                x = _prepare_block(df, final, maps, summary, str(source), first_row)
                id_name = final.sample_id or ("record_id" if "record_id" in df.columns else None)
                ids = (
                    df[id_name].to_numpy()
                    if id_name in df.columns
                    else np.arange(summary.n_rows + 1, summary.n_rows + 1 + len(df))
                )
                cols = _output_frame(final, model.output(x[model_columns(final)]), ids, id_name)
                # Sample IDs and class names come from the user's files: a spreadsheet must
                # never run one of them as a formula.
                batch = pa.table({escape_cell(k): escape_column(v) for k, v in cols.items()})
                if writer is None:
                    writer = pacsv.CSVWriter(sink, batch.schema)
                writer.write_table(batch)
                summary.n_rows += len(df)
                del df, x, batch, cols
                release_memory()  # freed blocks go back to the system: memory stays flat
                done = summary.n_rows / max(1, summary.estimated_rows, summary.n_rows + 1)
                job.progress(min(0.99, done), f"Predicted {summary.n_rows:,} samples")
            if writer is None:
                raise DataError(
                    "has column names but no data rows, so there is nothing to predict",
                    file=source,
                    fix="choose the file that holds the new samples, one per row.",
                )
            writer.close()
        os.replace(tmp, output)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    project.audit("predicted", source=source.name, rows=summary.n_rows, model=final.key,
                  output=output.name)  # fmt: skip
    job.progress(1.0, f"Predicted {summary.n_rows:,} samples")
    return summary


# -- images ---------------------------------------------------------------------------------------
def _image_table(source: Path, column: str) -> tuple[pd.DataFrame, Path]:
    """New images as a table (an ID and the path, relative to the returned folder): every image
    file under a folder, or the rows of a sample sheet with a column of image paths."""
    import pandas as pd

    from dlwizard.io import images as imgs

    if source.is_dir():
        files = sorted(
            f for f in source.rglob("*")
            if f.is_file() and imgs.is_image_name(f.name) and not f.name.startswith(".")
        )  # fmt: skip
        if not files:
            raise DataError(
                "holds no image files (.png, .jpg, .jpeg, .tif, .tiff)",
                file=source,
                fix="choose the folder that holds the new images.",
            )
        rels = [f.relative_to(source).as_posix() for f in files]
        ids = [r.rsplit(".", 1)[0] for r in rels]
        return pd.DataFrame({"image_id": ids, column: rels}), source
    from dlwizard.io.readers import read_file
    from dlwizard.io.sniff import check_path

    check_path(source)

    df = read_file(source).table
    found = column if column in df.columns else imgs.image_path_column(df, source.parent)
    if found is None:
        raise DataError(
            "has no column of image paths (a column whose cells name image files)",
            file=source,
            fix=f"add a column '{column}' with each image's path, relative to the sheet's "
            "folder or absolute.",
        )
    df = df.rename(columns={found: column})
    df[column] = [str(imgs.locate(str(v), source.parent)) for v in df[column].fillna("")]
    return df, source.parent


def _predict_images(
    project: Project, final: FinalModel, source: Path, output: Path, job: Job
) -> PredictSummary:
    """Predictions for new images (a folder, or a sheet with a column of paths): each file
    checked as on import (unreadable ones named and left out, sizes outside the training
    range noted); a CSV with the image, its ID and the class probabilities."""
    import pandas as pd

    from dlwizard.io import images as imgs
    from dlwizard.steps import modelling
    from dlwizard.steps.image_inputs import with_features

    column = final.image or "image"
    _check_output(source, output)
    df, root = _image_table(source, column)
    summary = PredictSummary(source=str(source), output=str(output), model=final.key)
    job.progress(0.0, f"Checking {len(df):,} images")
    checks = imgs.check_many([root / p for p in df[column]], job.sub(0.0, 0.3))
    ok = [c.error is None for c in checks]
    summary.unreadable_images = [f"{p}: {c.error}" for p, c in zip(df[column], checks) if c.error]
    info = modelling.image_feature(project)
    if info is not None:
        for rel, c in zip(df[column], checks, strict=True):
            h = c.header
            if h is None:
                continue
            if not (info.width_min <= h.width <= info.width_max) or not (
                info.height_min <= h.height <= info.height_max
            ):
                summary.n_outside_sizes += 1
                if len(summary.outside_size_images) < 3:
                    summary.outside_size_images.append(str(rel))
    df = df[ok].reset_index(drop=True)
    if df.empty:
        raise DataError(
            "holds no image that could be read",
            file=source,
            fix="check the files (" + "; ".join(summary.unreadable_images[:3]) + ").",
        )
    model = modelling.load_frozen(project, image_root=str(root))
    x = df
    if final.kind == "baseline" and info is not None:
        x = with_features(info.model_copy(update={"root": str(root), "sha256": {}}), df)
    job.progress(0.35, f"Predicting {len(df):,} images")
    out = model.output(x[model_columns(final) if final.kind == "baseline" else [column]])
    cols = {column: df[column].to_numpy(), **_output_frame(final, out, df["image_id"].to_numpy()
            if "image_id" in df else np.arange(1, len(df) + 1), "image_id")}  # fmt: skip
    frame = pd.DataFrame({escape_cell(k): escape_column(v) for k, v in cols.items()})
    tmp = output.with_name(f".{output.name}.part")
    output.parent.mkdir(parents=True, exist_ok=True)
    try:
        frame.to_csv(tmp, index=False)
        os.replace(tmp, output)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    summary.n_rows = len(df)
    project.audit("predicted", source=source.name, rows=summary.n_rows, model=final.key,
                  output=output.name)  # fmt: skip
    job.progress(1.0, f"Predicted {summary.n_rows:,} images")
    return summary
