"""The languages a person may choose: Russian, the default, and English. Kept apart from the services that check
them so that the command line's messages need no database code."""

LOCALES = ("ru", "en")
