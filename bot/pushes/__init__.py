"""Pushes: the delivery worker and Telegram's limits (the texts are in ui.pushes)."""
