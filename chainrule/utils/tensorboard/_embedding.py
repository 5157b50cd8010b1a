"""The projector plugin's files for ``SummaryWriter.add_embedding``: tensors.tsv,
metadata.tsv, sprite.png and projector_config.pbtxt, as torch's writer makes them."""
from __future__ import annotations

import io
import math
import os

import numpy as np
from tensorboard.plugins.projector.projector_config_pb2 import EmbeddingInfo

from ._convert import make_grid, make_np


def make_tsv(metadata, save_path, metadata_header=None) -> None:
    if not metadata_header:
        lines = [str(x) for x in metadata]
    else:
        if len(metadata_header) != len(metadata[0]):
            raise AssertionError("len of header must be equal to the number of columns in "
                                 "metadata")
        lines = ["\t".join(str(e) for e in row) for row in [metadata_header] + list(metadata)]
    with open(os.path.join(save_path, "metadata.tsv"), "wb") as f:
        f.write(("\n".join(lines) + "\n").encode())


def make_sprite(label_img, save_path) -> None:
    """The label images tiled into one square sprite (needs Pillow)."""
    from PIL import Image
    images = make_np(label_img)
    nrow = math.ceil(images.shape[0] ** 0.5)
    grid_chw = make_grid(images, ncols=nrow)
    square = np.zeros((grid_chw.shape[2], grid_chw.shape[2], 3))
    grid_hwc = grid_chw.transpose(1, 2, 0)
    square[: grid_hwc.shape[0], :, :] = grid_hwc
    out = io.BytesIO()
    Image.fromarray(np.uint8((square * 255).clip(0, 255))).save(out, format="PNG")
    with open(os.path.join(save_path, "sprite.png"), "wb") as f:
        f.write(out.getvalue())


def make_mat(mat, save_path) -> None:
    with open(os.path.join(save_path, "tensors.tsv"), "wb") as f:
        for row in mat:
            f.write(("\t".join(str(v.item()) for v in row) + "\n").encode())


def get_embedding_info(metadata, label_img, subdir, global_step, tag) -> EmbeddingInfo:
    info = EmbeddingInfo()
    info.tensor_name = f"{tag}:{str(global_step).zfill(5)}"
    info.tensor_path = os.path.join(subdir, "tensors.tsv")
    if metadata is not None:
        info.metadata_path = os.path.join(subdir, "metadata.tsv")
    if label_img is not None:
        shape = make_np(label_img).shape
        info.sprite.image_path = os.path.join(subdir, "sprite.png")
        info.sprite.single_image_dim.extend([shape[3], shape[2]])
    return info


def write_pbtxt(save_path, contents: str) -> None:
    with open(os.path.join(save_path, "projector_config.pbtxt"), "wb") as f:
        f.write(contents.encode())
