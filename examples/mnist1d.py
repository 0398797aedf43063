"""The MNIST-1D baselines of Greydanus, "Scaling Down Deep Learning" (2020), trained with chainrule.

Same four models and budget as the paper's repository: logistic regression
(Linear 40->10); an MLP 40->100->100->10 with ReLU and a residual second layer;
a CNN of three Conv1d layers (25 channels, kernels 5, 3, 3, stride 2,
padding 1, ReLU) then Linear 125->10; a bidirectional GRU (hidden size 6) then
Linear 480->10. Adam, learning rate 1e-2, batch 100, 6,000 steps,
cross-entropy. Prints the median test accuracy over seeds beside the paper's.

    python examples/mnist1d.py                 # 3 seeds, 6,000 steps (minutes per model)
    python examples/mnist1d.py --steps 600 --seeds 1 --models mlp cnn
"""
import argparse
import time

import numpy as np

import chainrule as cr
from chainrule.train_command import build_model

# Test accuracy (%): the repository's README, and its training notebook at step 6000.
PAPER = {"logreg": 32, "mlp": 68, "cnn": 94, "gru": 91}
NOTEBOOK = {"logreg": 31.5, "mlp": 65.1, "cnn": 92.3, "gru": 89.1}


def train_once(name, data, steps, seed, batch_size=100, lr=1e-2):
    """Test accuracy of model ``name`` after ``steps`` Adam steps from seed ``seed``."""
    X_train, y_train, X_test, y_test = data
    cr.manual_seed(seed)
    model = build_model(name, X_train.shape[1], 10)
    optimizer = cr.optim.Adam(model.parameters(), lr=lr)
    loss_fn = cr.nn.CrossEntropyLoss()
    loader = cr.data.DataLoader(cr.data.TensorDataset(X_train, y_train), batch_size=batch_size,
                                shuffle=True, drop_last=True, seed=seed)
    step = 0
    while step < steps:
        for inputs, targets in loader:
            loss = loss_fn(model(inputs), targets)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            step += 1
            if step == steps:
                break
    _, accuracy = cr.train.evaluate(model, loss_fn, [(cr.tensor(X_test), cr.tensor(y_test))])
    return 100 * accuracy


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", choices=sorted(PAPER), default=["logreg", "mlp", "cnn", "gru"])
    parser.add_argument("--steps", type=int, default=6000)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args(argv)
    data = cr.data.load_mnist1d()
    print(f"{'model':8s} {'chainrule (median)':>19s} {'paper':>6s} {'notebook':>9s}  seconds per run")
    for name in args.models:
        started = time.perf_counter()
        accuracies = [train_once(name, data, args.steps, seed) for seed in range(args.seeds)]
        seconds = (time.perf_counter() - started) / args.seeds
        print(f"{name:8s} {np.median(accuracies):18.1f}% {PAPER[name]:5d}% {NOTEBOOK[name]:8.1f}%  {seconds:.0f}",
              flush=True)


if __name__ == "__main__":
    main()
