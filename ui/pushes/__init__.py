"""The texts of each kind of push, and one account's due news rendered as one message."""
