"""Reading cells: each parser turns a cell's text into a value or raises BadValue with an issue code.

RowCells reads the cells of one row and turns each BadValue into an ImportIssue at that cell.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable, Mapping
from datetime import date, time
from typing import Any, TypeVar

from sqlalchemy import Column, ColumnDefault
from sqlalchemy.orm import InstrumentedAttribute

from ..errors import InvalidInput
from ..grading_policy import EXCUSED_WORDS, parse_results
from ..models import ExcusedAbsenceRule, Kinship, PeriodKind, Role, StudentStatus
from ..safe_cells import formula_like
from ..text import clean_text
from .issues import ImportIssue
from .spec import Sheet

T = TypeVar("T")

DATE_FORMAT = "ДД.ММ.ГГГГ"
TIME_FORMAT = "ЧЧ:ММ"
GRADES = range(1, 12)


class BadValue(Exception):
    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def collapse(text: str) -> str:
    """Text as stored: no leading, trailing or repeated spaces."""
    return " ".join(text.split())


def name_key(text: str) -> str:
    """How names are matched: case, «ё» and extra spaces do not matter."""
    return collapse(text).casefold().replace("ё", "е")


def full_name(last: str, first: str, middle: str) -> str:
    return " ".join(part for part in (last, first, middle) if part)


def text(max_length: int) -> Callable[[str], str]:
    def parse(value: str) -> str:
        value = collapse(value)
        if formula_like(value):  # a spreadsheet that lists it (the invite CSV) would run it
            raise BadValue("value.formula", char=value[0])
        if len(value) > max_length:
            raise BadValue("value.too_long", max=max_length)
        return value

    return parse


_DMY = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


def parse_date(value: str) -> date:
    if match := _DMY.fullmatch(value):
        day, month, year = match.groups()
    elif match := _ISO.fullmatch(value):
        year, month, day = match.groups()
    else:
        raise BadValue("value.bad_date", expected=DATE_FORMAT)
    try:
        return date(int(year), int(month), int(day))
    except ValueError:  # 31.02.2027
        raise BadValue("value.bad_date", expected=DATE_FORMAT) from None


def parse_time(value: str) -> time:
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", value)
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise BadValue("value.bad_time", expected=TIME_FORMAT)
    return time(int(match[1]), int(match[2]))


def integer(low: int, high: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        if not re.fullmatch(r"[+-]?\d+", value) or not low <= int(value) <= high:
            raise BadValue("value.bad_number", min=low, max=high, integer=True)
        return int(value)

    return parse


def number(low: float, high: float) -> Callable[[str], float]:
    """A number with at most two decimals (as the model keeps it); the Russian decimal comma is accepted."""

    def parse(value: str) -> float:
        if not re.fullmatch(r"[+-]?\d+([.,]\d{1,2})?", value) or not low <= float(value.replace(",", ".")) <= high:
            raise BadValue("value.bad_number", min=low, max=high, integer=False, decimals=2)
        return float(value.replace(",", "."))

    return parse


# Latin letters that look like Cyrillic ones, typed by mistake in class names («5A»).
_LOOKALIKES = str.maketrans("ABCEHKMOPTX", "АВСЕНКМОРТХ")


def parse_class(value: str) -> tuple[int, str]:
    """«5А», «10 б», «11-A» -> (grade, Cyrillic capital letter); the letter may be absent («5»)."""
    compact = re.sub(r"[\s\-\"'«»]", "", value).upper().translate(_LOOKALIKES)
    match = re.fullmatch(r"(\d{1,2})([А-ЯЁ]?)", compact)
    if not match or int(match[1]) not in GRADES:
        raise BadValue("value.bad_class", expected="5А")
    return int(match[1]), match[2]


def class_name(key: tuple[int, str]) -> str:
    return f"{key[0]}{key[1]}"


def parse_grade_range(value: str) -> tuple[int, int]:
    """«1-9» -> (1, 9); «5» -> (5, 5)."""
    match = re.fullmatch(r"(\d{1,2})(?:\s*[-–—]\s*(\d{1,2}))?", value)
    if not match:
        raise BadValue("value.bad_grades", expected="1-9")
    low, high = int(match[1]), int(match[2] or match[1])
    if low not in GRADES or high not in GRADES or low > high:
        raise BadValue("value.bad_grades", expected="1-9")
    return low, high


def grade_list(max_length: int) -> Callable[[str], str]:
    """«1, 2» or «1-4» -> «1,2» or «1,2,3,4», the form School and Holiday keep."""

    def parse(value: str) -> str:
        grades: set[int] = set()
        for part in filter(None, (p.strip() for p in re.split(r"[,;]", value))):
            low, high = parse_grade_range(part)
            grades.update(range(low, high + 1))
        result = ",".join(str(grade) for grade in sorted(grades))
        if len(result) > max_length:
            raise BadValue("value.too_long", max=max_length)
        return result

    return parse


_WEEKDAYS = (
    ("пн", "понедельник"),
    ("вт", "вторник"),
    ("ср", "среда"),
    ("чт", "четверг"),
    ("пт", "пятница"),
    ("сб", "суббота"),
)


def parse_weekday(value: str) -> int:
    """Пн..Сб, понедельник..суббота or 1..6 -> 0..5, as date.weekday()."""
    word = value.casefold().rstrip(".")
    for day, names in enumerate(_WEEKDAYS):
        if word in names or word == str(day + 1):
            return day
    raise BadValue("value.bad_weekday", expected=["Пн", "Вт", "Ср", "Чт", "Пт", "Сб"])


_ROLES = {
    "учитель": Role.TEACHER,
    "teacher": Role.TEACHER,
    "завуч": Role.DEPUTY,
    "deputy": Role.DEPUTY,
    "секретарь": Role.SECRETARY,
    "secretary": Role.SECRETARY,
    "администратор": Role.ADMIN,
    "admin": Role.ADMIN,
}


def parse_roles(value: str) -> frozenset[Role]:
    """ROLE-1: «учитель, завуч» or «учитель завуч». «Заместитель директора по УВР» is one role,
    so an entry that starts with «заместитель» is the deputy whatever follows."""
    roles = set()
    for part in filter(None, (name_key(p) for p in re.split(r"[,;]", value))):
        if part.startswith(("заместитель", "замдиректора")):
            roles.add(Role.DEPUTY)
            continue
        for word in part.split():
            if word not in _ROLES:
                raise BadValue("value.bad_role", role=word, expected=["учитель", "завуч", "секретарь", "администратор"])
            roles.add(_ROLES[word])
    return frozenset(roles)


_KINSHIPS = {
    "мать": Kinship.MOTHER,
    "мама": Kinship.MOTHER,
    "mother": Kinship.MOTHER,
    "отец": Kinship.FATHER,
    "папа": Kinship.FATHER,
    "father": Kinship.FATHER,
    "опекун": Kinship.GUARDIAN,
    "guardian": Kinship.GUARDIAN,
    "другое": Kinship.OTHER,
    "other": Kinship.OTHER,
}


def word_of(table: Mapping[str, T], value: str, code: str, expected: list[str]) -> T:
    """A cell's word looked up in `table` (case and spaces aside), or the cell refused with what is expected."""
    try:
        return table[name_key(value)]
    except KeyError:
        raise BadValue(code, expected=expected) from None


def parse_kinship(value: str) -> Kinship:
    return word_of(_KINSHIPS, value, "value.bad_kinship", ["мать", "отец", "опекун", "другое"])


_STATUSES = {
    "обучается": StudentStatus.ACTIVE,
    "учится": StudentStatus.ACTIVE,
    "active": StudentStatus.ACTIVE,
    "studying": StudentStatus.ACTIVE,
    "выбыл": StudentStatus.LEFT,
    "выбыла": StudentStatus.LEFT,
    "left": StudentStatus.LEFT,
    "выпускник": StudentStatus.GRADUATED,
    "выпускница": StudentStatus.GRADUATED,
    "graduated": StudentStatus.GRADUATED,
    "graduate": StudentStatus.GRADUATED,
}


def parse_status(value: str) -> StudentStatus:
    """DATA-4, ACC-9: whether the student studies, left or graduated."""
    return word_of(_STATUSES, value, "value.bad_status", ["обучается", "выбыл", "выпускник"])


_PERIOD_KINDS = {
    "четверть": PeriodKind.QUARTER,
    "quarter": PeriodKind.QUARTER,
    "триместр": PeriodKind.TRIMESTER,
    "trimester": PeriodKind.TRIMESTER,
    "полугодие": PeriodKind.HALF_YEAR,
    "half_year": PeriodKind.HALF_YEAR,
    "half-year": PeriodKind.HALF_YEAR,
}


def parse_period_kind(value: str) -> PeriodKind:
    return word_of(_PERIOD_KINDS, value, "value.bad_kind", ["четверть", "триместр", "полугодие"])


def parse_excused(value: str) -> ExcusedAbsenceRule:
    """PER-4: what lessons missed for a valid reason do to the marks a period mark needs."""
    return word_of(EXCUSED_WORDS, value, "value.bad_excused", ["уменьшают", "освобождают", "не влияют"])


_YES = {"да", "yes", "true", "истина", "1", "+", "x", "х"}
_NO = {"нет", "no", "false", "ложь", "0", "-"}


def parse_final_results(value: str) -> str:
    """PER-2: «н/а, зач., осв.» (or some of them, or «нет») as the school's setting stores it."""
    try:
        return parse_results(value)
    except InvalidInput:
        raise BadValue("value.bad_results", expected=["н/а", "зач.", "осв.", "нет"]) from None


def parse_yes_no(value: str) -> bool:
    word = name_key(value)
    if word in _YES or word in _NO:
        return word in _YES
    raise BadValue("value.bad_yes_no", expected=["да", "нет"])


def parse_phone(value: str) -> str:
    """Stored as «+» and digits, so that «8 (900) 123-45-67» and «+79001234567» are one phone."""
    digits = re.sub(r"\D", "", value)
    if len(digits) == 11 and digits[0] == "8":  # the Russian trunk prefix
        digits = "7" + digits[1:]
    if not re.fullmatch(r"[\d\s()+\-.]+", value) or not 10 <= len(digits) <= 15:
        raise BadValue("value.bad_phone", expected="+79001234567")
    return "+" + digits


def email(max_length: int) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
            raise BadValue("value.bad_email")
        return text(max_length)(value)

    return parse


def parse_timezone(value: str) -> str:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise BadValue("value.bad_timezone", expected="Europe/Moscow") from None
    return value


def subgroup_list(max_length: int) -> Callable[[str], list[str]]:
    """«Англ. 1, Инф. 2» -> the names, each within the model's length."""

    def parse(value: str) -> list[str]:
        return [text(max_length)(part) for part in re.split(r"[,;]", value) if part.strip()]

    return parse


def length(attribute: InstrumentedAttribute) -> int:
    """A text column's length in the model, the limit of its cells."""
    return attribute.property.columns[0].type.length


def column_default(column: Column) -> Any:
    """A column's fixed default in the model; None when it has none."""
    return column.default.arg if isinstance(column.default, ColumnDefault) and column.default.is_scalar else None


def default(attribute: InstrumentedAttribute) -> Any:
    """A field's default in the model, which an empty optional cell stands for."""
    return column_default(attribute.property.columns[0])


class RowCells:
    """One data row of a sheet: the typed values of its cells, each bad cell reported as an issue."""

    def __init__(self, sheet: Sheet, number: int, cells: Mapping[str, str], issues: list[ImportIssue]) -> None:
        self.sheet = sheet
        self.number = number
        self.cells = cells
        self.issues = issues
        self.columns = {column.key: column for column in sheet.columns}

    def has(self, key: str) -> bool:
        """Whether the table has this column at all (an absent column leaves stored values alone)."""
        return key in self.cells

    def raw(self, key: str) -> str:
        return clean_text(self.cells.get(key), one_line=True)

    def issue(self, key: str, code: str, **params: Any) -> None:
        self.issues.append(
            ImportIssue(self.sheet.name, self.number, self.columns[key].header, self.raw(key), code, params)
        )

    def get(self, key: str, parse: Callable[[str], T]) -> T | None:
        """The cell's value; None when it is empty or bad (a bad or missing required one is reported)."""
        value = self.raw(key)
        if not value:
            if self.columns[key].required:
                self.issue(key, "value.required")
            return None
        try:
            return parse(value)
        except BadValue as bad:
            self.issue(key, bad.code, **bad.params)
            return None

    def put(
        self, fields: dict[str, Any], key: str, parse: Callable[[str], Any], attribute: InstrumentedAttribute
    ) -> Any:
        """Sets a model field from an optional column, if the table has it; empty means the default."""
        if not self.has(key):
            return None
        value = self.get(key, parse)
        fields[attribute.key] = default(attribute) if value is None else value
        return value
