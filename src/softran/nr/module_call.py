"""Whether calling a torch module would run its ``forward`` and nothing else, for slot
loops of the transmit and receive chains (TS 38.211 / TS 38.212 blocks as
``torch.nn.Module``) that call a module every slot.

``module(...)`` goes through ``torch.nn.Module.__call__`` (two Python frames and torch's
hook checks: about 2-3.5 µs warm, up to 24 µs with the caches cold, measured); where the
module has no hooks of its own, no global hooks are registered, nothing is traced and the
module is not compiled, that call does nothing but ``module.forward(...)``, so a slot path
may call ``forward`` directly. :func:`plain_call` is that test, the same as torch's own in
``Module._call_impl``, plus the check that the module's class has the ``__call__`` the
caller expects (a subclass that overrides it is called the ordinary way).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

__all__ = ["plain_call"]

_MODULE_CALL = torch.nn.Module.__call__
_HOOKS = torch.nn.modules.module


def plain_call(module: torch.nn.Module, call: Callable[..., Any] = _MODULE_CALL) -> bool:
    """Whether ``module(...)`` would call ``module.forward(...)`` and nothing else: no
    forward / backward hooks of the module's or global ones, no tracing, not compiled
    (``module.compile()``), and the class's ``__call__`` is ``call`` (torch's
    ``Module.__call__`` by default; a class that overrides ``__call__`` to take this
    shortcut itself passes its own). Infrastructure of the TS 38.211 / TS 38.212 slot
    paths (module notes), no clause of its own.

    >>> lin = torch.nn.Linear(2, 2)
    >>> plain_call(lin)
    True
    >>> handle = lin.register_forward_hook(lambda m, i, o: None)
    >>> plain_call(lin)
    False
    >>> handle.remove()
    """
    return not (module._forward_pre_hooks or module._forward_hooks or module._backward_hooks
                or module._backward_pre_hooks or _HOOKS._global_forward_pre_hooks
                or _HOOKS._global_forward_hooks or _HOOKS._global_backward_pre_hooks
                or _HOOKS._global_backward_hooks or module._compiled_call_impl is not None
                or type(module).__call__ is not call
                or torch._C._get_tracing_state())
