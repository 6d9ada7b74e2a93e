"""Hooks (registered into mmpretrain's HOOKS registry)."""
