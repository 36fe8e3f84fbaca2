"""The original platform's Agent base class, so ``from rl_arena.core.agent import Agent`` works."""


class Agent:
    """Base class of an agent: subclasses implement ``act(observation)`` (or ``get_action``)."""

    def __init__(self, player_id=0):
        self.player_id = player_id

    def act(self, observation):
        raise NotImplementedError("implement act(observation) in your Agent subclass")

    def reset(self):
        """Called between episodes; nothing to do by default."""

    def save(self, path):
        raise NotImplementedError("save() is not implemented by this agent")

    def load(self, path):
        raise NotImplementedError("load() is not implemented by this agent")
