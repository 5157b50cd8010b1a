"""``torch.Generator`` and the default generator, on NumPy's PCG64.

A chainrule Generator wraps a ``numpy.random.Generator``; ``manual_seed(s)`` makes its
stream reproducible. The streams are NumPy's, not torch's (torch uses a Mersenne Twister
and its own transforms), so seeded programs draw different numbers from the same
distributions (docs/differences.md). The state is a uint8 tensor, as torch's is, but it
holds PCG64's 48 bytes rather than torch's 5056.
"""
from __future__ import annotations

import contextlib
import os

import numpy as np

__all__ = ["Generator", "default_generator", "manual_seed", "seed", "initial_seed",
           "get_rng_state", "set_rng_state", "fork_rng"]

DEFAULT_SEED = 67280421310721  # torch's default seed
_STATE_BYTES = 48  # PCG64 state (16) and increment (16), the cached uint32 (4 + 4), seed (8)
_MASK64 = (1 << 64) - 1
_MASK128 = (1 << 128) - 1
_CUDA_GENERATOR = ("Cannot get CUDA generator without ATen_cuda library. PyTorch splits its "
                   "backend into two shared libraries: a CPU library and a CUDA library; this "
                   "error has occurred because you are trying to use some CUDA functionality, "
                   "but the CUDA library has not been loaded by the dynamic linker for some "
                   "reason.")


def _seed_value(seed) -> int:
    """A seed as torch reads it: any integer in [-2**63, 2**64), kept modulo 2**64."""
    if isinstance(seed, (bool, int)) or (hasattr(seed, "__index__") and
                                         not isinstance(seed, float)):
        try:
            value = int(seed.__index__())
        except TypeError:
            value = None
        if value is not None:
            if not -(1 << 63) <= value <= _MASK64:
                raise ValueError("Overflow when unpacking long long")
            return value & _MASK64
    raise RuntimeError(f"manual_seed expected a long, but got {type(seed).__name__}")


def _numpy_generator(seed: int):
    return np.random.Generator(np.random.PCG64(seed))


class Generator:
    """A random-number stream: ``Generator().manual_seed(0)``, passed as ``generator=`` to
    every random function (rand, randn, randint, randperm, bernoulli, multinomial, normal,
    poisson, and the in-place ``uniform_``, ``normal_`` ...).

    >>> import chainrule as torch
    >>> g = torch.Generator().manual_seed(42)
    >>> a = torch.rand(3, generator=g)
    >>> b = torch.rand(3, generator=torch.Generator().manual_seed(42))
    >>> bool((a == b).all())
    True
    """

    __slots__ = ("_gen", "_seed", "__weakref__")

    def __init__(self, device="cpu"):
        from ._device import device as _device
        dev = device if isinstance(device, _device) else _device(device)
        if dev.type == "cuda":
            raise RuntimeError(_CUDA_GENERATOR)
        if dev.type != "cpu":
            raise RuntimeError(f"chainrule has no '{dev.type}' generator: only the CPU one")
        self._seed = DEFAULT_SEED
        self._gen = _numpy_generator(DEFAULT_SEED)

    @property
    def device(self):
        from ._device import cpu
        return cpu

    def manual_seed(self, seed) -> "Generator":
        """Reseed: the same seed gives the same stream. Returns this generator."""
        self._seed = _seed_value(seed)
        self._gen = _numpy_generator(self._seed)
        return self

    def seed(self) -> int:
        """Reseed from the operating system's entropy; returns the new seed."""
        value = int.from_bytes(os.urandom(8), "little")
        self.manual_seed(value)
        return value

    def initial_seed(self) -> int:
        """The seed this generator was last seeded with."""
        return self._seed

    def get_state(self):
        """The generator's state as a uint8 tensor (``set_state`` restores it)."""
        from ._creation import from_numpy
        return from_numpy(np.frombuffer(self._state_bytes(), dtype=np.uint8).copy())

    def set_state(self, new_state) -> "Generator":
        """Restore a state from ``get_state``. Returns this generator."""
        from ._tensor import Tensor
        if not isinstance(new_state, Tensor) or new_state._data.dtype != np.uint8:
            got = type(new_state).__name__ if not isinstance(new_state, Tensor) else \
                f"torch.{_legacy_name(new_state)}"
            raise TypeError(f"expected a torch.ByteTensor, but got {got}")
        raw = np.ascontiguousarray(new_state._data).reshape(-1)
        if raw.size != _STATE_BYTES:
            raise RuntimeError(f"Expected a CPUGeneratorImplState of size {_STATE_BYTES} but "
                               f"found the input RNG state size to be {raw.size}")
        self._load_state_bytes(raw.tobytes())
        return self

    def clone_state(self) -> "Generator":
        """A new generator in this one's state."""
        other = Generator.__new__(Generator)
        other._seed = self._seed
        other._gen = _numpy_generator(0)
        other._gen.bit_generator.state = self._gen.bit_generator.state
        return other

    def _state_bytes(self) -> bytes:
        st = self._gen.bit_generator.state
        inner = st["state"]
        return (int(inner["state"]).to_bytes(16, "little") +
                int(inner["inc"]).to_bytes(16, "little") +
                int(st["has_uint32"]).to_bytes(4, "little") +
                int(st["uinteger"]).to_bytes(4, "little") +
                self._seed.to_bytes(8, "little"))

    def _load_state_bytes(self, raw: bytes) -> None:
        state = int.from_bytes(raw[0:16], "little") & _MASK128
        inc = int.from_bytes(raw[16:32], "little") & _MASK128
        self._gen.bit_generator.state = {
            "bit_generator": "PCG64", "state": {"state": state, "inc": inc},
            "has_uint32": int.from_bytes(raw[32:36], "little") & 1,
            "uinteger": int.from_bytes(raw[36:40], "little")}
        self._seed = int.from_bytes(raw[40:48], "little")

    def __reduce__(self):
        return (_rebuild_generator, (self._state_bytes(),))

    def __repr__(self) -> str:
        return f"<chainrule.Generator object at {id(self):#x}>"


def _rebuild_generator(raw: bytes) -> Generator:
    g = Generator()
    g._load_state_bytes(raw)
    return g


def _legacy_name(t) -> str:
    from ._legacy import type_name
    return type_name(t.dtype)


default_generator = Generator()


def manual_seed(seed) -> Generator:
    """Seed the default generator (and, were there one, every GPU's); returns it.

    Streams are NumPy's PCG64, reproducible from the seed but not equal to torch's.
    """
    return default_generator.manual_seed(seed)


def seed() -> int:
    """Seed the default generator from the operating system's entropy; returns the seed."""
    return default_generator.seed()


def initial_seed() -> int:
    """The default generator's seed."""
    return default_generator.initial_seed()


def get_rng_state():
    """The default generator's state (a uint8 tensor)."""
    return default_generator.get_state()


def set_rng_state(new_state) -> None:
    """Restore the default generator's state from ``get_rng_state``."""
    default_generator.set_state(new_state)


@contextlib.contextmanager
def fork_rng(devices=None, enabled: bool = True, _caller: str = "fork_rng",
             _devices_kw: str = "devices", device_type: str = "cuda"):
    """Run a block with the default generator's state saved and restored afterwards
    (there are no GPU generators to fork)."""
    if not enabled:
        yield
        return
    state = default_generator._state_bytes()
    try:
        yield
    finally:
        default_generator._load_state_bytes(state)


def resolve(generator):
    """The NumPy generator behind ``generator`` (None: the default one), with torch's
    TypeError for anything that is not a Generator."""
    if generator is None:
        return default_generator._gen
    if isinstance(generator, Generator):
        return generator._gen
    raise TypeError(f"argument 'generator' must be torch.Generator, not "
                    f"{type(generator).__name__}")
