"""Neural-network layers, losses and initialisers, as in ``torch.nn``.

Everything here is a client of chainrule's public API: layers compute with
its ops, and their gradients come from the autodiff engine.
"""
from . import functional, init, utils
from .activation import GELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from .container import ModuleList, Sequential
from .dropout import Dropout
from .embedding import Embedding
from .linear import Flatten, Identity, Linear
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, MSELoss, MultiMarginLoss, NLLLoss
from .module import Module, Parameter
from .normalization import BatchNorm1d, BatchNorm2d, LayerNorm


def _optional(module, names):
    # convolution.py and recurrent.py are written alongside this package;
    # until a file exists its names are simply absent (any other error shows).
    try:
        loaded = __import__(f"{__name__}.{module}", fromlist=names)
    except ModuleNotFoundError as err:
        if err.name != f"{__name__}.{module}":
            raise
        return
    globals().update({name: getattr(loaded, name) for name in names})


_optional("convolution", ["Conv1d", "Conv2d", "MaxPool1d", "MaxPool2d", "AvgPool2d"])
_optional("recurrent", ["RNN", "GRU", "LSTM"])
