"""`chainrule train`: train a classifier on bundled data, with progress bars,
a per-epoch table, and the model, metrics and learning curves written to disk."""
import io
import json
import os
import sys
import time


import chainrule as cr
from chainrule.checkpoint import write_atomically

DATASETS = {"digits": "load_digits", "mnist1d": "load_mnist1d"}
MODELS = ("logreg", "mlp", "cnn", "gru")


def add_train_command(commands):
    parser = commands.add_parser(
        "train", help="train a classifier on bundled data (digits or MNIST-1D)",
        description="Trains, shows progress, prints a per-epoch table and the test accuracy, and "
                    "writes model.safetensors, metrics.json and curves.png into --out.")
    parser.add_argument("--data", choices=sorted(DATASETS), default="digits")
    parser.add_argument("--model", choices=MODELS, default="mlp")
    parser.add_argument("--epochs", type=int, default=None,
                        help="default: 30 for the digits; 150 for MNIST-1D (its paper's 6,000 steps of 100)")
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--lr", type=float, default=1e-2)
    parser.add_argument("--optimizer", choices=("sgd", "adam"), default="adam")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=None, help="default: runs/<data>-<model>-<time>")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    parser.set_defaults(run=run)


def run(args):
    epochs = args.epochs or (30 if args.data == "digits" else 150)
    if epochs < 1 or args.batch_size < 1 or args.lr <= 0:
        print("chainrule train: --epochs and --batch-size must be positive, and --lr above 0", file=sys.stderr)
        return 2
    cr.manual_seed(args.seed)
    X_train, y_train, X_test, y_test = getattr(cr.data, DATASETS[args.data])()
    n_classes = int(max(y_train.max(), y_test.max())) + 1
    model = build_model(args.model, X_train.shape[1], n_classes)
    optimizer = (cr.optim.Adam(model.parameters(), lr=args.lr) if args.optimizer == "adam"
                 else cr.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9))
    train_loader = cr.data.DataLoader(cr.data.TensorDataset(X_train, y_train), batch_size=args.batch_size,
                                      shuffle=True, seed=args.seed)
    test_loader = cr.data.DataLoader(cr.data.TensorDataset(X_test, y_test), batch_size=1000)
    loss_fn = cr.nn.CrossEntropyLoss()

    print(f"training {args.model} on {args.data}: {len(X_train)} examples, {epochs} epochs, "
          f"{args.optimizer} lr={args.lr:g}, batch {args.batch_size}")
    started = time.perf_counter()
    history = cr.train.fit(model, loss_fn, optimizer, train_loader, epochs, val_loader=test_loader,
                           progress=not args.no_progress)
    seconds = time.perf_counter() - started
    print(format_history(history))
    test_accuracy = history["val_accuracy"][-1]
    print(f"test accuracy: {test_accuracy:.2%} ({seconds:.1f} s)")

    out = args.out or os.path.join("runs", f"{args.data}-{args.model}-{time.strftime('%Y%m%d-%H%M%S')}")
    os.makedirs(out, exist_ok=True)
    cr.save(model.state_dict(), os.path.join(out, "model.safetensors"))
    metrics = {"data": args.data, "model": args.model, "epochs": epochs, "optimizer": args.optimizer,
               "lr": args.lr, "batch_size": args.batch_size, "seed": args.seed, "seconds": seconds,
               "test_accuracy": test_accuracy, "history": history}
    write_atomically(os.path.join(out, "metrics.json"), json.dumps(metrics, indent=2).encode())
    plot_curves(history, os.path.join(out, "curves.png"), f"{args.model} on {args.data}")
    print(f"wrote {out}/model.safetensors, metrics.json, curves.png")
    return 0


class MLP(cr.nn.Module):
    """in -> 100 -> 100 -> classes with ReLU, the second layer residual (as MNIST-1D's MLP)."""

    def __init__(self, n_in, n_classes, hidden=100):
        super().__init__()
        self.first = cr.nn.Linear(n_in, hidden)
        self.second = cr.nn.Linear(hidden, hidden)
        self.out = cr.nn.Linear(hidden, n_classes)

    def forward(self, x):
        h = cr.relu(self.first(x))
        h = h + cr.relu(self.second(h))
        return self.out(h)


class ConvNet(cr.nn.Module):
    """Three Conv1d layers (25 channels, kernels 5, 3, 3, stride 2, padding 1, ReLU), then Linear."""

    def __init__(self, length, n_classes, channels=25):
        super().__init__()
        self.conv1 = cr.nn.Conv1d(1, channels, 5, stride=2, padding=1)
        self.conv2 = cr.nn.Conv1d(channels, channels, 3, stride=2, padding=1)
        self.conv3 = cr.nn.Conv1d(channels, channels, 3, stride=2, padding=1)
        for kernel in (5, 3, 3):
            length = (length + 2 - kernel) // 2 + 1
        self.out = cr.nn.Linear(channels * length, n_classes)

    def forward(self, x):
        h = x.reshape(len(x), 1, -1)
        for conv in (self.conv1, self.conv2, self.conv3):
            h = cr.relu(conv(h))
        return self.out(h.reshape(len(x), -1))


class GRUNet(cr.nn.Module):
    """A bidirectional GRU (hidden size 6) over the sequence, then Linear on all its outputs."""

    def __init__(self, length, n_classes, hidden=6):
        super().__init__()
        self.gru = cr.nn.GRU(1, hidden, batch_first=True, bidirectional=True)
        self.out = cr.nn.Linear(length * 2 * hidden, n_classes)

    def forward(self, x):
        h, _ = self.gru(x.reshape(len(x), -1, 1))
        return self.out(h.reshape(len(x), -1))


def build_model(name, n_features, n_classes):
    """The classifier ``name`` for inputs of ``n_features`` (read as a sequence by cnn and gru)."""
    if name == "logreg":
        return cr.nn.Linear(n_features, n_classes)
    if name == "mlp":
        return MLP(n_features, n_classes)
    if name == "cnn":
        return ConvNet(n_features, n_classes)
    return GRUNet(n_features, n_classes)


def format_history(history):
    rows = [("epoch", "train loss", "train acc", "test loss", "test acc")]
    for i, epoch in enumerate(history["epoch"]):
        rows.append((str(epoch), f"{history['loss'][i]:.4f}", f"{history['accuracy'][i]:.2%}",
                     f"{history['val_loss'][i]:.4f}", f"{history['val_accuracy'][i]:.2%}"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.rjust(w) for cell, w in zip(row, widths)) for row in rows)


def plot_curves(history, path, title):
    """Loss and accuracy per epoch, training and test, side by side, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (loss_ax, acc_ax) = plt.subplots(1, 2, figsize=(9, 3.5))
    for ax, key, label in ((loss_ax, "loss", "cross-entropy loss"), (acc_ax, "accuracy", "accuracy")):
        ax.plot(history["epoch"], history[key], label="train")
        ax.plot(history["epoch"], history["val_" + key], label="test")
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        ax.legend()
    fig.suptitle(title)
    fig.tight_layout()
    png = io.BytesIO()
    fig.savefig(png, format="png", dpi=100)
    plt.close(fig)
    write_atomically(path, png.getvalue())
