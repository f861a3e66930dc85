#!/usr/bin/env python3
"""A small image benchmark for Forward-Forward without internet: the 8x8
handwritten digits bundled with scikit-learn (1,797 images, 10 classes;
sklearn.datasets.load_digits reads them from the installed package, no
download), split once with a fixed seed, and scikit-learn's logistic
regression as the baseline next to which lacus reports FF's test accuracy.

Regenerate (from the repository root):

    python3 -m venv /work/venv-learn2
    /work/venv-learn2/bin/pip install -r tests/ref/requirements-learn2.txt
    /work/venv-learn2/bin/python tests/ref/make_learn2_fixtures.py

Writes tests/fixtures/learn2/digits.npz (compressed):
  x_train (n_train, 64), x_test (n_test, 64)  pixels / 16, in [0, 1], float64
  y_train (n_train,), y_test (n_test,)        labels 0..9, int32
  logreg_pred (n_test,) int32                 LogisticRegression's test predictions
  logreg_acc (0-d)                            its test accuracy
  logreg_C, logreg_max_iter (0-d)             its settings (lbfgs, multinomial)
"""

import os

import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

OUT = os.path.join(os.path.dirname(__file__), "..", "fixtures", "learn2")


def main():
    os.makedirs(OUT, exist_ok=True)
    d = load_digits()
    x = d.data.astype(np.float64) / 16.0
    y = d.target.astype(np.int32)
    xtr, xte, ytr, yte = train_test_split(x, y, test_size=0.3, random_state=0, stratify=y)
    C, max_iter = 1.0, 5000
    lr = LogisticRegression(C=C, max_iter=max_iter)
    lr.fit(xtr, ytr)
    pred = lr.predict(xte).astype(np.int32)
    acc = float((pred == yte).mean())
    np.savez_compressed(os.path.join(OUT, "digits.npz"), x_train=xtr, x_test=xte, y_train=ytr,
                        y_test=yte, logreg_pred=pred, logreg_acc=np.float64(acc),
                        logreg_C=np.float64(C), logreg_max_iter=np.float64(max_iter))
    print(f"digits: train {len(ytr)}, test {len(yte)}, logistic regression test accuracy {acc:.4f}")


if __name__ == "__main__":
    main()
