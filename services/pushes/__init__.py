"""Pushes (DIA-3): the outbox drained into deliveries, one per event and recipient, sent by bot/pushes."""
