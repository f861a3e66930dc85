#!/usr/bin/env python3
"""Fixtures for lacus's preprocessing nodes, made by scikit-learn and NumPy.

Regenerate (from the repository root):

    python3 -m venv /work/venv-present
    /work/venv-present/bin/pip install -r tests/ref/requirements-present.txt
    /work/venv-present/bin/python tests/ref/make_present_fixtures.py

Writes tests/fixtures/present/:
  scale.npz   train (R, F) rows of 3 sequences (lengths in `lengths`), test (S, F):
              column 0 ~ N(0, 1), column 1 = 1e6 + N(0, 1e-3) (a large offset
              that breaks the textbook sum of squares), column 2 constant 4.25,
              column 3 uniform in [-50, 20];
              minmax_min, minmax_max, minmax_test, minmax_inv_test (inverse of test):
                  sklearn MinMaxScaler(feature_range=(-1, 1)) fitted on train
              minmax_lo, minmax_hi (a second range (0, 5)) with minmax05_test
              zscore_mean, zscore_var, zscore_test, zscore_inv_test: StandardScaler()
  onehot.npz  labels_train (n,), categories (sklearn OneHotEncoder().categories_[0]),
              labels_test (m,), onehot_test (m, K) = OneHotEncoder().transform
  delay.npz   x (T, F), delay 3, stride 2:
              zeros (T, 3F): row t = [x[t], x[t-2], x[t-4]], zeros before the start
              (ReservoirPy NVAR's linear features); dropped (T-4, 3F): rows 4..
"""

import os

import numpy as np
import sklearn
from sklearn.preprocessing import MinMaxScaler, OneHotEncoder, StandardScaler

OUT = os.path.join(os.path.dirname(__file__), "..", "fixtures", "present")


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20261123)
    lengths = np.array([17, 5, 28])
    R, S, F = int(lengths.sum()), 11, 4

    def draw(n):
        x = np.empty((n, F))
        x[:, 0] = rng.standard_normal(n)
        x[:, 1] = 1e6 + 1e-3 * rng.standard_normal(n)
        x[:, 2] = 4.25
        x[:, 3] = rng.uniform(-50, 20, n)
        return x

    train, test = draw(R), draw(S)
    test[0, 0] = 7.5  # outside the training range: scaling extrapolates
    mm = MinMaxScaler(feature_range=(-1, 1)).fit(train)
    mm05 = MinMaxScaler(feature_range=(0, 5)).fit(train)
    zs = StandardScaler().fit(train)
    mm_test, zs_test = mm.transform(test), zs.transform(test)
    np.savez(os.path.join(OUT, "scale.npz"), train=train, test=test, lengths=lengths,
             minmax_min=mm.data_min_, minmax_max=mm.data_max_, minmax_test=mm_test,
             minmax_inv_test=mm.inverse_transform(mm_test),
             minmax_lo=np.array(0.0), minmax_hi=np.array(5.0), minmax05_test=mm05.transform(test),
             zscore_mean=zs.mean_, zscore_var=zs.var_, zscore_test=zs_test,
             zscore_inv_test=zs.inverse_transform(zs_test))

    labels_train = np.array([3, 7, -2, 3, 10, 7, 7, -2, 0])
    enc = OneHotEncoder().fit(labels_train.reshape(-1, 1))
    labels_test = np.array([10, -2, 0, 3, 7, 7])
    np.savez(os.path.join(OUT, "onehot.npz"), labels_train=labels_train,
             categories=enc.categories_[0], labels_test=labels_test,
             onehot_test=enc.transform(labels_test.reshape(-1, 1)).toarray())

    T, k, s = 9, 3, 2
    x = rng.standard_normal((T, 2))
    zeros = np.zeros((T, k * 2))
    for t in range(T):
        for b in range(k):
            if t - b * s >= 0:
                zeros[t, 2 * b:2 * b + 2] = x[t - b * s]
    np.savez(os.path.join(OUT, "delay.npz"), x=x, delay=np.array(k), stride=np.array(s),
             zeros=zeros, dropped=zeros[(k - 1) * s:])
    print("numpy", np.__version__, "scikit-learn", sklearn.__version__, "->", OUT)


if __name__ == "__main__":
    main()
