"""Loading libzsadbench (the Go library, capi/libzsadbench) and calling it.

The library is loaded on first use, not on import, so that a process that
imports zsadbench and then forks (PyTorch's DataLoader workers) starts no Go
runtime before the fork: a child forked after the first call cannot use it
(the Go runtime's threads stay behind), and is told so rather than hang. ctypes releases the GIL for the length of every
call into it.
"""

import ctypes
import os
import threading

ABI = 1  # the C interface's version this package speaks (zsad_abi)
LIBRARY = "libzsadbench.so"

# Status codes (zsadbench.h).
OK, INPUT_ERROR, INTERNAL_ERROR = 0, 1, 2
# Element types of an array's layout row.
NONE, FLOAT32, FLOAT64, UINT8 = 0, 1, 2, 3

_lock = threading.Lock()
_lib = None
_pid = None  # the process that loaded _lib


class InternalError(RuntimeError):
    """A bug in zsadbench, caught at the Go library's boundary (the host
    process goes on); the message holds the Go stack for a bug report."""


def path():
    """Where the library is: $ZSADBENCH_LIB, else beside this file."""
    return os.environ.get("ZSADBENCH_LIB") or os.path.join(os.path.dirname(os.path.abspath(__file__)), LIBRARY)


def lib():
    """The loaded library, with every function's signature declared."""
    global _lib, _pid
    with _lock:
        if _lib is None:
            _lib, _pid = _load(path()), os.getpid()
        elif _pid != os.getpid():
            # The Go runtime's threads do not survive fork: a call in the
            # child would wait for them for ever.
            raise RuntimeError(
                f"zsadbench: the Go library was loaded by process {_pid} and cannot run in its forked child "
                f"{os.getpid()}: call zsadbench in the parent, or start workers with the 'spawn' or "
                "'forkserver' method (multiprocessing.set_start_method)"
            )
        return _lib


def loaded_here():
    """Whether this process loaded the library (not a fork of one that did)."""
    return _lib is not None and _pid == os.getpid()


def _load(p):
    if not os.path.isfile(p):
        raise ImportError(
            f"zsadbench: {p} is missing: install the package with pip (its build runs "
            "`go build -buildmode=c-shared`), or build it and set $ZSADBENCH_LIB"
        )
    lib = ctypes.CDLL(p)
    i64, i64p, vp, cp = ctypes.c_int64, ctypes.POINTER(ctypes.c_int64), ctypes.c_void_p, ctypes.c_char_p
    out = ctypes.POINTER(ctypes.c_void_p)
    batch = [i64, vp, vp, vp, vp, vp]  # n, maps, map layout, masks, mask layout, scores
    sigs = {
        "zsad_abi": (ctypes.c_int, []),
        "zsad_evaluate": (ctypes.c_int, [cp, cp] + batch + [i64p, out]),
        "zsad_new": (ctypes.c_int, [cp, i64p, out]),
        "zsad_update": (ctypes.c_int, [i64, cp] + batch + [out]),
        "zsad_compute": (ctypes.c_int, [i64, out]),
        "zsad_reset": (ctypes.c_int, [i64, out]),
        "zsad_curve": (ctypes.c_int, [i64, i64, cp, i64p, vp, vp, vp, out]),
        "zsad_close": (None, [i64]),
        "zsad_open": (i64, []),
        "zsad_free": (None, [vp]),
    }
    for name, (res, args) in sigs.items():
        f = getattr(lib, name)
        f.restype, f.argtypes = res, args
    if lib.zsad_abi() != ABI:
        raise ImportError(f"zsadbench: {p} speaks interface {lib.zsad_abi()}, this package {ABI}: reinstall it")
    return lib


def call(name, *args):
    """Calls zsad_NAME(*args, &out) and returns out's text (None when the
    call sets none), raising ValueError or InternalError with the
    library's message on failure."""
    f = getattr(lib(), "zsad_" + name)
    out = ctypes.c_void_p()
    status = f(*args, ctypes.byref(out))
    text = None
    if out.value:
        try:
            text = ctypes.string_at(out.value).decode("utf-8")
        finally:
            lib().zsad_free(out)
    if status == OK:
        return text
    if status == INPUT_ERROR:
        raise ValueError(text)
    raise InternalError(text)
