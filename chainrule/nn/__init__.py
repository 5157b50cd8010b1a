"""chainrule.nn: layers, losses, parameters and initialisation, mirroring torch.nn."""
from __future__ import annotations

from . import functional, init, utils
from .modules import Identity, Linear, Module, ModuleList, MSELoss, ReLU, Sequential, Sigmoid, Tanh
from .modules.multihead import MultiheadAttention
from .modules.rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell, RNNCellBase
from .modules.transformer import (
           Transformer,
           TransformerDecoder,
           TransformerDecoderLayer,
           TransformerEncoder,
           TransformerEncoderLayer,
)
from .parameter import Buffer, Parameter

__all__ = ["Buffer", "Identity", "Linear", "MSELoss", "Module", "ModuleList", "Parameter", "ReLU",
           "Sequential", "Sigmoid", "Tanh", "functional", "init"]
__all__ += ["GRU", "LSTM", "RNN", "GRUCell", "LSTMCell", "RNNBase", "RNNCell", "RNNCellBase",
            "utils"]
__all__ += ["MultiheadAttention", "Transformer", "TransformerDecoder", "TransformerDecoderLayer",
            "TransformerEncoder", "TransformerEncoderLayer"]
