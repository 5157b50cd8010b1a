"""One small model per layer family, trained for a few steps on a synthetic task: the
issue's "a test trains a small model for each layer family to a loss below a threshold
torch reaches". Plain torch code; ``main(family)`` returns the loss curve."""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class ConvNet(nn.Module):  # conv: Conv1d, Conv2d (stride, padding, groups), ConvTranspose2d
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3, padding=1)
        self.conv2 = nn.Conv2d(4, 8, 3, stride=2, groups=2)
        self.up = nn.ConvTranspose2d(8, 4, 2, stride=2)
        self.conv1d = nn.Conv1d(4, 4, 3, padding="same", dilation=2)
        self.fc = nn.Linear(4 * 10 * 10, 3)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.up(F.relu(self.conv2(x))))
        b, c, h, w = x.shape
        x = self.conv1d(x.reshape(b, c, h * w)).reshape(b, c, h, w)
        return self.fc(torch.flatten(x, 1))


class PoolNet(nn.Module):  # pooling: max, avg, adaptive, LP, with indices and unpooling
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.pool = nn.MaxPool2d(2, return_indices=True)
        self.unpool = nn.MaxUnpool2d(2)
        self.avg = nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)
        self.lp = nn.LPPool2d(2, 2)
        self.adaptive = nn.AdaptiveMaxPool2d((2, 2))
        self.fc = nn.Linear(16 + 4, 3)

    def forward(self, x):
        x = F.relu(self.conv(x))
        pooled, indices = self.pool(x)
        x = self.avg(self.unpool(pooled, indices))
        a = self.adaptive(self.lp(x)).flatten(1)
        b = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.fc(torch.cat([a, b], 1))


class RecurrentNet(nn.Module):  # recurrent: GRU (2 layers, bidirectional), LSTM proj_size, RNNCell
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(2, 6, num_layers=2, bidirectional=True, batch_first=True)
        self.lstm = nn.LSTM(12, 5, proj_size=3, batch_first=True)
        self.cell = nn.RNNCell(3, 4, nonlinearity="relu")
        self.fc = nn.Linear(4, 1)

    def forward(self, x):
        x, _ = self.gru(x)
        x, (h, c) = self.lstm(x)
        state = torch.zeros(x.size(0), 4)
        for t in range(x.size(1)):
            state = self.cell(x[:, t], state)
        return self.fc(state).squeeze(1)


class TransformerNet(nn.Module):  # transformer: nn.Transformer with masks, norm_first, gelu
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(7, 8)
        self.transformer = nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1,
                                          num_decoder_layers=1, dim_feedforward=16,
                                          dropout=0.0, activation="gelu", batch_first=True,
                                          norm_first=True)
        self.out = nn.Linear(8, 7)

    def forward(self, src, tgt):
        mask = nn.Transformer.generate_square_subsequent_mask(tgt.size(1))
        y = self.transformer(self.embed(src), self.embed(tgt), tgt_mask=mask, tgt_is_causal=True)
        return self.out(y)


class NormNet(nn.Module):  # normalisation: BatchNorm1d, LayerNorm, GroupNorm, InstanceNorm1d, RMSNorm
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(6, 8, bias=False)  # a bias before BatchNorm gets only rounding noise
        self.bn = nn.BatchNorm1d(8)
        self.ln = nn.LayerNorm(8)
        self.gn = nn.GroupNorm(2, 8)
        self.inorm = nn.InstanceNorm1d(2, affine=True)
        self.rms = nn.RMSNorm(8)
        self.fc2 = nn.Linear(8, 1)

    def forward(self, x):
        x = F.silu(self.bn(self.fc1(x)))
        x = self.gn(self.ln(x))
        x = self.inorm(x.view(-1, 2, 4)).view(-1, 8)
        return self.fc2(self.rms(x)).squeeze(1)


class EmbeddingNet(nn.Module):  # embedding: Embedding(padding_idx, max_norm), EmbeddingBag
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(10, 4, padding_idx=0)
        self.bag = nn.EmbeddingBag(10, 4, mode="mean")
        self.fc = nn.Linear(8, 3)

    def forward(self, tokens):
        a = self.embed(tokens).sum(1)
        b = self.bag(tokens)
        return self.fc(torch.cat([a, b], 1))


def _data(family, rng):
    if family in ("conv", "pooling"):
        x = rng.randn(8, 1, 12, 12).astype(np.float32)
        y = (x[:, 0, :6].mean((1, 2)) > 0).astype(np.int64) + (x[:, 0, :, :6].mean((1, 2)) > 0)
        return (torch.from_numpy(x),), torch.from_numpy(y)
    if family == "recurrent":
        x = rng.randn(6, 5, 2).astype(np.float32)
        return (torch.from_numpy(x),), torch.from_numpy(x[:, :, 0].sum(1))
    if family == "transformer":
        src = rng.randint(1, 7, (4, 5))
        return (torch.from_numpy(src), torch.from_numpy(src[:, :4])), torch.from_numpy(src[:, 1:])
    if family == "normalization":
        x = rng.randn(10, 6).astype(np.float32)
        return (torch.from_numpy(x),), torch.from_numpy((x[:, 0] * x[:, 1]).astype(np.float32))
    tokens = rng.randint(0, 10, (8, 5))
    return (torch.from_numpy(tokens),), torch.from_numpy((tokens.sum(1) % 3).astype(np.int64))


MODELS = {"conv": (ConvNet, "ce", "sgd"), "pooling": (PoolNet, "ce", "adam"),
          "recurrent": (RecurrentNet, "mse", "adam"), "transformer": (TransformerNet, "ce", "adamw"),
          "normalization": (NormNet, "mse", "rmsprop"), "embedding": (EmbeddingNet, "ce", "adagrad")}


def main(family, steps=20, start=lambda model: model):
    cls, loss_name, optimizer_name = MODELS[family]
    inputs, target = _data(family, np.random.RandomState(0))
    model = start(cls())
    optimizer = {"sgd": lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9),
                 "adam": lambda p: torch.optim.Adam(p, lr=0.01),
                 "adamw": lambda p: torch.optim.AdamW(p, lr=0.01),
                 "rmsprop": lambda p: torch.optim.RMSprop(p, lr=0.01),
                 "adagrad": lambda p: torch.optim.Adagrad(p, lr=0.1)}[optimizer_name](model.parameters())
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        output = model(*inputs)
        if loss_name == "ce":
            loss = F.cross_entropy(output.reshape(-1, output.size(-1)), target.reshape(-1))
        else:
            loss = F.mse_loss(output, target)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    model.eval()
    with torch.no_grad():
        output = model(*inputs)
    return {"losses": losses, "model": model, "eval": output.numpy()}
