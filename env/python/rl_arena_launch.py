"""Runs a Python agent module over the RL-Arena protocol: ``python3 rl_arena_launch.py agent.py``.

Accepted module shapes (the original platform's, first match wins):
  * ``create_agent(player_id)`` (or ``create_agent()``) returning an object;
  * a class ``Agent(player_id)``;
  * module-level ``act(observation[, info])`` or ``get_action(observation)`` functions;
  * a module that calls ``rl_arena_agent.serve(...)`` itself while being imported.
The object's method is ``act`` > ``get_action`` > ``predict``, called with the observation
(and ``info`` when it takes a second argument). ``from rl_arena.core.agent import Agent``
works through the small shim next to this file unless a real rl_arena is installed.
"""
import importlib.util
import inspect
import os
import sys
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))


def _pick_method(obj, owner):
    from rl_arena.core.agent import Agent as Base  # the shim (or the real package)
    for name in ("act", "get_action", "predict"):
        method = getattr(obj, name, None)
        if not callable(method):
            continue
        # The base class's act only raises; a subclass that implements get_action uses that.
        if isinstance(obj, Base) and getattr(type(obj), name, None) is getattr(Base, name, object()):
            continue
        return method
    raise TypeError("%s has no act(observation), get_action(observation) or predict(observation) method" % owner)


def _construct(factory, player, label):
    try:
        params = inspect.signature(factory).parameters
    except (TypeError, ValueError):
        params = {}
    if "player_id" in params:
        return factory(player_id=player)
    positional = [p for p in params.values() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.name != "self"]
    if positional:
        return factory(player)
    return factory()


def load(path):
    """Imports the agent file; returns the module."""
    directory = os.path.dirname(os.path.abspath(path))
    sys.path.insert(0, directory)
    sys.path.append(HERE)
    name = os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError("cannot load %s as a Python module" % path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: python3 rl_arena_launch.py <agent.py>\n")
        return 2
    path = argv[1]
    sys.path.append(HERE)
    import rl_arena_agent  # captures the real stdout for the protocol

    protocol_out = sys.stdout
    # The agent's module-level print() calls must not reach the protocol stream either.
    sys.stdout = sys.stderr

    try:
        module = load(path)
    except Exception:
        sys.stderr.write("rl-arena: could not import %s:\n%s" % (path, traceback.format_exc()))
        return 1
    if rl_arena_agent._served:
        return 0
    holder = {}

    def init(ctx):
        if callable(getattr(module, "create_agent", None)):
            agent = _construct(module.create_agent, ctx.player, "create_agent")
            holder["act"] = _pick_method(agent, "the object returned by create_agent")
        elif inspect.isclass(getattr(module, "Agent", None)) and module.Agent.__module__ == module.__name__:
            agent = _construct(module.Agent, ctx.player, "Agent")
            holder["act"] = _pick_method(agent, "Agent")
        elif callable(getattr(module, "act", None)):
            holder["act"] = module.act
        elif callable(getattr(module, "get_action", None)):
            holder["act"] = module.get_action
        elif inspect.isclass(getattr(module, "Agent", None)):
            agent = _construct(module.Agent, ctx.player, "Agent")
            holder["act"] = _pick_method(agent, "Agent")
        else:
            raise TypeError(
                "%s defines no agent: define create_agent(player_id), a class Agent(player_id) with act(observation), "
                "or a function act(observation)" % path
            )
        holder["arity"] = min(2, max(1, rl_arena_agent._arity(holder["act"])))

    def act(observation, info):
        if holder["arity"] >= 2:
            return holder["act"](observation, info)
        return holder["act"](observation)

    try:
        rl_arena_agent.serve(act, init=init, stdout=protocol_out)
    except Exception:
        sys.stderr.write("rl-arena: agent %s failed:\n%s" % (path, traceback.format_exc()))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
