"""Loom's Python client: speaks rmd's protocol (msgpack over TCP, docs/PROTOCOL.md) with
nothing but python3-msgpack.

    loom.Client(addr)      submit, status, wait, kill, jobs, nodes, cluster
    loom.Framework(addr)   request, launch, release, events, unregister (issue 8)
    loom.dask.LoomCluster  a dask.distributed cluster whose workers are Loom containers
"""

from .client import Client, FINAL_STATES
from .framework import Framework
from .wire import LoomConnectionError, LoomError

__all__ = ["Client", "Framework", "LoomError", "LoomConnectionError", "FINAL_STATES"]
