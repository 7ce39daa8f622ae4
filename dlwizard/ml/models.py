"""The baseline model zoo: each family's estimator, its documented search ranges, and the
preprocessing pipeline around it (fitted on training folds only, inside the Pipeline).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# A search range: ("float", low, high, log) | ("int", low, high, log) | ("cat", [choices])
Range = tuple


@dataclass(frozen=True)
class Family:
    key: str
    name: str
    task: str  # "classification" or "regression"
    ranges: dict[str, Range]
    build: Callable[[dict[str, Any], int], Any]
    memorises_rows: bool = False  # keeps training rows inside the model (privacy step)
    # Settings fixed from the data rather than searched (recorded with the best ones): called
    # with the smallest training fold's rows and the training set's class shares (empty for
    # regression).
    fixed: Callable[[int, list[float]], dict[str, Any]] | None = None


def _logreg(p: dict[str, Any], seed: int):
    from sklearn.linear_model import LogisticRegression

    penalty = p["penalty"]
    # Ridge has a smooth loss: lbfgs reaches the same optimum many times faster than saga (85 s
    # against 2 s for 5 folds of a 700 x 765 table). The lasso of a two-class task: liblinear's
    # coordinate descent (0.05 s where saga took 4 s on 560 x 1,000, and saga had not yet
    # converged); of several classes, and the elastic net: saga, the solver that has them.
    solver = "lbfgs" if penalty == "l2" else "saga"
    if penalty == "l1":
        solver = p.get("l1_solver", "saga")
    return LogisticRegression(
        C=p["C"],
        l1_ratio={"l2": 0.0, "l1": 1.0}.get(penalty, p.get("l1_ratio", 0.5)),
        solver=solver,
        max_iter=3000,
        class_weight="balanced",
        random_state=seed,
    )


def _forest(p: dict[str, Any], seed: int, regression: bool = False):
    from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

    cls = RandomForestRegressor if regression else RandomForestClassifier
    kw = {} if regression else {"class_weight": "balanced"}
    return cls(
        n_estimators=p["n_estimators"],
        max_depth=p["max_depth"] or None,
        min_samples_leaf=p["min_samples_leaf"],
        max_features=p["max_features"],
        max_samples=p.get("max_samples"),
        n_jobs=1,  # threads are used across folds instead; no process pools (frozen apps)
        random_state=seed,
        **kw,
    )


# More trees never make a forest worse, only slower: their number is not a setting to tune
# (Probst & Boulesteix, JMLR 2018) but one to size to the data: 300 where trees are nearly free
# and a small forest varies most (up to 300 rows), scikit-learn's 100 beyond. Beyond 20,000
# rows each tree draws 20,000 of them, which keeps a fit's cost bounded with little loss.
FOREST_ROWS_PER_TREE = 20_000


def _forest_size(n: int, _shares: list[float]) -> dict[str, Any]:
    size: dict[str, Any] = {"n_estimators": 300 if n <= 300 else 100}
    if n > FOREST_ROWS_PER_TREE:
        size["max_samples"] = FOREST_ROWS_PER_TREE
    return size


def _boosting_fixed(n: int, shares: list[float]) -> dict[str, Any]:
    """Early stopping once there are enough rows to hold a tenth back, and class weights only
    when the classes differ in size: scikit-learn bins weighted rows with a weighted quantile
    per bin edge, which made each fit about ten times slower, for weights of about 1 when the
    classes are nearly equal."""
    fixed: dict[str, Any] = {"early_stopping": n >= 200}
    if shares:
        equal = min(shares) >= 0.8 / len(shares)
        fixed["class_weight"] = "none" if equal else "balanced"
    return fixed


def _knn(p: dict[str, Any], seed: int, regression: bool = False):
    from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor

    cls = KNeighborsRegressor if regression else KNeighborsClassifier
    return cls(n_neighbors=p["n_neighbors"], weights=p["weights"], p=p["p"])


def _nb(p: dict[str, Any], seed: int):
    from sklearn.naive_bayes import GaussianNB

    return GaussianNB(var_smoothing=p["var_smoothing"])


def _svm(p: dict[str, Any], seed: int, regression: bool = False):
    from sklearn.svm import SVC, SVR

    if regression:
        return SVR(C=p["C"], gamma=p["gamma"], epsilon=p.get("epsilon", 0.1))
    return SVC(
        C=p["C"], gamma=p["gamma"], probability=True, class_weight="balanced", random_state=seed
    )


def _hgb(p: dict[str, Any], seed: int, regression: bool = False):
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    cls = HistGradientBoostingRegressor if regression else HistGradientBoostingClassifier
    # "none" where the classes are about equal (see _boosting_fixed); projects from before
    # that choice have no entry and were fitted balanced.
    weight = p.get("class_weight", "balanced")
    kw = {} if regression else {"class_weight": None if weight == "none" else weight}
    return cls(
        learning_rate=p["learning_rate"],
        max_iter=p["max_iter"],
        max_leaf_nodes=p["max_leaf_nodes"],
        min_samples_leaf=p["min_samples_leaf"],
        l2_regularization=p["l2_regularization"],
        # Stop adding trees once a held-back tenth stops improving: faster and less overfit,
        # but only with enough rows for that tenth to mean something.
        early_stopping=bool(p.get("early_stopping", False)),
        random_state=seed,
        **kw,
    )


def _linear_regression(p: dict[str, Any], seed: int):
    from sklearn.linear_model import ElasticNet, Lasso, Ridge

    kind = p["penalty"]
    if kind == "l2":
        return Ridge(alpha=p["alpha"])
    if kind == "l1":
        return Lasso(alpha=p["alpha"], max_iter=5000, random_state=seed)
    return ElasticNet(
        alpha=p["alpha"], l1_ratio=p.get("l1_ratio", 0.5), max_iter=5000, random_state=seed
    )


FOREST = {
    "max_depth": ("int", 0, 32, False),  # 0 = grow until pure
    "min_samples_leaf": ("int", 1, 20, False),
    # On a log scale: the usual good values are small (scikit-learn's default is sqrt(p)/p),
    # and the large ones are the slow ones.
    "max_features": ("float", 0.05, 1.0, True),
}
KNN = {
    "n_neighbors": ("int", 1, 50, False),
    "weights": ("cat", ["uniform", "distance"]),
    "p": ("cat", [1, 2]),
}
HGB = {
    "learning_rate": ("float", 0.01, 0.3, True),
    "max_iter": ("int", 50, 400, False),
    "max_leaf_nodes": ("int", 8, 64, False),
    "min_samples_leaf": ("int", 5, 50, False),
    "l2_regularization": ("float", 1e-6, 10.0, True),
}
SVM = {"C": ("float", 1e-3, 1e3, True), "gamma": ("float", 1e-5, 1e1, True)}

CLASSIFIERS: dict[str, Family] = {
    f.key: f
    for f in (
        Family("logistic", "Logistic regression (L1 / L2 / elastic net)", "classification",
               {"penalty": ("cat", ["l2", "l1", "elasticnet"]), "C": ("float", 1e-4, 1e2, True),
                "l1_ratio": ("float", 0.05, 0.95, False)}, _logreg,
               fixed=lambda n, shares: {"l1_solver": "liblinear" if len(shares) == 2 else "saga"}),
        Family("random_forest", "Random forest", "classification", FOREST, _forest,
               fixed=_forest_size),
        Family("knn", "k-nearest neighbours", "classification", KNN, _knn, memorises_rows=True),
        Family("naive_bayes", "Naive Bayes (Gaussian)", "classification",
               {"var_smoothing": ("float", 1e-12, 1e-1, True)}, _nb),
        Family("svm", "Support vector machine (RBF)", "classification", SVM, _svm,
               memorises_rows=True),
        Family("gradient_boosting", "Histogram gradient boosting", "classification", HGB, _hgb,
               fixed=_boosting_fixed),
    )
}  # fmt: skip
REGRESSORS: dict[str, Family] = {
    f.key: f
    for f in (
        Family("linear", "Ridge / lasso / elastic net", "regression",
               {"penalty": ("cat", ["l2", "l1", "elasticnet"]),
                "alpha": ("float", 1e-4, 1e3, True), "l1_ratio": ("float", 0.05, 0.95, False)},
               _linear_regression),
        Family("random_forest", "Random forest", "regression", FOREST,
               lambda p, s: _forest(p, s, regression=True), fixed=_forest_size),
        Family("knn", "k-nearest neighbours", "regression", KNN,
               lambda p, s: _knn(p, s, regression=True), memorises_rows=True),
        Family("svm", "Support vector regression (RBF)", "regression",
               {**SVM, "epsilon": ("float", 1e-3, 1.0, True)},
               lambda p, s: _svm(p, s, regression=True), memorises_rows=True),
        Family("gradient_boosting", "Histogram gradient boosting", "regression", HGB,
               lambda p, s: _hgb(p, s, regression=True), fixed=_boosting_fixed),
    )
}  # fmt: skip


def families(task: str) -> dict[str, Family]:
    return REGRESSORS if task == "regression" else CLASSIFIERS


def default_params(family: Family, ranges: dict[str, Range] | None = None) -> dict[str, Any]:
    """Middle-of-the-range settings (the first trial of every search)."""
    return middle_of(ranges or family.ranges)


def middle_of(ranges: dict[str, Range]) -> dict[str, Any]:
    """The middle of each search range (a baseline family's or a network rung's)."""
    import math

    out: dict[str, Any] = {}
    for name, r in ranges.items():
        if r[0] == "cat":
            # Numbers (batch sizes, the distance's power): the middle one; words: the first,
            # which is the plain choice (ridge, equal weights).
            numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in r[1])
            out[name] = r[1][len(r[1]) // 2] if numeric else r[1][0]
        elif r[0] == "int":
            out[name] = round((r[1] + r[2]) / 2)
        else:
            out[name] = math.sqrt(r[1] * r[2]) if r[3] else (r[1] + r[2]) / 2
    return out


# The k-mer length is searched with every family's settings when the features include a column
# of sequences: short k-mers (composition, dinucleotides) generalise from few sequences, longer
# ones catch motifs. Nucleic acids: 2 to 6 letters (4,096 possible 6-mers); proteins: 1 to 3
# (8,000 possible 3-mers).
KMER_RANGES: dict[str, Range] = {
    "dna": ("int", 2, 6, False),
    "rna": ("int", 2, 6, False),
    "protein": ("int", 1, 3, False),
}
# At most this many k-mers are counted (the most frequent in the training rows): a bound on the
# memory and time of a fit (rows x k-mers) that keeps every 5-mer of DNA. With 2,048, an RBF SVM
# on 1,600 splice junctions took 26 s a fit at k = 6, against 7 s at k = 5 (one thread).
KMER_VOCABULARY = 1024


def with_sequence(family: Family, column: str, alphabet: str) -> Family:
    """The family for data whose features include a column of sequences: its settings gain the
    k-mer length (searched) and the sequence column and alphabet (fixed, so a refit from the
    recorded settings rebuilds the same features)."""
    from dataclasses import replace

    base = family.fixed

    def fixed(n: int, shares: list[float]) -> dict[str, Any]:
        return {**(base(n, shares) if base else {}), "sequence": column, "alphabet": alphabet}

    ranges = {**family.ranges, "kmer_k": KMER_RANGES[alphabet]}
    return replace(family, ranges=ranges, fixed=fixed)


def kmer_profile(k: int):
    """A sequence as the frequencies of its k-mers (overlapping, counted by scikit-learn's
    character n-grams), scaled to unit variance across the training rows; the sparse counts stay
    sparse until the columns are joined."""
    import numpy as np
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import Normalizer, StandardScaler

    return make_pipeline(
        CountVectorizer(
            analyzer="char",
            ngram_range=(k, k),
            lowercase=False,
            max_features=KMER_VOCABULARY,
            dtype=np.float32,
        ),
        Normalizer(norm="l1"),
        StandardScaler(with_mean=False),
    )


def preprocessor(
    numeric: list[str],
    categorical: list[str],
    sequence: str | None = None,
    kmer_k: int | None = None,
):
    """Impute and scale numbers; impute and one-hot encode categories; count the k-mers of a
    sequence column."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    parts = []
    if sequence is not None:
        # The column's name alone (not a list) hands the counter one string per row.
        parts.append(("kmers", kmer_profile(int(kmer_k or 3)), sequence))
    if numeric:
        parts.append(
            ("numeric", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric)
        )
    if categorical:
        parts.append(
            (
                "categorical",
                make_pipeline(
                    SimpleImputer(strategy="most_frequent"),
                    OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                ),
                categorical,
            )
        )
    # Dense output: naive Bayes and boosting do not take sparse matrices.
    return ColumnTransformer(
        parts, remainder="drop", sparse_threshold=0.0, verbose_feature_names_out=False
    )


def pipeline(family: Family, params: dict[str, Any], numeric, categorical, seed: int):
    from sklearn.pipeline import Pipeline

    sequence = params.get("sequence")
    return Pipeline(
        [
            ("prepare", preprocessor(numeric, categorical, sequence, params.get("kmer_k"))),
            ("model", family.build(params, seed)),
        ]
    )
