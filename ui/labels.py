"""Labels shared by several screens and pushes, marked for translation where they are defined."""

from __future__ import annotations

from ui.i18n import N_

# What a lesson still lacks, in the order the teacher's day, the deputy's control and the staff's pushes list it.
MISSING = {"attendance": N_("attendance"), "topic": N_("topic"), "homework": N_("homework"), "marks": N_("marks")}
