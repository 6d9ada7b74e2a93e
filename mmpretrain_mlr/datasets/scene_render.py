"""Rendering of the shapes scenes: shapes, textured backgrounds, occlusion.

Everything is numpy and deterministic: the same spec gives the same image
and object map in every process.
"""
import math
from typing import List, Sequence, Tuple

import numpy as np

from .shapes import shape_mask as basic_shape_mask


def scene_shape_mask(shape: str, dx: np.ndarray, dy: np.ndarray,
                     radius: float, angle: float) -> np.ndarray:
    """Return which points lie inside a scene shape centred at the origin.

    Args:
        shape (str): 'circle', 'square', 'triangle' (as in the shapes demo),
            'star' (five points, inner radius 0.45), 'cross' (a plus sign,
            arms 0.6 radius wide), 'ring' (inner radius 0.55) or 'bar' (a
            2 x 0.35 radius rectangle).
        dx (np.ndarray): [H, W] x offsets of the pixel centres.
        dy (np.ndarray): [H, W] y offsets of the pixel centres.
        radius (float): Circumradius of the shape.
        angle (float): Rotation in radians.

    Returns:
        np.ndarray: [H, W] bool mask.
    """
    if shape in ('circle', 'square', 'triangle'):
        return basic_shape_mask(shape, dx, dy, radius, angle)
    cos, sin = math.cos(angle), math.sin(angle)
    u = dx * cos + dy * sin  # rotated coordinates
    v = dy * cos - dx * sin
    if shape == 'ring':
        rho2 = dx * dx + dy * dy
        return (rho2 <= radius * radius) & (rho2 >= (0.55 * radius)**2)
    if shape == 'cross':
        arm, half = 0.3 * radius, radius / math.sqrt(2)
        return (((np.abs(u) <= half) & (np.abs(v) <= arm))
                | ((np.abs(v) <= half) & (np.abs(u) <= arm)))
    if shape == 'bar':
        return (np.abs(u) <= radius) & (np.abs(v) <= 0.175 * radius)
    if shape == 'star':
        # fold the polar angle onto [0, 36 deg] (0 at a point, 36 at an
        # inner corner), then test against the straight edge from the
        # point (radius, 0) to the corner (0.45 radius at 36 deg)
        sector = 2 * math.pi / 5
        theta = np.mod(np.arctan2(v, u), sector)
        phi = np.minimum(theta, sector - theta)  # [H, W]
        px, py = radius, 0.0
        qx, qy = (0.45 * radius * math.cos(sector / 2),
                  0.45 * radius * math.sin(sector / 2))
        nx, ny = qy - py, px - qx  # normal of the edge, pointing outwards
        rho = np.sqrt(u * u + v * v)
        return rho * (nx * np.cos(phi) + ny * np.sin(phi)) <= nx * px + ny * py
    raise ValueError(f'unknown scene shape {shape!r}, expected circle, '
                     'square, triangle, star, cross, ring or bar')


def render_background(background: dict, image_size: int) -> np.ndarray:
    """Textured background: smooth colour blobs, stripes and pixel noise.

    Args:
        background (dict): ``level`` (B, G, R), ``blobs_seed``,
            ``blobs_std``, ``stripes`` (amplitude, cycles per pixel,
            orientation), ``noise_seed`` and ``noise_std``.
        image_size (int): Height and width S.

    Returns:
        np.ndarray: [S, S, 3] float32 BGR image, before noise.
    """
    size = image_size
    blobs = np.random.RandomState(background['blobs_seed']).normal(
        0, background['blobs_std'], (5, 5, 3))  # [5, 5, 3] coarse grid
    # bilinear upsampling of the coarse grid to [S, S, 3]
    pos = (np.arange(size, dtype=np.float32) + 0.5) / size * 4
    i0 = np.clip(np.floor(pos).astype(int), 0, 3)
    w = (pos - i0)[:, None]
    rows = blobs[i0] * (1 - w[..., None]) + blobs[i0 + 1] * w[..., None]
    img = (rows[:, i0] * (1 - w.T[..., None])
           + rows[:, i0 + 1] * w.T[..., None])  # [S, S, 3]
    amplitude, frequency, orientation = background['stripes']
    coords = np.arange(size, dtype=np.float32)
    phase = (coords[None, :] * math.cos(orientation)
             + coords[:, None] * math.sin(orientation))
    img = img + amplitude * np.sin(2 * math.pi * frequency * phase)[..., None]
    return img + np.asarray(background['level'], np.float32)


def render_scene(objects: Sequence[dict], background: dict,
                 image_size: int) -> Tuple[np.ndarray, np.ndarray]:
    """Draw a scene and the map of which object is visible where.

    Objects are painted in order; a later object hides what lies under it.

    Args:
        objects (Sequence[dict]): Specs with ``shape``, ``center``,
            ``radius``, ``angle`` and ``bgr``.
        background (dict): See :func:`render_background`.
        image_size (int): Height and width S.

    Returns:
        tuple: the [S, S, 3] uint8 BGR image and the [S, S] int16 object
        map (index into ``objects`` of the visible object, -1 background).
    """
    img = render_background(background, image_size)
    object_map = -np.ones((image_size, image_size), np.int16)
    for k, obj in enumerate(objects):
        mask, (y0, x0) = object_mask(obj, image_size)
        h, w = mask.shape
        img[y0:y0 + h, x0:x0 + w][mask] = obj['bgr']
        object_map[y0:y0 + h, x0:x0 + w][mask] = k
    noise = np.random.RandomState(background['noise_seed']).normal(
        0.0, background['noise_std'], img.shape)
    img = np.clip(np.rint(img + noise), 0, 255).astype(np.uint8)
    return img, object_map


def object_mask(obj: dict,
                image_size: int) -> Tuple[np.ndarray, Tuple[int, int]]:
    """The full (unoccluded) mask of one object within the image.

    Returns:
        tuple: the [h, w] bool mask over the object's clipped bounding box
        and the box's top-left corner (y0, x0).
    """
    coords = np.arange(image_size, dtype=np.float32) + 0.5
    cx, cy = obj['center']
    r = obj['radius']
    x0, x1 = max(int(cx - r), 0), min(int(math.ceil(cx + r)), image_size)
    y0, y1 = max(int(cy - r), 0), min(int(math.ceil(cy + r)), image_size)
    dx, dy = np.broadcast_arrays(coords[None, x0:x1] - cx,
                                 coords[y0:y1, None] - cy)  # [h, w]
    return scene_shape_mask(obj['shape'], dx, dy, r, obj['angle']), (y0, x0)


def _visibility(objects: Sequence[dict],
                image_size: int) -> List[Tuple[int, int]]:
    """(area, visible pixels) of each object, painted in order."""
    covered = np.zeros((image_size, image_size), bool)
    result = []
    for obj in reversed(objects):  # top-most first
        mask, (y0, x0) = object_mask(obj, image_size)
        h, w = mask.shape
        result.append((int(mask.sum()),
                       int((mask & ~covered[y0:y0 + h, x0:x0 + w]).sum())))
        covered[y0:y0 + h, x0:x0 + w] |= mask
    return result[::-1]


def resolve_occlusion(objects: List[dict], image_size: int,
                      min_visible: float, min_pixels: int = 12) -> List[dict]:
    """Leave out the objects that later objects hide too much.

    Objects with a visible share under ``min_visible`` or fewer than
    ``min_pixels`` visible pixels are dropped (dropping one only uncovers
    the objects under it). Each kept object gets ``area`` (pixels of its
    full mask inside the image) and ``visible`` (the share of it visible in
    the final scene).

    Args:
        objects (list[dict]): Specs in drawing order.
        image_size (int): Height and width S.
        min_visible (float): Least visible share of a kept object.
        min_pixels (int): Least visible pixels of a kept object.

    Returns:
        list[dict]: The kept objects, in drawing order.
    """
    kept = [
        obj for obj, (area, visible) in zip(
            objects, _visibility(objects, image_size))
        if area and visible >= min_pixels and visible >= min_visible * area
    ]
    return [
        dict(obj, area=area, visible=visible / area)
        for obj, (area, visible) in zip(kept, _visibility(kept, image_size))
    ]
