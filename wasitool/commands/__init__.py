"""Handlers of the `wasitool` subcommands; each module exposes `main(args) -> int`, imported lazily."""
