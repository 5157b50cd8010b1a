"""vmap: the batching interpreter (BatchedTensor, the dispatch hook's handler, the rules)."""
from ._api import vmap
from ._batched import BatchedTensor

__all__ = ["vmap", "BatchedTensor"]
