"""One student's reports laid out (REP-1): the report card («табель») as a Document, the dynamics of the average mark
as a Chart, and the lines the bot says with them. Every figure is services/reports/student.py's; here they are only
put in tables, in the reader's language."""

from __future__ import annotations

from html import escape

from babel.dates import format_date

from services.models import PeriodKind
from services.reports.student import Dynamics, ReportCard
from ui.formatting import decimal
from ui.i18n import N_, gettext
from ui.reports.cells import mark_cell
from ui.reports.document import Chart, Document, Table

# «+0,30 за четверть»: the change of the average over the period, by the period's kind.
OVER_PERIOD = {
    PeriodKind.QUARTER: N_("{change} over the quarter"),
    PeriodKind.TRIMESTER: N_("{change} over the trimester"),
    PeriodKind.HALF_YEAR: N_("{change} over the half-year"),
}


def whose(card_or_dynamics: ReportCard | Dynamics) -> str:
    """«Алексеев Артём, 5А, 2026/2027»."""
    student = card_or_dynamics.student
    return f"{student.last_name} {student.first_name}, {student.class_name}, {card_or_dynamics.year}"


def card_document(card: ReportCard, locale: str) -> Document:
    """The report card: the subjects × the periods so far, the year, exam and final marks and the chosen period's
    average, with the overall average below; then a table of marks and absences for each period; signed by the
    class teacher (REP-4: a report card handed out is certified)."""
    average_title = gettext("Average, {period}", locale).format(period=card.period.name)
    marks = Table(
        title=gettext("Period, year and final marks", locale),
        headers=(
            gettext("Subject", locale),
            *(p.name for p in card.periods),
            gettext("Year mark", locale),
            gettext("Exam", locale),
            gettext("Final mark", locale),
            average_title,
        ),
        rows=tuple(
            (
                s.subject,
                *(mark_cell(o, locale) for o in s.periods),
                mark_cell(s.year, locale),
                mark_cell(s.exam, locale),
                mark_cell(s.final, locale),
                s.average,
            )
            for s in card.subjects
        ),
        totals=(gettext("Overall average", locale), *([None] * (len(card.periods) + 3)), card.average),
        note=gettext(
            "A subject's average is weighted: each mark counts with the weight of its work. The overall average is "
            "the mean of the subjects' averages.",
            locale,
        ),
    )
    attendance = tuple(
        Table(
            title=gettext("{period}: marks and absences", locale).format(period=period.name),
            headers=(
                gettext("Subject", locale),
                gettext("Marks given", locale),
                gettext("Lessons missed", locale),
                gettext("Of them for a valid reason", locale),
            ),
            rows=tuple(
                (s.subject, s.tallies[i].marks, s.tallies[i].missed, s.tallies[i].excused) for s in card.subjects
            ),
            totals=(gettext("Total", locale), card.totals[i].marks, card.totals[i].missed, card.totals[i].excused),
        )
        for i, period in enumerate(card.periods)
    )
    title = gettext("Report card", locale)
    return Document(
        title=title,
        school=card.school,
        subtitle=whose(card),
        made_on=card.made_on,
        locale=locale,
        parts=(marks, *attendance),
        signatures=(gettext("Class teacher", locale),),
        file_stem=f"report_card_{card.student.student_id}_{card.period.period_id}",
        extra={"author": card.school, "subject": f"{title}: {whose(card)}"},
    )


def week_label(dynamics: Dynamics, index: int, locale: str) -> str:
    """«23.11»: a week by its first day in the period."""
    return format_date(dynamics.weeks[index].first, "dd.MM", locale=locale)


def dynamics_chart(dynamics: Dynamics, locale: str) -> Chart:
    """The running average week by week: the overall average first, then each subject; the y axis is the school's
    scale of marks (J-8)."""
    average = gettext("Average mark", locale)
    return Chart(
        title=gettext("Average mark dynamics, {period}", locale).format(period=dynamics.period.name),
        labels=tuple(week_label(dynamics, i, locale) for i in range(len(dynamics.weeks))),
        series=((average, dynamics.overall), *dynamics.subjects),
        y_label=average,
        y_range=(float(dynamics.scale[0]), float(dynamics.scale[1])),
    )


def dynamics_document(dynamics: Dynamics, locale: str) -> Document:
    """The chart on paper, with its numbers in a table below (weeks × the overall average and the subjects)."""
    chart = dynamics_chart(dynamics, locale)
    table = Table(
        title=gettext("Average mark by week", locale),
        headers=(gettext("Week", locale), *(name for name, _ in chart.series)),
        rows=tuple((label, *(values[i] for _, values in chart.series)) for i, label in enumerate(chart.labels)),
    )
    return Document(
        title=gettext("Average mark dynamics", locale),
        school=dynamics.school,
        subtitle=f"{whose(dynamics)}, {dynamics.period.name}",
        made_on=dynamics.made_on,
        locale=locale,
        parts=(chart, table),
        file_stem=f"average_mark_{dynamics.student.student_id}_{dynamics.period.period_id}",
    )


def signed(change: float, locale: str) -> str:
    """«+0,30», «−0,15», «±0,00»."""
    sign = "+" if change > 0 else "−" if change < 0 else "±"
    return sign + decimal(abs(change), locale)


def average_line(dynamics: Dynamics, locale: str) -> str:
    """«Средний балл: 4,25 (+0,30 за четверть)»; without marks in the period, that there are none yet (HTML)."""
    if dynamics.now is None:
        return gettext("No marks in {period} yet.", locale).format(period=escape(dynamics.period.name))
    line = gettext("Average mark: {average}", locale).format(average=decimal(dynamics.now, locale))
    if dynamics.change is not None:
        over = OVER_PERIOD.get(dynamics.period_kind, N_("{change} since the period began"))
        line += " (" + gettext(over, locale).format(change=signed(dynamics.change, locale)) + ")"
    return line


def dynamics_caption(dynamics: Dynamics, locale: str) -> str:
    """The chart's caption: whose and which period, and the average now with its change."""
    return "{}\n{}".format(
        gettext("Average mark dynamics: {whose}, {period}", locale).format(
            whose=escape(whose(dynamics)), period=escape(dynamics.period.name)
        ),
        average_line(dynamics, locale),
    )


def card_caption(card: ReportCard, locale: str) -> str:
    """The report card file's caption: whose, and the overall average of the chosen period."""
    line = gettext("Report card: {whose}", locale).format(whose=escape(whose(card)))
    if card.average is not None:
        line += "\n" + gettext("Overall average for {period}: {average}", locale).format(
            period=escape(card.period.name), average=decimal(card.average, locale)
        )
    return line


def menu_text(dynamics: Dynamics, locale: str) -> str:
    """The choice under /marks' «📊»: whose and which period, the average now, and what each report is (HTML)."""
    return "\n\n".join(
        [
            "<b>{}</b>\n{}".format(
                gettext("Report card and dynamics", locale),
                escape(f"{whose(dynamics)} · {dynamics.period.name}"),
            ),
            average_line(dynamics, locale),
            gettext(
                "The report card: the period marks of the year, the year and final marks, the averages, the marks "
                "given and the lessons missed. The dynamics: how the average mark moved week by week.",
                locale,
            ),
        ]
    )
