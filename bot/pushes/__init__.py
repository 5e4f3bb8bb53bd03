"""Pushes (issue 6): the delivery worker, Telegram's limits, and the texts of each kind of push."""
