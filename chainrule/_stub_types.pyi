"""The type names chainrule's generated stubs use: torch.types' vocabulary, spelled as
torch's own stubs spell it, so tools/gen_stubs.py can carry torch's signatures over
unchanged (a stub-only module: nothing runs at import)."""
from collections.abc import Callable as Callable
from collections.abc import Iterator as Iterator
from collections.abc import Sequence as Sequence
from types import EllipsisType as EllipsisType
from typing import Any as Any
from typing import Literal as Literal
from typing import TypeAlias
from typing import Union as Union

from typing_extensions import Self as Self

from . import return_types as return_types
from ._device import device as device
from ._device import layout as layout
from ._device import memory_format as memory_format
from ._dtypes import dtype as dtype
from ._generator import Generator as Generator
from ._size import Size as Size
from ._tensor import Tensor as Tensor
from .storage import TypedStorage as TypedStorage
from .storage import UntypedStorage as UntypedStorage
from .utils.hooks import RemovableHandle as RemovableHandle

_int: TypeAlias = int
_float: TypeAlias = float
_bool: TypeAlias = bool
_complex: TypeAlias = complex
SymInt: TypeAlias = int
SymFloat: TypeAlias = float
SymBool: TypeAlias = bool
IntLikeType: TypeAlias = int
Number: TypeAlias = int | float | bool
_dtype: TypeAlias = dtype
_device: TypeAlias = device
_layout: TypeAlias = layout
_qscheme: TypeAlias = Any
Device: TypeAlias = device | str | int | None
DeviceLikeType: TypeAlias = str | device | int
_size: TypeAlias = Size | list[int] | tuple[int, ...]
_symsize: TypeAlias = Size | Sequence[int]
Storage: TypeAlias = TypedStorage | UntypedStorage
_scalar_or_tuple_any_t: TypeAlias = Any
_size_any_t: TypeAlias = int | tuple[int, ...]
_size_1_t: TypeAlias = int | tuple[int]
_size_2_t: TypeAlias = int | tuple[int, int]
_size_3_t: TypeAlias = int | tuple[int, int, int]
_size_2_opt_t: TypeAlias = int | None | tuple[int | None, int | None]
_size_3_opt_t: TypeAlias = int | None | tuple[int | None, int | None, int | None]
_ratio_any_t: TypeAlias = float | tuple[float, ...]
_TensorOrTensors: TypeAlias = Tensor | Sequence[Tensor]
