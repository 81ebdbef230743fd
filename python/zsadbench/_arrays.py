"""Arrays from Python to the Go library: pointers, shapes and strides.

NumPy arrays are passed where they lie whenever the library can read them
(float32 and float64 maps; bool, uint8, int8, float32 and float64 masks; any
strides, reversed and broadcast views included); only other dtypes
(float16 maps, wider integer masks), non-native byte order and misaligned
data are converted here first. A batch keeps every array it points into
alive until the call returns.
"""

import ctypes
import numbers

import numpy as np

from . import _lib

_MAP_DTYPES = {np.dtype(np.float32): _lib.FLOAT32, np.dtype(np.float64): _lib.FLOAT64}
_MASK_DTYPES = {
    np.dtype(np.bool_): _lib.UINT8,
    np.dtype(np.uint8): _lib.UINT8,
    np.dtype(np.int8): _lib.UINT8,  # anomalous where not 0, as uint8
    np.dtype(np.float32): _lib.FLOAT32,
    np.dtype(np.float64): _lib.FLOAT64,
}


def to_numpy(x):
    """x as a NumPy array; a PyTorch tensor (on any device, with or without
    grad) through .detach().cpu().numpy(), without importing torch."""
    if all(hasattr(x, a) for a in ("detach", "cpu", "numpy")):
        x = x.detach().cpu().numpy()
    return np.asarray(x)


def _plane(a, what):
    """A 2-D view of a, which may have one extra axis of length 1 (as a
    1xHxW or HxWx1 map)."""
    if a.ndim == 3 and 1 in (a.shape[0], a.shape[2]):
        a = a[0] if a.shape[0] == 1 else a[..., 0]
    if a.ndim != 2:
        raise ValueError(f"{what}: shape {a.shape}: want (height, width)")
    return a


def _stack(a, what):
    """A 3-D view (images, height, width) of a stack, which may have a
    channel axis of length 1 ((N, 1, H, W) or (N, H, W, 1))."""
    if a.ndim == 4 and 1 in (a.shape[1], a.shape[3]):
        a = a[:, 0] if a.shape[1] == 1 else a[..., 0]
    if a.ndim != 3:
        hint = "; one image is x[None] or [x]" if a.ndim == 2 else ""
        raise ValueError(f"{what}: shape {a.shape}: want (images, height, width), or a list of (height, width) arrays{hint}")
    return a


def _readable(a, what, dtypes, convert):
    """a in one of dtypes (the library's), native byte order and aligned:
    as it is when it already is, else converted by convert(a) or copied."""
    if not a.dtype.isnative:
        a = a.astype(a.dtype.newbyteorder("="))
    if a.dtype not in dtypes:
        a = convert(a, what)
    if not a.flags.aligned:
        a = a.copy()
    return a


def _map_dtype(a, what):
    if a.dtype == np.float16:
        return a.astype(np.float32)  # exact
    raise TypeError(f"{what}: dtype {a.dtype}: want float32, float64 or float16")


def _mask_dtype(a, what):
    if a.dtype == np.float16:
        return a.astype(np.float32)  # exact
    if a.dtype.kind in "iu":
        return a != 0
    raise TypeError(f"{what}: dtype {a.dtype}: want bool, an integer type (anomalous where not 0), or a float type of 0 and 1")


def _items(x, what):
    """x as a list of 2-D arrays, or as one 3-D array."""
    if isinstance(x, (list, tuple)):
        if not x:
            raise ValueError(f"{what}: no images")
        return [_plane(to_numpy(v), f"{what}[{i}]") for i, v in enumerate(x)]
    a = to_numpy(x)
    if a.dtype == object:
        raise TypeError(f"{what}: dtype object: want a numeric array, or a list of 2-D arrays")
    a = _stack(a, what)
    if a.shape[0] == 0:
        raise ValueError(f"{what}: no images")
    return a


class Batch:
    """The ctypes arguments describing maps, masks and image scores: n,
    map pointers, map layout, mask pointers, mask layout, scores (see
    capi/libzsadbench). Keeps the arrays alive."""

    def __init__(self, maps, masks=None, scores=None):
        maps = self._arrays(maps, "maps", _MAP_DTYPES, _map_dtype)
        n = self._n(maps)
        self._keep = [maps]
        self.map_ptrs, self.map_layout = self._describe(maps, n, _MAP_DTYPES)
        self.mask_ptrs = self.mask_layout = None
        if masks is not None:
            if isinstance(masks, (list, tuple)):
                if len(masks) != n:
                    raise ValueError(f"masks: {len(masks)} masks for {n} maps")
                masks = [None if m is None else _readable(_plane(to_numpy(m), f"masks[{i}]"), f"masks[{i}]", _MASK_DTYPES, _mask_dtype) for i, m in enumerate(masks)]
            else:
                masks = self._arrays(masks, "masks", _MASK_DTYPES, _mask_dtype)
                if masks.shape[0] != n:
                    raise ValueError(f"masks: {masks.shape[0]} masks for {n} maps")
            self._check_shapes(maps, masks, n)
            self._keep.append(masks)
            self.mask_ptrs, self.mask_layout = self._describe(masks, n, _MASK_DTYPES)
        self.scores = None
        if scores is not None:
            s = to_numpy(scores)
            if s.dtype.kind not in "fiu":
                raise TypeError(f"scores: dtype {s.dtype}: want a float or integer type")
            s = np.ascontiguousarray(s, dtype=np.float64)
            if s.ndim != 1 or s.shape[0] != n:
                raise ValueError(f"scores: shape {s.shape}: want ({n},), one score per map")
            self._keep.append(s)
            self.scores = s
        self.n = n

    @staticmethod
    def _arrays(x, what, dtypes, convert):
        items = _items(x, what)
        if isinstance(items, list):
            return [_readable(a, f"{what}[{i}]", dtypes, convert) for i, a in enumerate(items)]
        return _readable(items, what, dtypes, convert)

    @staticmethod
    def _n(maps):
        return len(maps) if isinstance(maps, list) else maps.shape[0]

    @staticmethod
    def _check_shapes(maps, masks, n):
        for i in range(n):
            m = masks[i]
            if m is None:
                continue
            if m.shape != maps[i].shape:
                raise ValueError(f"masks[{i}]: shape {m.shape} differs from maps[{i}]'s {maps[i].shape}")

    @staticmethod
    def _describe(arrays, n, dtypes):
        """Pointers (uintp) and layout rows (dtype, height, width, row
        stride, column stride) of n images."""
        layout = np.zeros((n, 5), dtype=np.int64)
        if isinstance(arrays, np.ndarray):
            a = arrays
            # Image i starts stride[0] bytes after image i-1 (negative
            # strides included: data is the address of element [0, 0, 0]).
            ptrs = (a.ctypes.data + np.arange(n, dtype=np.int64) * a.strides[0]).astype(np.uintp)
            layout[:] = (dtypes[a.dtype], a.shape[1], a.shape[2], a.strides[1], a.strides[2])
            return ptrs, layout
        ptrs = np.zeros(n, dtype=np.uintp)
        for i, a in enumerate(arrays):
            if a is None:
                continue  # a normal image: dtype NONE, null pointer
            ptrs[i] = a.ctypes.data
            layout[i] = (dtypes[a.dtype], a.shape[0], a.shape[1], a.strides[0], a.strides[1])
        return ptrs, layout

    def args(self):
        """The six ctypes arguments of a batch."""

        def p(a):
            return None if a is None else a.ctypes.data_as(ctypes.c_void_p)

        return (
            ctypes.c_int64(self.n),
            p(self.map_ptrs),
            p(self.map_layout),
            p(self.mask_ptrs),
            p(self.mask_layout),
            p(self.scores),
        )


def real(name, v):
    """v as a finite float, for a setting."""
    if isinstance(v, bool) or not isinstance(v, numbers.Real):
        raise TypeError(f"{name}: {v!r}: want a number")
    f = float(v)
    if f != f or f in (float("inf"), float("-inf")):
        raise ValueError(f"{name} {v!r}: want a finite number")
    return f


def integer(name, v):
    if isinstance(v, bool) or not isinstance(v, numbers.Integral):
        raise TypeError(f"{name}: {v!r}: want an integer")
    return int(v)
