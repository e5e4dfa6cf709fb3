"""An OpenAI-compatible chat-completions emulator for offline drafting. Imports nothing from the app."""

from sandbox.llm.drafting import Mode
from sandbox.llm.emulator import DEFAULT_MODEL, ChatEmulator

__all__ = ["DEFAULT_MODEL", "ChatEmulator", "Mode"]
