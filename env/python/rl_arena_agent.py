"""rl_arena_agent: speak the RL-Arena agent protocol from Python (one file, no dependencies).

    from rl_arena_agent import serve

    def act(observation, info, ctx):
        return 1

    serve(act)

The referee writes one JSON object per line on stdin: ``init`` (answered with ``{"ready": true}``),
then ``step`` messages (answered with ``{"action": ...}``), then ``end``. stdout carries only
these answers: while serving, ``print`` goes to stderr, which is the agent's log.

Observations arrive as numpy arrays when numpy can be imported (float32 for the Box spaces of
pong, like the original platform), as plain lists otherwise. Set RL_ARENA_NUMPY=0 to force lists.
"""
import inspect
import json
import os
import sys

__all__ = ["serve", "Context", "to_observation", "HAVE_NUMPY"]

try:
    if os.environ.get("RL_ARENA_NUMPY", "1") == "0":
        raise ImportError("disabled by RL_ARENA_NUMPY=0")
    import numpy as _np
    HAVE_NUMPY = True
except ImportError:
    _np = None
    HAVE_NUMPY = False

_served = False
# The real stdout, captured before anyone redirects print() to stderr.
_protocol_out = sys.stdout


class Context:
    """What the agent knows besides the observation."""

    def __init__(self, init):
        self.player = init["player"]
        self.env = init.get("env", {})
        self.seed = init.get("seed")
        self.limits = init.get("limits", {})
        self.step = 0
        self.remaining_overage_s = self.limits.get("time_bank_s", 0)
        self.result = None

    def __repr__(self):
        return "Context(player=%r, env=%r, step=%r)" % (self.player, self.env.get("id"), self.step)


def to_observation(value, space=None):
    """Converts a JSON observation to numpy arrays (when numpy is present) following its space."""
    if _np is None:
        return value
    kind = space.get("type") if isinstance(space, dict) else None
    if kind == "dict" and isinstance(value, dict):
        spaces = space.get("spaces", {})
        return {k: to_observation(v, spaces.get(k)) for k, v in value.items()}
    if isinstance(value, dict):
        return {k: to_observation(v) for k, v in value.items()}
    if isinstance(value, list):
        try:
            if kind == "box":
                return _np.asarray(value, dtype=space.get("dtype", "float32"))
            array = _np.asarray(value)
            return array if array.dtype != object else value
        except (ValueError, TypeError):
            return value
    return value


def _json_default(value):
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "item"):
        return value.item()
    raise TypeError("action of type %s is not JSON serialisable" % type(value).__name__)


def _arity(fn):
    """How many positional arguments fn accepts (3 for *args)."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return 1
    count = 0
    for p in params:
        if p.kind == p.VAR_POSITIONAL:
            return 3
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            count += 1
    return count


def serve(act, init=None, end=None, stdin=None, stdout=None):
    """Serves one match: act(observation[, info[, ctx]]) is called for every step.

    ``init(ctx)`` runs once before ``{"ready": true}`` is sent (load models there, within the
    init timeout); ``end(result, ctx)`` runs with the match result. Returns the result dict,
    or None when stdin closes before the end message.
    """
    global _served
    _served = True
    source = stdin or sys.stdin
    out = stdout or _protocol_out
    saved_stdout = sys.stdout
    sys.stdout = sys.stderr  # print() inside the agent goes to the log, not the protocol
    n_args = _arity(act)
    ctx = None
    obs_space = None

    def send(obj):
        out.write(json.dumps(obj, default=_json_default, separators=(",", ":")) + "\n")
        out.flush()

    try:
        for line in source:
            if not line.strip():
                continue
            message = json.loads(line)
            kind = message.get("type")
            if kind == "init":
                ctx = Context(message)
                obs_space = ctx.env.get("observation_space")
                if init is not None:
                    init(ctx)
                send({"ready": True})
            elif kind == "step":
                if ctx is None:
                    raise RuntimeError("protocol: step message before init")
                ctx.step = message["step"]
                ctx.remaining_overage_s = message.get("remaining_overage_s", 0)
                observation = to_observation(message.get("observation"), obs_space)
                info = message.get("info", {})
                args = (observation, info, ctx)[: max(1, min(n_args, 3))]
                send({"action": act(*args)})
            elif kind == "end":
                if ctx is not None:
                    ctx.result = message.get("result")
                    if end is not None:
                        end(ctx.result, ctx)
                return message.get("result")
        return None
    finally:
        sys.stdout = saved_stdout
