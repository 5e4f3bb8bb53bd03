"""The application: the school's data, the journal rules and use cases. Knows nothing of Telegram."""
