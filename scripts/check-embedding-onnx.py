#!/usr/bin/env python3
"""onnxruntime on model.onnx of a model with categorical embeddings against `tandem predict`.

Usage: check-embedding-onnx.py MODEL_DIR INPUT.csv PREDICTIONS.csv
Builds the ONNX input from the CSV as model.json says (numeric raw, NaN = missing; an embedded
categorical feature as its index in `categories`, a missing cell NaN, an unseen one -1) and
compares the probabilities with the prob_ columns of `tandem predict`'s output (1e-5).
"""
import csv, json, sys
import numpy as np, onnxruntime as ort

model, data, predictions = sys.argv[1:4]
manifest = json.load(open(model + "/model.json"))
missing = {"", "NA", "N/A", "n/a", "#N/A", "-", "NaN", "nan", "?", "null", "NULL", "None"}
rows = list(csv.DictReader(open(data)))
x = []
for row in rows:
    cells = []
    for f in manifest["preprocessing"]["features"]:
        text = row[f["name"]].strip()
        if f["kind"] == "numeric":
            cells.append(float("nan") if text in missing else float(text))
        elif f.get("embedded"):
            cells.append(float("nan") if text in missing else float(f["categories"].index(text)) if text in f["categories"] else -1.0)
        else:
            cells += [float("nan")] * len(f["categories"]) if text in missing else [1.0 if c == text else 0.0 for c in f["categories"]]
    x.append(cells)
x = np.array(x, dtype=np.float32)
ort.set_default_logger_severity(3)
session = ort.InferenceSession(model + "/model.onnx", providers=["CPUExecutionProvider"])
got = session.run(None, {manifest["onnx"]["input"]: x})[0]
expected = np.array([[float(r[c]) for c in manifest["onnx"]["output_columns"]] for r in csv.DictReader(open(predictions))])
worst = float(np.max(np.abs(got - expected)))
print(f"{len(rows)} rows, max |onnx - predict| {worst:.2e}")
sys.exit(0 if worst <= 1e-5 else 1)
