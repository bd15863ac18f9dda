"""d2l 11.2, Attention Pooling by Similarity (d2l 1.0): Nadaraya-Watson regression with the
book's four kernels, then the Gaussian kernel at the book's four widths.

    f(x) = sum_i alpha(x, x_i) y_i,   alpha(x, x_i) = k(x - x_i) / sum_j k(x - x_j)

(For the learned-width version of d2l 0.17, see nadaraya_watson.py.)

    python examples/d2l_11_2_attention_pooling.py --out out/
"""
# %%
import argparse
import os

import numpy as np
from matplotlib.figure import Figure

import minigrad as mg
from attention.heatmap_grid import save_figure

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
mg.flags.add_mode_flags(parser, readable=True)
parser.add_argument("--out", default="out", help="folder for the PNG files")
args, _ = parser.parse_known_args()      # known args only: a notebook kernel passes its own
mg.flags.apply_mode_flags(args)   # prints the backend and mode
os.makedirs(args.out, exist_ok=True)


# %% The kernels: d2l's gaussian, boxcar, constant and epanechikov
def gaussian(x):
    return (-x ** 2 / 2).exp()


def boxcar(x):
    return mg.Tensor((np.abs(x.numpy()) < 1.0).astype(float))


def constant(x):
    return 1.0 + 0 * x


def epanechikov(x):
    return (1 - mg.Tensor(np.abs(x.numpy()))).relu()


kernels = (gaussian, boxcar, constant, epanechikov)
names = ("Gaussian", "Boxcar", "Constant", "Epanechikov")

# %% The data: 40 sorted noisy samples of y = 2 sin(x) + x, validation points 0, 0.1, ..., 4.9
rng = np.random.default_rng(0)
n = 40
x_train = np.sort(rng.random(n) * 5)
y_train = 2 * np.sin(x_train) + x_train + rng.normal(0, 0.5, n)
x_val = np.arange(0, 5, 0.1)
y_val = 2 * np.sin(x_val) + x_val
print("x_train:", x_train.shape, "x_val:", x_val.shape)


# %% Nadaraya-Watson: the keys are x_train, the queries x_val, the values y_train
def nadaraya_watson(x_train, y_train, x_val, kernel):
    dists = mg.Tensor(x_train.reshape((-1, 1)) - x_val.reshape((1, -1)))   # (n_train, n_val)
    k = kernel(dists)                    # each column holds one query's kernel values
    attention_w = k / k.sum(axis=0)      # normalized over the keys
    y_hat = (mg.Tensor(y_train[None]) @ attention_w).reshape(-1)  # (1, n) @ (n, n_val) -> (n_val,)
    return y_hat, attention_w


def plot(kernels, names, attention=False):
    fig = Figure(figsize=(12, 3), layout="constrained")
    axes = fig.subplots(1, len(kernels), sharey=True)
    for kernel, name, ax in zip(kernels, names, axes):
        y_hat, attention_w = nadaraya_watson(x_train, y_train, x_val, kernel)
        if attention:
            image = ax.imshow(attention_w.numpy(), cmap="Reds", aspect="auto")
            ax.set_xlabel("validation input (query)")
        else:
            ax.plot(x_val, y_hat.numpy(), label="prediction")
            ax.plot(x_val, y_val, "m--", label="truth")
            ax.plot(x_train, y_train, "o", alpha=0.5)
            ax.set_xlabel("x")
        ax.set_title(name)
        print(f"{name}: y_hat {y_hat.shape}, attention_w {attention_w.shape}")
    if attention:
        axes[0].set_ylabel("training input (key)")
        fig.colorbar(image, ax=axes, shrink=0.7, label="attention weight")
    return fig


def save(fig, name):
    save_figure(fig, os.path.join(args.out, name))     # and shown inline in a notebook


# %% The four kernels' fits and their attention weights
save(plot(kernels, names), "attention_pooling_kernels.png")
save(plot(kernels, names, attention=True), "attention_pooling_kernels_weights.png")


# %% Adapting attention pooling: the Gaussian kernel at widths 0.1, 0.2, 0.5, 1
def gaussian_with_width(sigma):
    return lambda x: (-x ** 2 / (2 * sigma ** 2)).exp()


sigmas = (0.1, 0.2, 0.5, 1)
names = ["Sigma " + str(sigma) for sigma in sigmas]
kernels = [gaussian_with_width(sigma) for sigma in sigmas]
save(plot(kernels, names), "attention_pooling_widths.png")
save(plot(kernels, names, attention=True), "attention_pooling_widths_weights.png")
