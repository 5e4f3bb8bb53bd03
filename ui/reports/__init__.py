"""Reports laid out for reading (REP-4): each report kind turns the services' figures into a Document (ui.reports.
document); ui.reports.render makes it a PDF or an XLSX, and a Chart a PNG. The heavy libraries are imported only
there, when a report is made, so the bot's start and memory do not grow."""
