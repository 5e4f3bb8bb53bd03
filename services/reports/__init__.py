"""The reports the regulations require (REP-1, REP-2, REP-4, REP-5): every figure is computed here, from the
journal's own data, with the access of the one who asks checked; the renderers in ui/reports only lay them out."""
