"""``nn.Parameter``: a leaf Tensor that a Module registers as one of its parameters."""
from __future__ import annotations

from .._tensor import Tensor

__all__ = ["Buffer", "Parameter"]


class Parameter(Tensor):
    """A Tensor that is a module parameter: assigning one to a Module attribute registers
    it. It shares storage and version counter with ``data`` (like torch's
    ``_make_subclass``) and prints as ``Parameter containing:``.

    >>> import chainrule as torch
    >>> torch.nn.Parameter(torch.tensor([1.0, 2.0]))
    Parameter containing:
    tensor([1., 2.], requires_grad=True)
    """

    _is_param = True

    def __new__(cls, data: Tensor | None = None,  # noqa: PYI034
                requires_grad: bool = True) -> Parameter:
        if data is None:
            from .._creation import empty
            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter(): argument 'data' (position 1) must be Tensor, not "
                            f"{type(data).__name__}")
        p = cls._make(data._data)
        p._vc = data._version_counter()
        p._set_requires_grad(requires_grad, "Only")
        return p

    def __reduce_ex__(self, protocol):
        return (_rebuild_parameter, (self._data, self._rg))


def _rebuild_parameter(data, requires_grad: bool) -> Parameter:
    return Parameter(Tensor._make(data), requires_grad)


class _BufferMeta(type):
    def __instancecheck__(cls, obj) -> bool:
        return isinstance(obj, Tensor) and getattr(obj, "_is_buffer", False)


class Buffer(metaclass=_BufferMeta):
    """``nn.Buffer(t, persistent=True)``: a detached tensor marked to register as a buffer
    when assigned to a Module attribute (``persistent=False`` keeps it out of the
    state_dict). Like torch, it returns a plain Tensor carrying the mark."""

    def __new__(cls, data: Tensor | None = None, *, persistent: bool = True) -> Tensor:
        if data is None:
            from .._creation import empty
            data = empty(0)
        t = data.detach().requires_grad_(data.requires_grad)
        t.persistent = persistent
        t._is_buffer = True
        return t


from ..multiprocessing.reductions import register_tensor_class  # noqa: E402

register_tensor_class(Parameter)  # sent between processes through shared memory
