"""Nadaraya-Watson kernel regression: attention pooling before anything is learned (d2l).

We observe 50 noisy samples of y = 2 sin(x) + x^0.8 and predict y at new inputs x as a weighted
average of the observed outputs. The query is the new x, the keys are the training inputs, the
values the training outputs, and the weights are a softmax of a Gaussian kernel:

    f(x) = sum_i softmax_i(-(x - x_i)^2 / 2) y_i                   (non-parametric)
    f(x) = sum_i softmax_i(-((x - x_i) w)^2 / 2) y_i               (parametric: w is learned)

The learned w sets the kernel's width: a large w looks only at the nearest neighbours. We learn
it with SGD, each training input predicting its own output from the 49 others.

    python examples/nadaraya_watson.py --out out/
writes out/nadaraya_watson_fit.png (the curves) and out/nadaraya_watson_attention_*.png (the
attention weights of the non-parametric and the parametric model).
"""
import argparse
import os

import numpy as np
from matplotlib.figure import Figure

import minigrad as mg
from attention import show_heatmaps
from attention.heatmap_grid import save_figure


def f(x):
    return 2 * np.sin(x) + x ** 0.8


def kernel_regression(queries, keys, values, w=1.0):
    """queries (n,), keys and values (n, m): one row of keys per query -> (predictions (n,),
    attention weights (n, m))."""
    scores = -((queries.reshape(-1, 1) - keys) * w) ** 2 / 2            # (n, 1) - (n, m)
    weights = scores.softmax(axis=1)                                   # (n, m)
    return (weights * values).sum(axis=1), weights


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    mg.flags.add_mode_flags(parser, readable=False)
    parser.add_argument("--out", default="out", help="folder for the PNG files")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--lr", type=float, default=0.5)
    parser.add_argument("--seed", type=mg.flags.seed, default=0)
    args, _ = parser.parse_known_args()   # known args only: a notebook kernel passes its own
    mg.flags.apply_mode_flags(args)   # prints the backend and mode
    mg.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)

    # The data: 50 sorted noisy training samples, 50 evenly spaced test inputs.
    n_train = 50
    x_train = np.sort(rng.random(n_train) * 5)
    y_train = f(x_train) + rng.normal(0.0, 0.5, n_train)
    x_test = np.arange(0, 5, 0.1)
    y_truth = f(x_test)

    # Non-parametric: every test input attends to all 50 training inputs.
    keys = mg.Tensor(np.tile(x_train, (len(x_test), 1)))               # (50 test, 50 train)
    values = mg.Tensor(np.tile(y_train, (len(x_test), 1)))
    y_plain, weights_plain = kernel_regression(mg.Tensor(x_test), keys, values)

    # Parametric: learn w. Training input i predicts y_i from the other 49 (leave one out),
    # or w would grow until each input only looks at itself.
    others = ~np.eye(n_train, dtype=bool)
    train_keys = mg.Tensor(np.tile(x_train, (n_train, 1))[others].reshape(n_train, -1))
    train_values = mg.Tensor(np.tile(y_train, (n_train, 1))[others].reshape(n_train, -1))
    w = mg.nn.Parameter(rng.random(1))
    optimizer = mg.optim.SGD([w], lr=args.lr)
    for epoch in range(args.epochs):
        prediction, _ = kernel_regression(mg.Tensor(x_train), train_keys, train_values, w)
        loss = ((prediction - mg.Tensor(y_train)) ** 2).sum() / 2
        optimizer.zero_grad()
        loss.backward()
        w_used = w.item()                  # the loss above is this w's; print them together
        optimizer.step()                                               # w -= lr * dloss/dw
        print(f"epoch {epoch + 1}: loss {loss.item():.3f} at w {w_used:.3f}, "
              f"updated to w {w.item():.3f}")

    with mg.no_grad():
        y_learned, weights_learned = kernel_regression(mg.Tensor(x_test), keys, values, w)
    for name, y in (("non-parametric", y_plain), ("parametric", y_learned)):
        error = np.mean((y.numpy() - y_truth) ** 2)
        print(f"{name:>15}: mean squared error against the true curve {error:.3f}")

    # The fitted curves.
    os.makedirs(args.out, exist_ok=True)
    figure = Figure(figsize=(6, 3.5), layout="constrained")
    ax = figure.subplots()
    ax.plot(x_test, y_truth, label="truth")
    ax.plot(x_test, y_plain.numpy(), "--", label="non-parametric")
    ax.plot(x_test, y_learned.numpy(), "-.", label=f"parametric (w = {w.item():.2f})")
    ax.plot(x_train, y_train, "o", alpha=0.5, markersize=4, label="training samples")
    ax.set(xlabel="x", ylabel="y", xlim=(0, 5))
    ax.legend()
    path = os.path.join(args.out, "nadaraya_watson_fit.png")
    save_figure(figure, path)     # and shown inline in a notebook
    print(f"wrote {path}")

    # Which training inputs each test input attends to: a diagonal band, narrow for large w.
    # One figure each: on a shared colour scale the wide band would be too pale to see.
    for name, weights in (("non-parametric", weights_plain), ("parametric", weights_learned)):
        path = os.path.join(args.out, f"nadaraya_watson_attention_{name}.png")
        show_heatmaps(weights, xlabel="sorted training inputs", ylabel="test inputs",
                      titles=[name], path=path, figsize=(4, 3.2))
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
