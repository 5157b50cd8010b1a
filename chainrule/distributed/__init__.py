"""torch.distributed's API on MPI (mpi4py): process groups, collectives, point-to-point.

Launch the ranks with ``mpirun -n N python train.py`` or
``python -m chainrule.distributed.run --nproc-per-node N train.py``; see
docs/distributed.md. Importing this package does not import mpi4py.
"""
from datetime import timedelta

from ._collectives import (
                           all_gather,
                           all_gather_into_tensor,
                           all_reduce,
                           all_reduce_coalesced,
                           all_to_all,
                           all_to_all_single,
                           barrier,
                           broadcast,
                           gather,
                           monitored_barrier,
                           reduce,
                           reduce_scatter,
                           reduce_scatter_tensor,
                           scatter,
)
from ._extras import (
                           get_default_backend_for_device,
                           get_pg_count,
                           new_subgroups,
                           new_subgroups_by_enumeration,
                           supports_complex,
)
from ._objects import (
                           all_gather_object,
                           broadcast_object_list,
                           gather_object,
                           recv_object_list,
                           scatter_object_list,
                           send_object_list,
)
from ._p2p import P2POp, batch_isend_irecv, irecv, isend, recv, send
from ._work import (
                           DistBackendError,
                           DistError,
                           DistNetworkError,
                           DistStoreError,
                           QueueEmptyError,
                           Work,
)
from .distributed_c10d import (
                           Backend,
                           GroupMember,
                           ProcessGroup,
                           ReduceOp,
                           default_pg_timeout,
                           destroy_process_group,
                           get_backend,
                           get_global_rank,
                           get_group_rank,
                           get_node_local_rank,
                           get_process_group_ranks,
                           get_rank,
                           get_world_size,
                           group,
                           init_process_group,
                           is_available,
                           is_backend_available,
                           is_gloo_available,
                           is_initialized,
                           is_mpi_available,
                           is_nccl_available,
                           is_torchelastic_launched,
                           is_ucc_available,
                           is_xccl_available,
                           new_group,
)

__all__ = [
    "all_gather", "all_gather_into_tensor", "all_reduce", "all_reduce_coalesced",
    "all_to_all", "all_to_all_single", "barrier", "broadcast", "gather",
    "monitored_barrier", "reduce", "reduce_scatter", "reduce_scatter_tensor", "scatter",
    "all_gather_object", "broadcast_object_list", "gather_object", "recv_object_list",
    "scatter_object_list", "send_object_list",
    "get_default_backend_for_device", "get_pg_count", "new_subgroups",
    "new_subgroups_by_enumeration", "supports_complex", "timedelta", "QueueEmptyError",
    "P2POp", "batch_isend_irecv", "irecv", "isend", "recv", "send",
    "DistBackendError", "DistError", "DistNetworkError", "DistStoreError", "Work",
    "Backend", "GroupMember", "ProcessGroup", "ReduceOp", "default_pg_timeout",
    "destroy_process_group", "get_backend", "get_global_rank", "get_group_rank",
    "get_node_local_rank", "get_process_group_ranks", "get_rank", "get_world_size", "group",
    "init_process_group", "is_available", "is_backend_available", "is_gloo_available",
    "is_initialized", "is_mpi_available", "is_nccl_available", "is_torchelastic_launched",
    "is_ucc_available", "is_xccl_available", "new_group",
]
