"""A Gmail API emulator the real google-api-python-client talks to. Imports nothing from the app."""

from sandbox.emulator import Emulator
from sandbox.limits import Limits
from sandbox.push import PushConfig

__all__ = ["Emulator", "Limits", "PushConfig"]
