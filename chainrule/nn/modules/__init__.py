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

# --- layer modules (torch's file names, so pickles find e.g. modules.conv.Conv2d) ---
from . import activation, adaptive, batchnorm, channelshuffle, conv, distance  # noqa: E402, I001
from . import dropout, flatten, fold, instancenorm, linear, linear_cross_entropy_options  # noqa: E402
from . import loss, normalization  # noqa: E402
from . import padding, pixelshuffle, pooling, sparse, upsampling, utils  # noqa: E402, F401
from .activation import *  # noqa: E402, F403
from .adaptive import *  # noqa: E402, F403
from .batchnorm import *  # noqa: E402, F403
from .channelshuffle import *  # noqa: E402, F403
from .conv import *  # noqa: E402, F403
from .distance import *  # noqa: E402, F403
from .dropout import *  # noqa: E402, F403
from .flatten import *  # noqa: E402, F403
from .fold import *  # noqa: E402, F403
from .instancenorm import *  # noqa: E402, F403
from .linear import *  # noqa: E402, F403
from .linear_cross_entropy_options import *  # noqa: E402, F403
from .loss import *  # noqa: E402, F403
from .normalization import *  # noqa: E402, F403
from .padding import *  # noqa: E402, F403
from .pixelshuffle import *  # noqa: E402, F403
from .pooling import *  # noqa: E402, F403
from .sparse import *  # noqa: E402, F403
from .upsampling import *  # noqa: E402, F403

__all__ = sorted(set(__all__).union(*(m.__all__ for m in (
    activation, adaptive, batchnorm, channelshuffle, conv, distance, dropout, flatten, fold,
    instancenorm, linear, linear_cross_entropy_options, loss, normalization, padding,
    pixelshuffle, pooling, sparse, upsampling))))
