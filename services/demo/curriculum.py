"""What a Russian school teaches: subjects by grade with hours a week, who teaches them, lesson topics
of the thematic plan (J-14), homework as teachers write it (J-3, J-4) and the kinds of work marked (J-5).

Hours follow the federal curriculum (ФОП НОО/ООО/СОО, a five-day week): at most 21 lessons a week in
grade 1, 23 in grades 2-4, 27-32 in grades 5-11. English is split into two subgroups from grade 2 and
Informatics from grade 5, each subgroup with its own teacher (J-13).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

# Tables packed by row, as they are read: the formatter would put one item a line.
# fmt: off
RUS, READ, LIT, ENG, MATH, ALG, GEOM, STAT, INF, WORLD = (
    "Русский язык", "Литературное чтение", "Литература", "Иностранный язык (английский)", "Математика",
    "Алгебра", "Геометрия", "Вероятность и статистика", "Информатика", "Окружающий мир",
)
HIST, SOC, GEO, BIO, PHYS, CHEM, MUS, ART, TECH, PE, OBZR = (
    "История", "Обществознание", "География", "Биология", "Физика", "Химия", "Музыка",
    "Изобразительное искусство", "Технология", "Физическая культура", "Основы безопасности и защиты Родины",
)

SUBJECTS: dict[str, str] = {  # name -> short name
    RUS: "Рус. яз.", READ: "Лит. чтение", LIT: "Литература", ENG: "Англ. яз.", MATH: "Математика",
    ALG: "Алгебра", GEOM: "Геометрия", STAT: "Вер. и стат.", INF: "Информатика", WORLD: "Окр. мир",
    HIST: "История", SOC: "Обществозн.", GEO: "География", BIO: "Биология", PHYS: "Физика", CHEM: "Химия",
    MUS: "Музыка", ART: "ИЗО", TECH: "Технология", PE: "Физкультура", OBZR: "ОБЗР",
}

_PRIMARY_2_4 = {RUS: 5, READ: 4, ENG: 2, MATH: 4, WORLD: 2, MUS: 1, ART: 1, TECH: 1, PE: 3}
_SENIOR = {RUS: 2, LIT: 3, ENG: 3, ALG: 4, GEOM: 3, STAT: 1, INF: 1, HIST: 2, SOC: 2, GEO: 1, BIO: 1,
           PHYS: 2, CHEM: 1, PE: 2, OBZR: 1}
HOURS: dict[int, dict[str, int]] = {
    1: {RUS: 5, READ: 4, MATH: 4, WORLD: 2, MUS: 1, ART: 1, TECH: 1, PE: 3},
    2: _PRIMARY_2_4, 3: _PRIMARY_2_4, 4: _PRIMARY_2_4,
    5: {RUS: 5, LIT: 3, ENG: 3, MATH: 5, INF: 1, HIST: 2, GEO: 1, BIO: 1, MUS: 1, ART: 1, TECH: 2, PE: 2},
    6: {RUS: 6, LIT: 3, ENG: 3, MATH: 5, INF: 1, HIST: 2, SOC: 1, GEO: 1, BIO: 1, MUS: 1, ART: 1, TECH: 2, PE: 2},
    7: {RUS: 4, LIT: 2, ENG: 3, ALG: 3, GEOM: 2, STAT: 1, INF: 1, HIST: 2, SOC: 1, GEO: 2, BIO: 1, PHYS: 2,
        MUS: 1, ART: 1, TECH: 2, PE: 2},
    8: {RUS: 3, LIT: 2, ENG: 3, ALG: 3, GEOM: 2, STAT: 1, INF: 1, HIST: 2, SOC: 1, GEO: 2, BIO: 2, PHYS: 2,
        CHEM: 2, MUS: 1, TECH: 1, PE: 2, OBZR: 1},
    9: {RUS: 3, LIT: 3, ENG: 3, ALG: 3, GEOM: 2, STAT: 1, INF: 1, HIST: 3, SOC: 1, GEO: 2, BIO: 2, PHYS: 3,
        CHEM: 2, PE: 2, OBZR: 1},
    10: _SENIOR, 11: _SENIOR,
}
MAX_LESSONS_A_DAY = {grade: 5 if grade <= 4 else 7 for grade in range(1, 12)}

# J-13: subject -> (first grade split, the two subgroup names)
SPLIT: dict[str, tuple[int, tuple[str, str]]] = {
    ENG: (2, ("Англ. 1", "Англ. 2")),
    INF: (5, ("Инф. 1", "Инф. 2")),
}
# fmt: on


def split_groups(subject: str, grade: int) -> tuple[str, str] | None:
    rule = SPLIT.get(subject)
    return rule[1] if rule and grade >= rule[0] else None


@dataclass(frozen=True)
class Department:
    """Teachers of one speciality: the subjects each of them takes for a whole class, in some grades."""

    key: str
    subjects: frozenset[str]
    grades: range
    load: int  # the hours a week one teacher of it usually has (a rate is 18 hours)
    room: str  # the room prefix


DEPARTMENTS = (
    Department("primary", frozenset({RUS, READ, MATH, WORLD, ART, TECH}), range(1, 5), 17, "1"),
    Department("russian", frozenset({RUS, LIT}), range(5, 12), 15, "2"),
    Department("math", frozenset({MATH, ALG, GEOM, STAT}), range(5, 12), 15, "3"),
    Department("english", frozenset({ENG}), range(2, 12), 15, "2"),
    Department("informatics", frozenset({INF}), range(5, 12), 19, "3"),
    Department("history", frozenset({HIST, SOC}), range(5, 12), 15, "2"),
    Department("geography", frozenset({GEO}), range(5, 12), 18, "3"),
    Department("biology", frozenset({BIO}), range(5, 12), 18, "3"),
    Department("chemistry", frozenset({CHEM}), range(8, 12), 18, "3"),
    Department("physics", frozenset({PHYS}), range(7, 12), 18, "3"),
    Department("music", frozenset({MUS}), range(1, 12), 18, "1"),
    Department("art", frozenset({ART, TECH}), range(5, 12), 16, "1"),
    Department("pe", frozenset({PE}), range(1, 12), 18, "С/з"),
    Department("obzr", frozenset({OBZR}), range(8, 12), 18, "1"),
)


def department_of(subject: str, grade: int) -> Department:
    return next(d for d in DEPARTMENTS if subject in d.subjects and grade in d.grades)


# ---- work types (J-5) ------------------------------------------------------------------------------

# Tables packed by row, as they are read: the formatter would put one item a line.
# fmt: off
ORAL, HOMEWORK, CLASSWORK = "Ответ на уроке", "Домашняя работа", "Работа на уроке"
INDEPENDENT, TEST, DICTATION, LAB, PRACTICAL, CHECK, ESSAY, NORMS = (
    "Самостоятельная работа", "Контрольная работа", "Диктант", "Лабораторная работа", "Практическая работа",
    "Проверочная работа", "Сочинение", "Сдача нормативов",
)
WORK_TYPES: tuple[tuple[str, str, bool], ...] = (  # name, weight as written in the sheet, written
    (ORAL, "1", False), (HOMEWORK, "1", False), (CLASSWORK, "1", False),
    (INDEPENDENT, "1,5", True), (TEST, "2", True), (DICTATION, "2", True), (LAB, "1,5", True),
    (PRACTICAL, "1,5", True), (CHECK, "1,5", True), (ESSAY, "2", True), (NORMS, "1", False),
)

# The work every n-th lesson of a subject is, and the title it has in the plan.
_CONTROL: dict[str, tuple[tuple[int, str, str], ...]] = {
    RUS: ((12, DICTATION, "Контрольный диктант № {n}"), (7, INDEPENDENT, "Самостоятельная работа по теме «{t}»")),
    LIT: ((14, ESSAY, "Сочинение № {n}"), (9, CHECK, "Проверочная работа по теме «{t}»")),
    READ: ((12, CHECK, "Проверка техники чтения"),),
    MATH: ((11, TEST, "Контрольная работа № {n}"), (7, INDEPENDENT, "Самостоятельная работа по теме «{t}»")),
    ALG: ((11, TEST, "Контрольная работа № {n}"), (7, INDEPENDENT, "Самостоятельная работа по теме «{t}»")),
    GEOM: ((11, TEST, "Контрольная работа № {n}"), (7, INDEPENDENT, "Самостоятельная работа по теме «{t}»")),
    STAT: ((8, CHECK, "Проверочная работа по теме «{t}»"),),
    ENG: ((12, TEST, "Контрольная работа № {n}"), (7, CHECK, "Словарный диктант")),
    INF: ((5, PRACTICAL, "Практическая работа № {n}"),),
    PHYS: ((11, TEST, "Контрольная работа № {n}"), (6, LAB, "Лабораторная работа № {n}")),
    CHEM: ((11, TEST, "Контрольная работа № {n}"), (6, PRACTICAL, "Практическая работа № {n}")),
    BIO: ((10, CHECK, "Проверочная работа по теме «{t}»"), (7, LAB, "Лабораторная работа № {n}")),
    GEO: ((10, CHECK, "Проверочная работа по теме «{t}»"), (7, PRACTICAL, "Практическая работа № {n}")),
    HIST: ((10, CHECK, "Проверочная работа по теме «{t}»"),),
    SOC: ((10, CHECK, "Проверочная работа по теме «{t}»"),),
    WORLD: ((10, CHECK, "Проверочная работа по теме «{t}»"),),
    TECH: ((8, PRACTICAL, "Практическая работа: {t}"),),
    PE: ((8, NORMS, "Сдача нормативов: {t}"),),
    OBZR: ((10, CHECK, "Проверочная работа по теме «{t}»"),),
}

# ---- thematic plans (J-14) -------------------------------------------------------------------------

_TOPICS: dict[str, tuple[str, ...]] = {
    RUS + ":primary": (
        "Звуки и буквы", "Гласные и согласные звуки", "Ударение. Ударные и безударные гласные", "Слог. Перенос слов",
        "Парные согласные на конце слова", "Правописание жи-ши, ча-ща, чу-щу", "Мягкий знак — показатель мягкости",
        "Разделительный мягкий знак", "Корень слова. Однокоренные слова", "Суффикс и приставка",
        "Имя существительное", "Род и число имён существительных", "Имя прилагательное", "Глагол",
        "Предложение. Главные члены предложения", "Текст. Тема и основная мысль",
    ),
    RUS: (
        "Повторение изученного. Орфограммы в корне слова", "Безударные гласные в корне", "Чередование гласных в корне",
        "Правописание приставок", "Буквы О и Ё после шипящих", "Н и НН в суффиксах",
        "Слитное и раздельное написание НЕ",
        "Морфемика и словообразование", "Имя существительное как часть речи", "Склонение имён существительных",
        "Имя прилагательное. Разряды прилагательных", "Глагол. Спряжение глаголов", "Причастие и причастный оборот",
        "Деепричастный оборот", "Словосочетание. Виды связи", "Простое предложение. Грамматическая основа",
        "Однородные члены предложения", "Обособленные члены предложения", "Сложносочинённое предложение",
        "Сложноподчинённое предложение", "Знаки препинания при прямой речи", "Текст. Типы речи",
    ),
    READ: (
        "Русские народные сказки", "Малые жанры фольклора", "А. С. Пушкин. «Сказка о рыбаке и рыбке»",
        "И. А. Крылов. Басни", "Л. Н. Толстой. Рассказы для детей", "Стихи о природе. Ф. И. Тютчев",
        "Н. Н. Носов. «Живая шляпа»", "В. Ю. Драгунский. «Денискины рассказы»", "К. И. Чуковский. Сказки",
        "С. Я. Маршак. Стихотворения", "Рассказы о животных. В. В. Бианки", "А. Л. Барто. Стихи",
    ),
    LIT: (
        "Мифы Древней Греции", "Русские народные сказки", "А. С. Пушкин. Лирика", "М. Ю. Лермонтов. «Бородино»",
        "Н. В. Гоголь. «Вечера на хуторе близ Диканьки»", "И. С. Тургенев. «Муму»", "Н. А. Некрасов. Стихотворения",
        "Л. Н. Толстой. «Кавказский пленник»", "А. П. Чехов. Рассказы", "А. С. Пушкин. «Капитанская дочка»",
        "Н. В. Гоголь. «Ревизор»", "М. Ю. Лермонтов. «Мцыри»", "А. С. Грибоедов. «Горе от ума»",
        "И. А. Гончаров. «Обломов»", "Ф. М. Достоевский. «Преступление и наказание»", "Л. Н. Толстой. «Война и мир»",
        "Поэзия Серебряного века", "М. А. Булгаков. «Мастер и Маргарита»", "М. А. Шолохов. «Судьба человека»",
    ),
    ENG: (
        "Unit 1. Hello, friends!", "Unit 2. My family", "Unit 3. At school", "Unit 4. My day",
        "Unit 5. Food and drinks", "Unit 6. Sports and hobbies", "Unit 7. Animals", "Unit 8. Seasons and weather",
        "Unit 9. My home", "Unit 10. Holidays", "Present Simple", "Present Continuous", "Past Simple",
        "Future forms", "Present Perfect", "Modal verbs", "The Passive Voice", "Reported Speech",
    ),
    MATH + ":primary": (
        "Числа от 1 до 10", "Сложение и вычитание", "Числа от 11 до 20", "Единицы длины", "Задачи в два действия",
        "Таблица умножения", "Деление", "Периметр прямоугольника", "Площадь фигуры", "Внетабличное умножение",
        "Деление с остатком", "Письменное сложение и вычитание", "Единицы времени", "Доли и дроби",
    ),
    MATH: (
        "Натуральные числа", "Действия с натуральными числами", "Числовые и буквенные выражения", "Уравнения",
        "Делимость чисел", "Обыкновенные дроби", "Сложение и вычитание дробей", "Умножение и деление дробей",
        "Десятичные дроби", "Округление чисел", "Проценты", "Отношения и пропорции",
        "Положительные и отрицательные числа",
        "Координатная плоскость", "Площадь и объём", "Решение текстовых задач",
    ),
    ALG: (
        "Выражения и их преобразования", "Линейное уравнение с одной переменной", "Функции и их графики",
        "Линейная функция", "Степень с натуральным показателем", "Многочлены", "Формулы сокращённого умножения",
        "Системы линейных уравнений", "Квадратные корни", "Квадратные уравнения", "Теорема Виета",
        "Неравенства", "Квадратичная функция", "Арифметическая прогрессия", "Геометрическая прогрессия",
        "Тригонометрические функции", "Производная", "Показательная функция", "Логарифмы",
    ),
    GEOM: (
        "Начальные геометрические сведения", "Признаки равенства треугольников", "Параллельные прямые",
        "Сумма углов треугольника", "Четырёхугольники", "Площадь многоугольника", "Теорема Пифагора",
        "Подобные треугольники", "Окружность", "Векторы", "Метод координат", "Аксиомы стереометрии",
        "Параллельность прямых и плоскостей", "Перпендикулярность в пространстве", "Многогранники",
    ),
    STAT: (
        "Представление данных", "Описательная статистика", "Случайная изменчивость", "Графы",
        "Случайные события и вероятность", "Элементы комбинаторики", "Случайные величины",
    ),
    INF: (
        "Информация и информационные процессы", "Кодирование информации", "Системы счисления",
        "Устройство компьютера", "Файлы и файловая система", "Текстовый редактор", "Электронные таблицы",
        "Алгоритмы и исполнители", "Язык программирования Python", "Ветвления", "Циклы", "Массивы",
        "Компьютерные сети", "Базы данных",
    ),
    WORLD: (
        "Природа и её разнообразие", "Неживая и живая природа", "Растения", "Животные", "Человек и природа",
        "Наша Родина — Россия", "Город и село", "Безопасность дома и на улице", "Здоровый образ жизни",
        "Вода и воздух", "Погода и климат", "Природные зоны России",
    ),
    HIST: (
        "Первобытность", "Древний Египет", "Древняя Греция", "Древний Рим", "Раннее Средневековье",
        "Образование Древнерусского государства", "Русь в XII–XIII веках", "Москва — центр объединения русских земель",
        "Эпоха Великих географических открытий", "Смутное время", "Россия при Петре I", "Эпоха дворцовых переворотов",
        "Россия в XIX веке", "Великие реформы", "Россия в начале XX века", "Великая Отечественная война",
    ),
    SOC: (
        "Человек и общество", "Семья и семейные отношения", "Школьное образование", "Человек в малой группе",
        "Экономика и её роль", "Право и правоотношения", "Конституция Российской Федерации", "Гражданин и государство",
        "Политика и власть", "Социальная структура общества",
    ),
    GEO: (
        "Развитие географических знаний", "План местности", "Географическая карта", "Литосфера", "Гидросфера",
        "Атмосфера", "Биосфера", "Материки и океаны", "Население Земли", "Природа России", "Хозяйство России",
        "Регионы России", "Мировое хозяйство",
    ),
    BIO: (
        "Биология — наука о живой природе", "Клетка", "Ткани", "Строение растений", "Фотосинтез",
        "Многообразие растений", "Простейшие", "Беспозвоночные животные", "Позвоночные животные",
        "Организм человека", "Опорно-двигательная система", "Кровь и кровообращение", "Наследственность и изменчивость",
        "Экосистемы",
    ),
    PHYS: (
        "Физические величины и их измерение", "Строение вещества", "Механическое движение", "Плотность вещества",
        "Силы в природе", "Давление твёрдых тел, жидкостей и газов", "Работа и мощность", "Тепловые явления",
        "Электрический ток", "Магнитные явления", "Световые явления", "Законы Ньютона", "Законы сохранения",
        "Механические колебания и волны",
    ),
    CHEM: (
        "Первоначальные химические понятия", "Атомы и молекулы", "Химические формулы", "Валентность",
        "Химические реакции", "Кислород. Оксиды", "Водород. Кислоты", "Вода. Растворы", "Основания", "Соли",
        "Периодический закон Д. И. Менделеева", "Строение атома", "Химическая связь", "Органические вещества",
    ),
    MUS: (
        "Музыка в жизни человека", "Народная музыка России", "Русские композиторы-классики", "Музыка театра и кино",
        "Симфоническая музыка", "Образы природы в музыке", "Музыкальные инструменты", "Духовная музыка",
    ),
    ART: (
        "Цвет и его свойства", "Рисование с натуры", "Пейзаж", "Натюрморт", "Портрет",
        "Декоративно-прикладное искусство",
        "Народные промыслы: гжель, хохлома", "Орнамент", "Лепка", "Графика",
    ),
    TECH: (
        "Технологии вокруг нас", "Работа с бумагой и картоном", "Работа с тканью", "Графическое изображение изделия",
        "Обработка древесины", "Технологии обработки пищевых продуктов", "Робототехника", "Творческий проект",
    ),
    PE: (
        "Лёгкая атлетика: бег на короткие дистанции", "Прыжок в длину с разбега", "Метание мяча", "Гимнастика",
        "Акробатические упражнения", "Баскетбол", "Волейбол", "Подвижные игры", "Кроссовая подготовка",
        "Лыжная подготовка",
    ),
    OBZR: (
        "Безопасность в быту", "Безопасность на транспорте", "Пожарная безопасность", "Первая помощь",
        "Чрезвычайные ситуации природного характера", "Основы обороны государства", "Военная служба",
        "Безопасность в информационном пространстве",
    ),
}
# fmt: on
_PARAGRAPHS = {RUS, MATH, ALG, GEOM, STAT, INF, WORLD, HIST, SOC, GEO, BIO, PHYS, CHEM, OBZR}


@dataclass(frozen=True)
class PlannedLesson:
    topic: str
    work: str | None  # the work type of a control lesson (everyone present gets a mark), else None
    paragraph: int | None


def topic_list(subject: str, grade: int) -> tuple[str, ...]:
    if grade <= 4 and subject + ":primary" in _TOPICS:
        return _TOPICS[subject + ":primary"]
    return _TOPICS[subject]


def thematic_plan(subject: str, grade: int, count: int, start: int, rng: random.Random) -> list[PlannedLesson]:
    """`count` lessons of the plan from the `start`-th lesson of the year on: topics in order, a topic
    taking two or three lessons, a control lesson every few lessons (J-14, J-11)."""
    topics = topic_list(subject, grade)
    controls = _CONTROL.get(subject, ())
    paragraphs = subject in _PARAGRAPHS and grade >= 2
    result: list[PlannedLesson] = []
    topic_index = (start // 3 + grade) % len(topics)
    paragraph = 1 + start // 2
    lessons_on_topic = 0
    numbers: dict[str, int] = {}
    for position in range(start, start + count):
        title = topics[topic_index % len(topics)]
        control = next(((work, text) for every, work, text in controls if (position + 1) % every == 0), None)
        if control is not None:
            work, text = control
            numbers[work] = numbers.get(work, position // 8) + 1
            result.append(PlannedLesson(text.format(n=numbers[work], t=title), work, None))
            continue
        lessons_on_topic += 1
        if paragraphs:
            label = f"§{paragraph}. {title}" + (" (закрепление)" if lessons_on_topic > 1 else "")
        else:
            label = title + (". Закрепление" if lessons_on_topic > 1 else "")
        result.append(PlannedLesson(label, None, paragraph if paragraphs else None))
        if lessons_on_topic >= rng.choice((1, 2, 2, 3)):
            topic_index += 1
            paragraph += 1
            lessons_on_topic = 0
    return result


# ---- homework (J-3, J-4) ---------------------------------------------------------------------------

# How often a lesson of the subject ends with «не задано» (J-3).
_NO_HOMEWORK = {PE: 0.95, MUS: 0.75, ART: 0.7, TECH: 0.8, OBZR: 0.5, STAT: 0.2}


def homework(subject: str, grade: int, lesson: PlannedLesson, counter: int, rng: random.Random) -> str | None:
    """Homework text as teachers write it (J-4), or None for «не задано» (J-3). `counter` grows lesson
    by lesson, so exercise and page numbers move on through the textbook."""
    if grade == 1 or rng.random() < _NO_HOMEWORK.get(subject, 0.06):
        return None  # grade 1 gets no homework at all (СанПиН)
    p = lesson.paragraph or 1 + counter // 2
    page = 5 + counter * 8 // 5 + rng.randrange(3)  # a textbook of about 300 pages a year
    n = 3 + counter * 4 + rng.randrange(4)
    if lesson.work is not None:
        return rng.choice((None, f"Повторить §{max(p - 2, 1)}–{p}", f"Работа над ошибками, с. {page}"))
    if subject == RUS:
        return rng.choice(
            (
                f"Упр. {n}, с. {page}",
                f"§{p}, правило наизусть; упр. {n}",
                f"Упр. {n} и {n + 2} (письменно)",
                f"Упр. {n}, словарные слова на с. {page}",
            )
        )
    if subject in (READ, LIT):
        return rng.choice(
            (
                f"Прочитать с. {page}–{page + 6}, ответить на вопросы 1–4",
                f"Выучить стихотворение наизусть (с. {page})",
                f"Пересказ текста на с. {page}–{page + 3}",
                f"Прочитать главы {1 + counter % 12}–{2 + counter % 12}, составить план",
            )
        )
    if subject in (MATH, ALG, GEOM, STAT):
        where = f"§{p}, " if grade >= 5 else ""
        third = f"Вопросы к §{p}; № {n}, {n + 3}" if grade >= 5 else f"С. {page}, № {n % 9 + 1}, {n % 9 + 3}"
        return rng.choice(
            (f"{where}№ {n}, {n + 2}, {n + 5}", f"{where}№ {n} (а, б), {n + 1}", third, f"{where}№ {n}–{n + 3}")
        )
    if subject == ENG:
        return rng.choice(
            (
                f"Ex. {n % 12 + 1}, p. {page}; выучить слова",
                f"WB p. {page}, ex. {n % 8 + 1}, {n % 8 + 2}",
                f"SB p. {page}, ex. {n % 10 + 1} (письменно)",
                f"Выучить слова на с. {page}, ex. {n % 9 + 1}",
            )
        )
    if subject == INF:
        return rng.choice(
            (
                f"§{p}, задания {n % 10 + 1}–{n % 10 + 4} в рабочей тетради",
                f"§{p}, вопросы 1–5",
                f"§{p}, задача {n % 12 + 1} (программа на Python)",
            )
        )
    if subject in (PHYS, CHEM):
        return rng.choice(
            (
                f"§{p}, упр. {n % 40 + 1} (1–3)",
                f"§{p}, задачи {n % 30 + 1}, {n % 30 + 2}",
                f"§{p}, вопросы после параграфа",
            )
        )
    if subject == GEO:
        return rng.choice((f"§{p}, вопросы 1–4 на с. {page}", f"§{p}, контурная карта, с. {page % 30 + 2}"))
    if subject == WORLD:
        return rng.choice((f"С. {page}–{page + 3}, рабочая тетрадь с. {page // 2}", f"С. {page}, ответить на вопросы"))
    if subject == MUS:
        return "Подготовить сообщение о композиторе"
    if subject == ART:
        return "Принести альбом и гуашь"
    if subject == TECH:
        return "Принести материалы для практической работы"
    if subject == PE:
        return "Комплекс утренней гимнастики"
    return rng.choice(
        (
            f"§{p}, вопросы 1–{3 + counter % 3} на с. {page}",
            f"§{p}, пересказ; термины выучить",
            f"§{p}, таблица в тетради",
        )
    )
