"""scikit-learn's bundled 8x8 handwritten digits (no download)."""
import numpy as np

TEST_SIZE = 0.2
SPLIT_SEED = 0


def load_digits():
    """``(X_train, y_train, X_test, y_test)``: the 1,797 digits of
    ``sklearn.datasets.load_digits`` as float32 rows of 64 pixels scaled to
    [0, 1] (divided by 16) and int64 labels 0-9, split 80/20 with every digit
    in the same proportion in both parts (1,437 / 360 examples). The split is
    fixed (``random_state=0``), so results are comparable between runs."""
    try:
        from sklearn.datasets import load_digits as sklearn_digits
        from sklearn.model_selection import train_test_split
    except ImportError as err:
        raise ImportError("cr.data.load_digits needs scikit-learn: "
                          "pip install 'chainrule[train]' (or pip install scikit-learn)") from err
    digits = sklearn_digits()
    X = (digits.data / 16.0).astype(np.float32)
    y = digits.target.astype(np.int64)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=TEST_SIZE, stratify=y,
                                                        random_state=SPLIT_SEED)
    return X_train, y_train, X_test, y_test
