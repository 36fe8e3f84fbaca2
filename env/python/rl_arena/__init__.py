"""Compatibility shim: just enough of the original rl_arena package for agents to import."""
