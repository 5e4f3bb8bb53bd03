"""Tools for development and tests, left out of the wheel: the local Bot API emulator (devtools.sandbox)."""
