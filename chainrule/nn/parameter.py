"""``nn.Parameter``: a leaf Tensor that a Module registers as one of its parameters."""
from __future__ import annotations

from .._tensor import Tensor

__all__ = ["Buffer", "Parameter", "UninitializedBuffer", "UninitializedParameter",
           "UninitializedTensorMixin", "is_lazy"]


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

    def __deepcopy__(self, memo):
        # torch's: a fresh parameter on a copy of the data; the gradient is not copied
        if id(self) not in memo:
            memo[id(self)] = type(self)(self.data.clone(), self.requires_grad)
        return memo[id(self)]

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


_UNINIT_SHAPE_MSG = (
    "Can't access the shape of an uninitialized parameter or buffer. This error usually "
    "happens in `load_state_dict` when trying to load an uninitialized parameter into an "
    "initialized one. Call `forward` to initialize the parameters before accessing their "
    "attributes.")


class UninitializedTensorMixin:
    """What UninitializedParameter and UninitializedBuffer share: no shape until
    ``materialize(shape)`` turns the object into its ``cls_to_become`` in place."""

    cls_to_become: type = Tensor

    def materialize(self, shape, device=None, dtype=None) -> None:
        """Give the tensor real (uninitialised) storage of ``shape`` and make it a plain
        Parameter (or Tensor)."""
        from .._creation import empty
        if dtype is None:
            dtype = self.dtype
        self._data = empty(shape, dtype=dtype, device=device)._data
        self.__class__ = self.cls_to_become

    @property
    def shape(self):
        raise RuntimeError(_UNINIT_SHAPE_MSG)

    def size(self, dim: int | None = None):
        from .._size import Size
        return Size(self._data.shape) if dim is None else Tensor.size(self, dim)

    def share_memory_(self):
        raise RuntimeError("Can't share memory on an uninitialized parameter or buffer. Call "
                           "`forward` to initialize the parameters before calling "
                           "`module.share_memory()`.")

    def __repr__(self) -> str:
        return f"<{self.__class__.__name__}>"

    __str__ = __repr__

    def __reduce_ex__(self, proto):
        return (self.__class__, (self.requires_grad,))


def is_lazy(param) -> bool:
    """Whether ``param`` is an UninitializedParameter or UninitializedBuffer."""
    return isinstance(param, UninitializedTensorMixin)


def _empty_of(device, dtype) -> Tensor:
    from .._creation import empty
    return empty(0, device=device, dtype=dtype)


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """A Parameter whose shape is not known yet (what Lazy modules hold until their first
    forward); ``materialize(shape)`` makes it a Parameter.

    >>> import chainrule as torch
    >>> torch.nn.parameter.UninitializedParameter()
    <UninitializedParameter>
    """

    cls_to_become = Parameter

    def __new__(cls, requires_grad: bool = True, device=None, dtype=None):  # noqa: PYI034
        return Parameter.__new__(cls, _empty_of(device, dtype), requires_grad)

    def __deepcopy__(self, memo):
        if id(self) not in memo:
            memo[id(self)] = type(self)(self.requires_grad, self.device, self.dtype)
        return memo[id(self)]


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    """A buffer whose shape is not known yet; ``materialize(shape)`` makes it a Tensor."""

    cls_to_become = Tensor

    def __new__(cls, requires_grad: bool = False, device=None, dtype=None,  # noqa: PYI034
                persistent: bool = True):
        t = cls._make(_empty_of(device, dtype)._data)
        t._set_requires_grad(requires_grad, "Only")
        t.persistent = persistent
        t._is_buffer = True
        return t

    def __deepcopy__(self, memo):
        if id(self) not in memo:
            memo[id(self)] = type(self)(self.requires_grad, self.device, self.dtype,
                                        self.persistent)
        return memo[id(self)]


from ..multiprocessing.reductions import register_tensor_class  # noqa: E402

register_tensor_class(Parameter)  # sent between processes through shared memory
