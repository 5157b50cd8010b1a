"""The module classes of chainrule.nn."""
from __future__ import annotations

from .activation import ReLU, Sigmoid, Tanh
from .container import (  # nnmod
           Container,
           ModuleDict,
           ModuleList,
           ParameterDict,
           ParameterList,
           Sequential,
)
from .linear import Identity, Linear
from .loss import MSELoss
from .module import Module
from .multihead import MultiheadAttention
from .rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell, RNNCellBase
from .transformer import (
           Transformer,
           TransformerDecoder,
           TransformerDecoderLayer,
           TransformerEncoder,
           TransformerEncoderLayer,
)

__all__ = ["Identity", "Linear", "MSELoss", "Module", "ModuleList", "ReLU", "Sequential",
           "Sigmoid", "Tanh"]
__all__ += ["Container", "ModuleDict", "ParameterDict", "ParameterList"]  # nnmod
__all__ += ["GRU", "LSTM", "RNN", "GRUCell", "LSTMCell", "RNNBase", "RNNCell", "RNNCellBase"]
__all__ += ["MultiheadAttention", "Transformer", "TransformerDecoder", "TransformerDecoderLayer",
            "TransformerEncoder", "TransformerEncoderLayer"]
