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
    estimated_rows: int = 0  # for the progress bar

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
        return out


# -- checking the columns ---------------------------------------------------------------
def check_columns(final: FinalModel, columns: list[str], source: str) -> list[str]:
    """Refuse a file that lacks the model's columns; return the extra ones (ignored)."""
    needed = final.numeric + final.categorical
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
    for col in final.categorical:
        m = maps.get(col, {})
        raw = df[col].astype("string")
        known = raw.map(lambda v, m=m: m.get(v, m.get(v.lower())) if v is not pd.NA else None)
        unseen = raw.notna() & known.isna()
        if unseen.any():
            values = summary.unseen.setdefault(col, [])
            for v in raw[unseen].unique()[:5]:
                if str(v) not in values and len(values) < 20:
                    values.append(str(v))
            summary.n_unseen_rows += int(unseen.sum())
        df[col] = known.where(raw.notna(), other=None).astype(object).where(known.notna(), raw)
    return df


def _output_frame(final: FinalModel, out: np.ndarray, ids) -> dict[str, Any]:
    cols: dict[str, Any] = {}
    cols[final.sample_id or "row"] = ids
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
        df[final.numeric + final.categorical].copy(), final, _category_maps(model), summary,
        source, 2,
    )  # fmt: skip
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

    from dlwizard.io.sniff import FileScan, sniff_dialect

    with path.open("rb") as fh:
        head = fh.read(256 * 1024)
    try:
        text, encoding = head.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the end of the sample
            text, encoding = head.decode("latin-1"), "latin-1"
        else:
            text, encoding = head[: exc.start].decode("utf-8"), "utf-8"
    scan = FileScan(path=path, size=path.stat().st_size, sha256="", magic=None,
                    encoding=encoding, head_text=text)  # fmt: skip
    dialect = sniff_dialect(scan)
    lines = head.count(b"\n")
    if lines > 1:
        summary.estimated_rows = int(scan.size * lines / len(head)) - dialect.header_line
    header = [h.strip() for h in dialect.header]
    summary.extra_columns = check_columns(final, header, str(path))
    wanted = final.numeric + final.categorical
    include = wanted + ([final.sample_id] if final.sample_id in header else [])
    types = {c: pa.float64() for c in final.numeric}
    types |= {c: pa.string() for c in final.categorical}
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
                encoding="utf8" if encoding == "utf-8" else encoding,
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
        raise _explain_arrow(exc, header, path) from exc
    first = dialect.header_line + 1
    while True:
        try:
            batch = reader.read_next_batch()
        except StopIteration:
            return
        except pa.ArrowInvalid as exc:
            raise _explain_arrow(exc, header, path) from exc
        yield batch.to_pandas(), first
        first += batch.num_rows


_ARROW_CELL = re.compile(r"column #(\d+).*?(?:Row #(\d+))?.*?invalid value '([^']*)'", re.S)


def _explain_arrow(exc: Exception, header: list[str], path: Path) -> DataError:
    m = _ARROW_CELL.search(str(exc))
    if m:
        col = header[int(m.group(1))] if int(m.group(1)) < len(header) else None
        return DataError(
            f"holds text ('{m.group(3)}') where the model needs a number",
            file=path,
            row=int(m.group(2)) if m.group(2) else None,
            column=col,
            fix="correct the value, or leave the cell empty if it is missing.",
        )
    return DataError(
        f"could not be read as a table ({str(exc).splitlines()[0]})",
        file=path,
        fix="check that every row has as many fields as the header.",
    )


def _other_blocks(path: Path, final: FinalModel, summary) -> Iterator[tuple[Any, int]]:
    from dlwizard.io.readers import file_format, read_file

    if file_format(path) == "parquet":
        import pyarrow.parquet as pq

        pf = pq.ParquetFile(path)
        summary.estimated_rows = pf.metadata.num_rows
        header = list(pf.schema_arrow.names)
        summary.extra_columns = check_columns(final, header, str(path))
        cols = final.numeric + final.categorical
        cols += [final.sample_id] if final.sample_id in header else []
        first = 1
        for batch in pf.iter_batches(batch_size=PARQUET_ROWS, columns=cols):
            yield batch.to_pandas(), first
            first += batch.num_rows
        return
    table = read_file(path).table  # Excel: read whole (workbooks are small)
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

    job = job or Job()
    source, output = Path(source), Path(output)
    if not source.is_file():
        raise DataError("no such file", file=source, fix="check the file name and folder.")
    final = final_model(project)
    model = frozen.load(final, project.models)
    maps = _category_maps(model)
    summary = PredictSummary(source=str(source), output=str(output), model=final.key)
    na = project.study.data.options.na_values if project.study.data else DEFAULT_NA_VALUES
    text = file_format(source) == "text"
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
                ids = (
                    df[final.sample_id].to_numpy()
                    if final.sample_id in df.columns
                    else np.arange(summary.n_rows + 1, summary.n_rows + 1 + len(df))
                )
                cols = _output_frame(final, model.output(x[final.numeric + final.categorical]), ids)
                batch = pa.table(cols)
                if writer is None:
                    writer = pacsv.CSVWriter(sink, batch.schema)
                writer.write_table(batch)
                summary.n_rows += len(df)
                del df, x, batch, cols
                release_memory()  # freed blocks go back to the system: memory stays flat
                done = summary.n_rows / max(1, summary.estimated_rows, summary.n_rows + 1)
                job.progress(min(0.99, done), f"Predicted {summary.n_rows:,} samples")
            if writer is None:
                raise DataError("has no rows to predict", file=source, fix="check the file.")
            writer.close()
        os.replace(tmp, output)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    project.audit("predicted", source=source.name, rows=summary.n_rows, model=final.key,
                  output=output.name)  # fmt: skip
    job.progress(1.0, f"Predicted {summary.n_rows:,} samples")
    return summary
