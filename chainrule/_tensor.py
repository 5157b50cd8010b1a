"""Tensor: an array plus the autograd state torch keeps beside it.

Op methods (``x.sin()``, ``x + y``) are attached by ``chainrule.ops`` when each op is
registered, so an op is declared in one place; this file holds state and conversions.
"""
from __future__ import annotations

import warnings

from . import _dtypes, _memory
from ._device import META
from ._meta import MetaArray
from ._size import Size
from .autograd.grad_mode import _tls
from .autograd.graph import AccumulateGrad
from .backend import cpu, namespace_of

_META_ITEM = "Tensor.item() cannot be called on meta tensors"
_META_NUMPY = ("can't convert meta device type tensor to numpy. Use Tensor.cpu() to copy "
               "the tensor to host memory first.")

__all__ = ["Tensor"]

_NONLEAF_GRAD_WARNING = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
    "attribute won't be populated during autograd.backward(). If you indeed want the .grad "
    "field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. "
    "If you access the non-leaf Tensor by mistake, make sure you access the leaf Tensor "
    "instead. See github.com/pytorch/pytorch/pull/30531 for more information.")


def _float_required_error(name: str = "Only") -> RuntimeError:
    return RuntimeError(f"{name} Tensors of floating point and complex dtype can require gradients")


class Tensor:
    """A multi-dimensional array that can record the operations applied to it.

    >>> import chainrule as torch
    >>> x = torch.tensor([1.0, 2.0], requires_grad=True)
    >>> (x * x).sum().backward()
    >>> x.grad
    tensor([2., 4.])
    """

    __slots__ = ("_data", "_rg", "grad_fn", "_output_nr", "_vc", "__dict__", "__weakref__")
    # Rarely-set state lives in the instance __dict__, with these class-level defaults, so
    # making a Tensor on the hot path sets only the four slots above.
    # _vc: the version counter [n], shared by views; made on first need.
    _grad = None
    _base = None               # the tensor this one is a view of
    _retains_grad = False
    _hooks = None              # leaf gradient hooks
    _post_acc_hooks = None
    _acc_ref = None            # weakref to this leaf's AccumulateGrad
    _inference = False
    _is_param = False
    _no_grad_view = False      # a view of a tensor requiring grad, made under no_grad
    __array_priority__ = 1000  # NumPy defers to Tensor: np.float64(2) * t is a Tensor (torch)
    _view_meta = None          # why this view may not be modified in place (ops/_views.py)
    _grad_dtype = False        # a leaf's grad_dtype: False its own dtype, None any (_misc.py)

    def __new__(cls, *args, **kwargs):
        """``Tensor(data)`` or ``Tensor(*sizes)``: the legacy float32 constructor."""
        from ._creation import tensor, zeros
        if args and all(isinstance(a, int) and not isinstance(a, bool) for a in args):
            return zeros(*args)
        if not args:
            return zeros(0)
        return tensor(args[0], dtype=_dtypes.get_default_dtype())

    # ------------------------------------------------------------------ construction
    @classmethod
    def _make(cls, data, requires_grad=False, grad_fn=None, output_nr=0):
        t = object.__new__(cls)
        t._data = data
        t._rg = requires_grad
        t.grad_fn = grad_fn
        t._output_nr = output_nr
        t._vc = None
        if _tls.inference:
            t._inference = True
        return t

    # ------------------------------------------------------------------ metadata
    @property
    def data(self) -> "Tensor":
        """The same storage, detached from the graph and from version tracking (torch's
        ``.data``: changes made through it are invisible to autograd's checks)."""
        return Tensor._make(self._data)

    @data.setter
    def data(self, value: "Tensor") -> None:
        # torch's set_data: new storage, same version counter
        if not isinstance(value, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(value).__name__}")
        self._data = value._data

    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    def size(self, dim: int | None = None):
        if dim is None:
            return self.shape
        return self._data.shape[_wrap_dim(dim, self._data.ndim)]

    def dim(self) -> int:
        return self._data.ndim

    ndimension = dim

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def numel(self) -> int:
        return self._data.size

    nelement = numel

    def element_size(self) -> int:
        return self._data.itemsize

    @property
    def dtype(self) -> _dtypes.dtype:
        return _dtypes._BY_NP[self._data.dtype]

    @property
    def device(self):
        return META if self._data.__class__ is MetaArray else cpu

    @property
    def is_meta(self) -> bool:
        return self._data.__class__ is MetaArray

    @property
    def is_cpu(self) -> bool:
        return self._data.__class__ is not MetaArray

    @property
    def is_cuda(self) -> bool:
        return False

    @property
    def layout(self) -> str:
        return "torch.strided"

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind in "fV"

    def is_complex(self) -> bool:
        return self._data.dtype.kind == "c"

    def is_contiguous(self, memory_format=None) -> bool:
        if self._data.__class__ is MetaArray:  # a meta tensor shows a contiguous layout
            return True
        return bool(self._data.flags.c_contiguous)

    def stride(self, dim: int | None = None):
        """Steps between neighbouring elements of each dimension, in elements."""
        strides = _memory.element_strides(self._data)  # (a meta tensor's: contiguous)
        return strides if dim is None else strides[_wrap_dim(dim, self._data.ndim)]

    def storage_offset(self) -> int:
        """Elements from the start of the storage to this tensor's first element."""
        return _memory.storage_offset(self._data)

    def _storage_span(self) -> tuple:
        """(address of the storage's first byte, its size in bytes): what a storage object
        of this tensor reports as ``data_ptr()`` and ``nbytes()``; equal for all views."""
        return _memory.storage_span(self._data)

    def _is_view(self) -> bool:
        return self._base is not None

    def data_ptr(self) -> int:
        if self._data.__class__ is MetaArray:
            return 0
        return self._data.__array_interface__["data"][0]

    def is_inference(self) -> bool:
        return self._inference

    @property
    def _version(self) -> int:
        vc = self._vc
        return 0 if vc is None else vc[0]

    def _version_counter(self) -> list:
        vc = self._vc
        if vc is None:
            base = self._base
            vc = base._version_counter() if base is not None else [0]
            self._vc = vc
        return vc

    def _bump_version(self) -> None:
        vc = self._vc or self._version_counter()
        vc[0] += 1
        if len(vc) > 1:  # live views of this memory: regenerate their grad_fn
            _REFRESH_VIEWS[0](vc)

    # ------------------------------------------------------------------ autograd state
    @property
    def requires_grad(self) -> bool:
        return self._rg

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self._set_requires_grad(value, "only")

    def _set_requires_grad(self, value: bool, word: str) -> None:
        value = bool(value)
        if self.grad_fn is not None:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables." + ("" if value else
                " If you want to use a computed variable in a subgraph that doesn't require "
                "differentiation use var_no_grad = var.detach()."))
        if value and self._data.dtype.kind not in "fcV":
            raise _float_required_error(word)
        if value and self._inference and not _tls.inference:
            raise RuntimeError("Setting requires_grad=True on inference tensor outside "
                               "InferenceMode is not allowed.")
        self._rg = value

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        if requires_grad and self.grad_fn is not None:
            return self  # a non-leaf already requires grad (torch: a no-op)
        if requires_grad and self.grad_fn is None and self._data.dtype.kind not in "fcV":
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self._set_requires_grad(requires_grad, "only")
        return self

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def grad(self):
        if self.grad_fn is not None and not self._retains_grad:
            warnings.warn(_NONLEAF_GRAD_WARNING, UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad "
                                f"of type {type(value).__name__}")
            if value._data.shape != self._data.shape:
                raise RuntimeError(f"attempting to assign a gradient of size "
                                   f"'{list(value._data.shape)}' to a tensor of size "
                                   f"'{list(self._data.shape)}'. Please ensure that the gradient "
                                   "and the tensor are the same size")
            gd = self._grad_dtype
            want = self._data.dtype if gd is False else (None if gd is None else gd.np)
            if want is not None and value._data.dtype != want:
                from ._dtypes import _BY_NP
                from ._factory import c_type_name, scalar_type_name
                raise RuntimeError(
                    f"attempting to assign a gradient with dtype "
                    f"'{c_type_name(_BY_NP[value._data.dtype])}' to a tensor with grad_dtype "
                    f"'{scalar_type_name(_BY_NP[want])}'. The gradient must match the tensor's "
                    "grad_dtype (defaults to the tensor's dtype). You can set the tensor's "
                    "grad_dtype attribute with a specific dtype, or None to allow any dtype. Set "
                    "grad_dtype with caution. Diverging the dtypes of a tensor and its gradient "
                    "may break downstream systems that assume they match.")
        self._grad = value

    @grad.deleter
    def grad(self) -> None:
        self._grad = None

    @property
    def output_nr(self) -> int:
        return self._output_nr

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor during backward."""
        if self.grad_fn is None:
            if not self._rg:
                raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
            return
        if self._retains_grad:
            return
        import weakref
        node = self.grad_fn
        if node._retained is None:
            node._retained = []
        node._retained.append((self._output_nr, weakref.ref(self)))
        node._has_hooks = True
        self._retains_grad = True

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    def register_hook(self, hook):
        """Run ``hook(grad)`` when this tensor's gradient is computed; a returned tensor
        replaces the gradient. Returns a handle with ``.remove()``."""
        if not self._rg:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            return self.grad_fn._add_tensor_hook(self._output_nr, hook)
        from .autograd.graph import _RemovableHandle
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)
        return _RemovableHandle(self._hooks, hook)

    def register_post_accumulate_grad_hook(self, hook):
        """Run ``hook(tensor)`` after a leaf's ``.grad`` has been accumulated."""
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf "
                               "tensors")
        from .autograd.graph import _RemovableHandle
        if self._post_acc_hooks is None:
            self._post_acc_hooks = []
        self._post_acc_hooks.append(hook)
        return _RemovableHandle(self._post_acc_hooks, hook)

    def _reset_grad(self, set_to_none: bool = True) -> None:
        """What ``zero_grad`` does to one tensor: drop ``.grad``, or zero it in place
        (detached first, as torch does)."""
        grad = self._grad
        if grad is None:
            return
        if set_to_none:
            self._grad = None
            return
        if grad.grad_fn is not None:
            grad.detach_()
        else:
            grad.requires_grad_(False)
        grad.zero_()

    def _accumulator(self) -> AccumulateGrad | None:
        """This leaf's AccumulateGrad node: one per leaf while any graph holds it (None for a
        view made under no_grad, which requires grad but, as in torch, has no edge)."""
        if self._no_grad_view:
            return None
        ref = self._acc_ref
        node = ref() if ref is not None else None
        if node is None:
            import weakref
            node = AccumulateGrad(self)
            self._acc_ref = weakref.ref(node)
        return node

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Compute the gradient of this tensor w.r.t. the graph leaves (see
        ``chainrule.autograd.backward``)."""
        from .autograd import backward
        backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def detach(self) -> "Tensor":
        """A tensor sharing this one's storage, outside the graph."""
        out = Tensor._make(self._data)
        out._vc = self._version_counter()  # shares the version counter, like torch
        return out

    def detach_(self) -> "Tensor":
        if self._base is not None and self._base._rg:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self.grad_fn = None
        self._rg = False
        return self

    # ------------------------------------------------------------------ conversions
    def numpy(self, *, force: bool = False):
        if self._rg and not force and _tls.grad_enabled:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. "
                               "Use tensor.detach().numpy() instead.")
        if self._data.dtype.kind == "V":  # bfloat16: NumPy has none (torch's refusal)
            raise TypeError("Got unsupported ScalarType BFloat16")
        if self._data.__class__ is MetaArray:
            raise TypeError(_META_NUMPY)
        return self._data

    def __array__(self, dtype=None, copy=None):
        if self._rg and _tls.grad_enabled:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. "
                               "Use tensor.detach().numpy() instead.")
        arr = self._data
        if arr.__class__ is MetaArray:
            raise TypeError(_META_NUMPY)
        if arr.dtype.kind == "V":
            raise TypeError("Got unsupported ScalarType BFloat16")
        if dtype is not None and arr.dtype != dtype:
            return arr.astype(dtype)
        return arr.copy() if copy else arr

    def item(self):
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted "
                               "to Scalar")
        return self._one()

    def _one(self):
        """The one element's Python value (torch's refusal for a meta tensor)."""
        if self._data.__class__ is MetaArray:
            raise RuntimeError(_META_ITEM)
        return self._data.reshape(()).item()

    def tolist(self):
        if self._data.__class__ is MetaArray:
            raise NotImplementedError("Cannot copy out of meta tensor; no data!")
        return self._data.tolist()

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def _scalar(self, kind: str):
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return self._one()

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self._one())

    def __float__(self) -> float:
        return float(self._scalar("float"))

    def __int__(self) -> int:
        return int(self._scalar("int"))

    def __complex__(self) -> complex:
        return complex(self._scalar("complex"))

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an "
                            "index")
        return int(self._one())

    def __hash__(self) -> int:
        return id(self)

    def __contains__(self, element) -> bool:
        """``element in t``: whether any entry equals ``element`` (torch's rule)."""
        import numbers
        if isinstance(element, (Tensor, numbers.Number)):
            return bool((element == self).any().item())
        raise RuntimeError("Tensor.__contains__ only supports Tensor or scalar, but you passed in "
                           f"a {type(element)}.")

    def __repr__(self, *, tensor_contents=None) -> str:
        from ._printing import format_meta, format_tensor
        try:  # torch prints the node type's name (NotImplemented, CopySlices)
            fn = self.grad_fn
            name = None if fn is None else type(fn).__name__
        except RuntimeError:  # a view whose base changed in a way it may not follow (torch)
            name = "Invalid"
        if self._data.__class__ is MetaArray:
            return format_meta(self._data.shape, self.dtype, requires_grad=self._rg,
                               grad_fn_name=name, is_parameter=self._is_param)
        tangent = None
        if "_fw_tangent" in self.__dict__ or self._base is not None:  # a dual tensor's tangent
            from .autograd.forward_ad import tangent_of
            tangent = tangent_of(self)
        return format_tensor(self._data, self.dtype.name, requires_grad=self._rg,
                             grad_fn_name=name,
                             is_parameter=self._is_param,
                             tangent_text=None if tangent is None else repr(tangent))

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        # torch formats a 0-d tensor as its Python number (f"{loss}" prints 0.25).
        if self._data.ndim == 0:
            return format(self._data.item(), spec)
        return format(repr(self), spec)

    def __reduce_ex__(self, protocol):
        return (_rebuild, (self._data, self._rg))

    def __deepcopy__(self, memo):
        if self.grad_fn is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) "
                               "support the deepcopy protocol at the moment.  If you were "
                               "attempting to deepcopy a module, this may be because of a "
                               "torch.nn.utils.weight_norm usage, see "
                               "https://github.com/pytorch/pytorch/pull/103001")
        out = type(self)._make(self._data.copy(), self._rg)
        if self._is_param:
            out._is_param = True
        if self._grad is not None:
            out._grad = self._grad.__deepcopy__(memo)
        memo[id(self)] = out
        return out

    @property
    def xp(self):
        """The array namespace (backend) that holds this tensor's data."""
        return namespace_of(self._data)


# Set by chainrule.ops._views: regenerates the grad_fn of the live views of changed memory.
_REFRESH_VIEWS: list = [lambda vc: None]


def _rebuild(data, requires_grad):
    return Tensor._make(data, requires_grad)


def _wrap_dim(dim: int, ndim: int) -> int:
    """Normalise a possibly negative dim, raising torch's IndexError when out of range."""
    lo, hi = (-ndim, ndim - 1) if ndim > 0 else (-1, 0)
    if not lo <= dim <= hi:
        raise IndexError(f"Dimension out of range (expected to be in range of [{lo}, {hi}], "
                         f"but got {dim})")
    return dim + ndim if dim < 0 else dim
