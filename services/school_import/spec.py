"""The import format: sheets of an XLSX workbook, or CSV files named after them (UTF-8).

Each sheet lists its columns as (key, header). Headers are Russian, as the school's staff write them;
the key is what the code uses. Columns marked required must be filled in every row.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = True
    example: str = ""
    aliases: tuple[str, ...] = ()  # other headers people write, English ones among them


@dataclass(frozen=True)
class Sheet:
    name: str  # the sheet name, and the CSV file name without «.csv»
    title: str
    columns: tuple[Column, ...]
    required: bool = True


SHEETS: tuple[Sheet, ...] = (
    Sheet(
        "school",
        "Школа",
        (
            Column("name", "Название", example="МБОУ «Средняя школа № 1»"),
            Column("timezone", "Часовой пояс", required=False, example="Europe/Moscow"),
            Column("year", "Учебный год", example="2026/2027"),
            Column("year_start", "Начало года", example="01.09.2026"),
            Column("year_end", "Конец года", example="31.05.2027"),
            Column("mark_min", "Мин. отметка", required=False, example="2"),
            Column("mark_max", "Макс. отметка", required=False, example="5"),
            Column("grades_without_marks", "Безотметочные классы", required=False, example="1"),
            Column("homework_deadline", "Срок ДЗ", required=False, example="16:00"),
            Column("edit_window_days", "Дней на исправление", required=False, example="14"),
            # PER-3, PER-4: the school's regulation on current assessment (services/grading_policy.py).
            Column("period_round_from", "Округление с", required=False, example="0,5"),
            Column("marks_needed_one_hour", "Отметок при 1 ч в неделю", required=False, example="3"),
            Column("marks_needed_many_hours", "Отметок при 3 ч в неделю", required=False, example="8"),
            # уменьшают | освобождают | не влияют
            Column("excused_absences", "Уважительные пропуски", required=False, example="уменьшают"),
            Column("written_works_obligatory", "Письменные работы обязательны", required=False, example="да"),
            Column("final_results", "Отметки без балла", required=False, example="н/а, зач., осв."),
        ),
    ),
    Sheet(
        "periods",
        "Учебные периоды",
        (
            Column("name", "Период", example="1 четверть"),
            Column("kind", "Вид", example="четверть"),  # четверть | триместр | полугодие
            Column("grades", "Классы", example="1-9"),
            Column("starts", "Начало", example="01.09.2026"),
            Column("ends", "Конец", example="24.10.2026"),
        ),
    ),
    Sheet(
        "holidays",
        "Каникулы и праздники",
        (
            Column("name", "Название", example="Осенние каникулы"),
            Column("starts", "Начало", example="25.10.2026"),
            Column("ends", "Конец", example="03.11.2026"),
            Column("grades", "Классы", required=False, example=""),
        ),
        required=False,
    ),
    Sheet(
        "bells",
        "Звонки",
        (
            Column("lesson", "Урок", example="1"),
            Column("starts", "Начало", example="08:30"),
            Column("ends", "Конец", example="09:15"),
        ),
    ),
    Sheet(
        "subjects",
        "Предметы",
        (
            Column("name", "Предмет", example="Математика"),
            Column("short_name", "Сокращение", required=False, example="Мат."),
        ),
    ),
    Sheet(
        "work_types",
        "Виды работ",
        (
            Column("name", "Вид работы", example="Контрольная работа"),
            Column("weight", "Вес", example="2"),
            Column("written", "Письменная", required=False, example="да"),
        ),
        required=False,
    ),
    Sheet(
        "staff",
        "Сотрудники",
        (
            Column("last_name", "Фамилия", example="Смирнова"),
            Column("first_name", "Имя", example="Елена"),
            Column("middle_name", "Отчество", required=False, example="Викторовна"),
            # учитель, завуч, секретарь, администратор — через запятую
            Column("roles", "Роли", example="учитель"),
            Column("phone", "Телефон", required=False, example="+79001234567"),
            Column("email", "Эл. почта", required=False, example=""),
            # ACC-6: from this day the person has no access; their records stay (services/staff.py).
            Column("dismissed_on", "Уволен с", required=False, example=""),
            Column("dismissal_order", "Приказ об увольнении", required=False, example=""),
        ),
    ),
    Sheet(
        "classes",
        "Классы",
        (
            Column("class", "Класс", example="5А"),
            Column("class_teacher", "Классный руководитель", required=False, example="Смирнова Елена Викторовна"),
        ),
    ),
    Sheet(
        "students",
        "Ученики",
        (
            Column("last_name", "Фамилия", example="Иванов"),
            Column("first_name", "Имя", example="Пётр"),
            Column("middle_name", "Отчество", required=False, example="Сергеевич"),
            Column("birth_date", "Дата рождения", example="14.03.2015"),
            Column("class", "Класс", example="5А"),
            Column("subgroups", "Подгруппы", required=False, example="Англ. 1"),
            # DATA-4, ACC-9: обучается | выбыл | выпускник; a leaver's row needs the date they left
            Column("status", "Статус", required=False, example="обучается"),
            Column("enrolled_on", "Дата зачисления", required=False, example="01.09.2026"),
            Column("left_on", "Дата выбытия", required=False, example=""),
        ),
    ),
    Sheet(
        "parents",
        "Родители",
        (
            Column("last_name", "Фамилия", example="Иванова"),
            Column("first_name", "Имя", example="Мария"),
            Column("middle_name", "Отчество", required=False, example="Ивановна"),
            Column("phone", "Телефон", required=False, example="+79007654321"),
            Column("email", "Эл. почта", required=False, example=""),
            Column("kinship", "Кем приходится", required=False, example="мать"),  # мать | отец | опекун | другое
            Column("child", "Ребёнок", example="Иванов Пётр Сергеевич"),
            Column("child_class", "Класс ребёнка", example="5А"),
        ),
    ),
    Sheet(
        "load",
        "Нагрузка",
        (
            Column("teacher", "Учитель", example="Смирнова Елена Викторовна"),
            Column("class", "Класс", example="5А"),
            Column("subgroup", "Подгруппа", required=False, example=""),
            Column("subject", "Предмет", example="Математика"),
            Column("hours", "Часов в неделю", example="5"),
        ),
    ),
    Sheet(
        "timetable",
        "Расписание",
        (
            Column("class", "Класс", example="5А"),
            Column("weekday", "День недели", example="Пн"),  # Пн..Сб or 1..6
            Column("lesson", "Урок", example="1"),
            Column("subject", "Предмет", example="Математика"),
            Column("subgroup", "Подгруппа", required=False, example=""),
            Column("room", "Кабинет", required=False, example="204"),
        ),
    ),
)

SHEETS_BY_NAME = {sheet.name: sheet for sheet in SHEETS}


# J-14: the calendar-thematic plan (КТП), a file of its own (`schoolbot import-plan`): one row a lesson, or a
# row of several hours that takes as many lessons. Teachers name their columns in many ways; the aliases
# (English among them) are matched as loosely as the headers.
PLAN_SHEET = Sheet(
    "plan",
    "КТП",
    (
        Column("teacher", "Учитель", example="Смирнова Елена Викторовна", aliases=("ФИО учителя",)),
        Column("class", "Класс", example="5А"),
        Column("subgroup", "Подгруппа", required=False, example=""),
        Column("subject", "Предмет", example="Математика"),
        Column("lesson", "№ урока", example="1", aliases=("№", "Номер урока", "Урок", "Lesson no", "No")),
        Column("date", "Дата (план)", required=False, example="07.09.2026", aliases=("Дата", "Planned date")),
        Column("topic", "Тема", example="Натуральные числа", aliases=("Тема урока", "Lesson topic")),
        Column("hours", "Часы", required=False, example="1", aliases=("Кол-во часов", "Количество часов")),
    ),
)
