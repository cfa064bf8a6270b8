"""Deterministic demo data for crm_counterparty: a Russian sales team's CRM.

Pure functions only (no database): ``generate(seed)`` returns plain dicts and
lists that a loader turns into records.  Identifiers are computed, not
sampled, so every INN, KPP, OGRN, phone and bank account is valid by its
check algorithm.
"""
import datetime
import itertools
import random

# --- reference data ---------------------------------------------------------

# name, locative (for branch names), weight, tax offices (first 4 digits of
# INN/KPP; first 2 = region), phone area codes, postal prefixes, local streets
CITIES = (
    ('Москва', 'в Москве', 30,
        ('7701', '7702', '7703', '7704', '7705', '7707', '7709', '7710',
            '7713', '7714', '7715', '7716', '7717', '7718', '7719', '7720',
            '7722', '7723', '7724', '7725', '7726', '7727', '7728', '7729',
            '7730', '7731', '7733', '7734', '7735', '7736', '7743', '7751'),
        ('495', '499'),
        ('101', '105', '107', '109', '111', '115', '117', '119', '121', '123',
            '125', '127', '129'),
        ('ул. Тверская', 'Ленинградский пр-т', 'ул. Большая Ордынка',
            'Варшавское ш.', 'ул. Профсоюзная', 'Кутузовский пр-т',
            'ул. Бутырская', 'ул. Новослободская', 'Дмитровское ш.',
            'ул. Шаболовка', 'ул. Электрозаводская', 'Рязанский пр-т',
            'ул. Летниковская', 'Волгоградский пр-т')),
    ('Санкт-Петербург', 'в Санкт-Петербурге', 14,
        ('7801', '7802', '7804', '7805', '7806', '7807', '7810', '7811',
            '7813', '7814', '7816', '7819', '7820', '7825', '7838', '7839',
            '7840', '7842'),
        ('812',),
        ('190', '191', '192', '193', '194', '195', '196', '197', '198', '199'),
        ('Невский пр-т', 'Лиговский пр-т', 'Московский пр-т', 'ул. Марата',
            'наб. Обводного канала', 'ул. Садовая',
            'Большой Сампсониевский пр-т', 'Каменноостровский пр-т',
            'ул. Савушкина', 'Кондратьевский пр-т', 'ул. Книпович')),
    ('Новосибирск', 'в Новосибирске', 5,
        ('5401', '5402', '5403', '5404', '5405', '5406', '5407', '5408',
            '5410'),
        ('383',), ('630',),
        ('Красный пр-т', 'ул. Кирова', 'ул. Фрунзе', 'ул. Большевистская',
            'пр-т Димитрова')),
    ('Екатеринбург', 'в Екатеринбурге', 5,
        ('6658', '6659', '6660', '6661', '6670', '6671', '6672', '6679',
            '6685', '6686'),
        ('343',), ('620',),
        ('ул. Малышева', 'ул. 8 Марта', 'ул. Вайнера', 'пр-т Ленина',
            'ул. Челюскинцев')),
    ('Казань', 'в Казани', 4,
        ('1655', '1656', '1657', '1658', '1659', '1660', '1661', '1683',
            '1684'),
        ('843',), ('420',),
        ('ул. Баумана', 'пр-т Победы', 'ул. Пушкина', 'ул. Островского',
            'Сибирский тракт')),
    ('Нижний Новгород', 'в Нижнем Новгороде', 4,
        ('5256', '5257', '5258', '5259', '5260', '5261', '5262', '5263'),
        ('831',), ('603',),
        ('ул. Большая Покровская', 'ул. Родионова', 'Московское ш.',
            'ул. Ванеева')),
    ('Самара', 'в Самаре', 3,
        ('6311', '6312', '6313', '6314', '6315', '6316', '6317', '6318',
            '6319'),
        ('846',), ('443',),
        ('Московское ш.', 'ул. Ново-Садовая', 'ул. Самарская',
            'ул. Куйбышева')),
    ('Ростов-на-Дону', 'в Ростове-на-Дону', 3,
        ('6161', '6162', '6163', '6164', '6165', '6166', '6167', '6168'),
        ('863',), ('344',),
        ('ул. Большая Садовая', 'Будённовский пр-т', 'Ворошиловский пр-т',
            'ул. Пушкинская')),
    ('Краснодар', 'в Краснодаре', 3,
        ('2308', '2309', '2310', '2311', '2312'),
        ('861',), ('350',),
        ('ул. Красная', 'ул. Северная', 'ул. Уральская',
            'ул. Ставропольская')),
    ('Воронеж', 'в Воронеже', 2,
        ('3661', '3662', '3663', '3664', '3665', '3666'),
        ('473',), ('394',),
        ('пр-т Революции', 'ул. Плехановская', 'Московский пр-т',
            'ул. Кольцовская')),
    ('Пермь', 'в Перми', 2,
        ('5902', '5903', '5904', '5905', '5906', '5907', '5908'),
        ('342',), ('614',),
        ('Комсомольский пр-т', 'ул. Петропавловская', 'ул. Екатерининская',
            'ш. Космонавтов')),
    ('Уфа', 'в Уфе', 2,
        ('0272', '0273', '0274', '0275', '0276', '0277', '0278'),
        ('347',), ('450',),
        ('ул. Цюрупы', 'пр-т Октября', 'ул. Менделеева', 'ул. Ленина')),
    ('Челябинск', 'в Челябинске', 2,
        ('7447', '7448', '7449', '7450', '7451', '7452', '7453'),
        ('351',), ('454',),
        ('пр-т Ленина', 'ул. Кирова', 'Свердловский пр-т',
            'Комсомольский пр-т')),
    ('Красноярск', 'в Красноярске', 2,
        ('2460', '2461', '2462', '2463', '2464', '2465', '2466'),
        ('391',), ('660',),
        ('пр-т Мира', 'ул. Карла Маркса', 'ул. Взлётная',
            'Свободный пр-т')),
    ('Тюмень', 'в Тюмени', 2, ('7202', '7203', '7204'),
        ('3452',), ('625',),
        ('ул. Республики', 'ул. Мельникайте', 'ул. Широтная')),
    ('Владивосток', 'во Владивостоке', 1,
        ('2536', '2537', '2538', '2539', '2540', '2543'),
        ('423',), ('690',),
        ('ул. Светланская', 'Океанский пр-т', 'ул. Алеутская')),
    ('Омск', 'в Омске', 1, ('5501', '5503', '5504', '5505', '5506', '5507'),
        ('3812',), ('644',),
        ('ул. Ленина', 'пр-т Мира', 'ул. Красный Путь')),
    ('Ярославль', 'в Ярославле', 1, ('7602', '7603', '7604', '7605', '7606'),
        ('4852',), ('150',),
        ('ул. Свободы', 'Московский пр-т', 'ул. Большая Октябрьская')),
    ('Калининград', 'в Калининграде', 1,
        ('3904', '3905', '3906', '3907', '3908'),
        ('4012',), ('236',),
        ('Ленинский пр-т', 'ул. Черняховского', 'Московский пр-т')),
    ('Томск', 'в Томске', 1, ('7017', '7018', '7019', '7020'),
        ('3822',), ('634',),
        ('пр-т Ленина', 'ул. Усова', 'Комсомольский пр-т')),
    ('Иркутск', 'в Иркутске', 1, ('3808', '3810', '3811', '3812'),
        ('3952',), ('664',),
        ('ул. Карла Маркса', 'ул. Байкальская', 'ул. Ленина')),
    ('Тула', 'в Туле', 1, ('7103', '7104', '7105', '7106', '7107'),
        ('4872',), ('300',),
        ('пр-т Ленина', 'ул. Советская', 'Красноармейский пр-т')),
)
# Smaller cities mix their own streets with these (Moscow and St Petersburg
# have enough local ones: nobody there has an office on "ул. Ленина").
COMMON_STREETS = (
    'ул. Ленина', 'ул. Советская', 'ул. Гагарина', 'ул. Мира',
    'ул. Октябрьская', 'ул. Промышленная', 'ул. Заводская', 'ул. Пушкина',
    'ул. Строителей', 'ул. Комсомольская', 'ул. Молодёжная', 'ул. Победы',
    'ул. Набережная', 'ул. Энергетиков', 'пер. Школьный')

# code, abbreviation used in the name, full name, weight, balance account
# prefix (40702 commercial, 40802 sole trader, 40703 non-profit, 40602 state)
LEGAL_FORMS = (
    ('ООО', 'ООО', 'Общество с ограниченной ответственностью', 64, '40702'),
    ('АО', 'АО', 'Акционерное общество', 9, '40702'),
    ('ПАО', 'ПАО', 'Публичное акционерное общество', 3, '40702'),
    ('ЗАО', 'ЗАО', 'Закрытое акционерное общество', 3, '40702'),
    ('ИП', 'ИП', 'Индивидуальный предприниматель', 15, '40802'),
    ('НКО', 'АНО', 'Автономная некоммерческая организация', 3, '40703'),
    ('ГУП', 'ГУП', 'Государственное унитарное предприятие', 3, '40602'),
)

# Real BIKs with their real correspondent accounts (recomputed below);
# None = federal bank used everywhere, else the city of a regional office.
BANKS = (
    ('044525225', 'ПАО Сбербанк', None),
    ('044525593', 'АО «Альфа-Банк»', None),
    ('044525187', 'Банк ВТБ (ПАО)', None),
    ('044525555', 'ПАО «Промсвязьбанк»', None),
    ('044525700', 'АО «Райффайзенбанк»', None),
    ('044525823', 'Банк ГПБ (АО)', None),
    ('044525256', 'ПАО РОСБАНК', None),
    ('044030653', 'Северо-Западный банк ПАО Сбербанк', 'Санкт-Петербург'),
    ('046577674', 'Уральский банк ПАО Сбербанк', 'Екатеринбург'),
    ('045004641', 'Сибирский банк ПАО Сбербанк', 'Новосибирск'),
    ('042202603', 'Волго-Вятский банк ПАО Сбербанк', 'Нижний Новгород'),
    ('043601607', 'Поволжский банк ПАО Сбербанк', 'Самара'),
    ('046015602', 'Юго-Западный банк ПАО Сбербанк', 'Ростов-на-Дону'),
    ('049205603', 'Отделение «Банк Татарстан» № 8610 ПАО Сбербанк',
        'Казань'),
    ('042007681', 'Центрально-Черноземный банк ПАО Сбербанк', 'Воронеж'),
    ('042520607', 'Байкальский банк ПАО Сбербанк', 'Иркутск'),
)

MALE_SURNAMES = (
    'Иванов', 'Петров', 'Смирнов', 'Кузнецов', 'Попов', 'Васильев',
    'Соколов', 'Михайлов', 'Новиков', 'Фёдоров', 'Морозов', 'Волков',
    'Алексеев', 'Лебедев', 'Семёнов', 'Егоров', 'Павлов', 'Козлов',
    'Степанов', 'Николаев', 'Орлов', 'Андреев', 'Макаров', 'Никитин',
    'Захаров', 'Зайцев', 'Соловьёв', 'Борисов', 'Яковлев', 'Григорьев',
    'Романов', 'Воробьёв', 'Сергеев', 'Кузьмин', 'Фролов', 'Дмитриев',
    'Королёв', 'Гусев', 'Киселёв', 'Ильин', 'Максимов', 'Поляков',
    'Сорокин', 'Виноградов', 'Ковалёв', 'Белов', 'Медведев', 'Антонов',
    'Тарасов', 'Жуков', 'Баранов', 'Филиппов', 'Комаров', 'Давыдов',
    'Беляев', 'Герасимов', 'Богданов', 'Осипов', 'Сидоров', 'Матвеев',
    'Титов', 'Марков', 'Миронов', 'Крылов', 'Куликов', 'Карпов', 'Власов',
    'Мельников', 'Денисов', 'Гаврилов', 'Тихонов', 'Казаков', 'Данилов',
    'Тимофеев', 'Фомин', 'Чернов', 'Абрамов', 'Мартынов', 'Ефимов',
    'Щербаков', 'Назаров', 'Калинин', 'Исаев', 'Быков', 'Маслов',
    'Коновалов', 'Лазарев', 'Воронин', 'Климов', 'Голубев', 'Кудрявцев',
    'Прохоров', 'Наумов', 'Журавлёв', 'Овчинников', 'Гончаров', 'Котов',
    'Громов', 'Малышев', 'Румянцев', 'Галкин', 'Скворцов', 'Нестеров',
    'Цветков', 'Логинов', 'Краснов', 'Рыбаков', 'Калашников', 'Некрасов',
    'Покровский', 'Вишневский', 'Соколовский', 'Толстой', 'Шевченко',
    'Коваленко', 'Бондаренко', 'Ткаченко', 'Черных', 'Седых', 'Гарипов',
    'Хабибуллин', 'Сафин', 'Галиев', 'Ахметов', 'Ким')
MALE_NAMES = (
    'Александр', 'Алексей', 'Андрей', 'Антон', 'Артём', 'Борис', 'Вадим',
    'Валерий', 'Василий', 'Виктор', 'Владимир', 'Владислав', 'Вячеслав',
    'Геннадий', 'Георгий', 'Глеб', 'Григорий', 'Денис', 'Дмитрий',
    'Евгений', 'Егор', 'Иван', 'Игорь', 'Илья', 'Кирилл', 'Константин',
    'Леонид', 'Максим', 'Михаил', 'Никита', 'Николай', 'Олег', 'Павел',
    'Пётр', 'Роман', 'Руслан', 'Сергей', 'Станислав', 'Степан', 'Тимур',
    'Фёдор', 'Юрий', 'Ярослав')
FEMALE_NAMES = (
    'Алёна', 'Алина', 'Анастасия', 'Анна', 'Валентина', 'Валерия', 'Вера',
    'Виктория', 'Галина', 'Дарья', 'Евгения', 'Екатерина', 'Елена',
    'Елизавета', 'Ирина', 'Ксения', 'Лариса', 'Людмила', 'Любовь',
    'Маргарита', 'Марина', 'Мария', 'Надежда', 'Наталья', 'Нина', 'Оксана',
    'Ольга', 'Полина', 'Светлана', 'Софья', 'Татьяна', 'Юлия')
# Patronymic stems: stem + 'ич' (male) / stem + 'на' (female)
PATRONYMIC_STEMS = (
    'Александров', 'Алексеев', 'Андреев', 'Анатольев', 'Борисов',
    'Валерьев', 'Васильев', 'Викторов', 'Владимиров', 'Вячеславов',
    'Геннадьев', 'Григорьев', 'Дмитриев', 'Евгеньев', 'Иванов', 'Игорев',
    'Константинов', 'Михайлов', 'Николаев', 'Олегов', 'Павлов', 'Петров',
    'Романов', 'Сергеев', 'Юрьев', 'Фёдоров', 'Станиславов', 'Геннадьев')

# Name pools for organisations: composite "Уралтехмонтаж"-style names are
# root + optional middle + suffix; the suffix decides the industry.
NAME_ROOTS = (
    'Урал', 'Сиб', 'Волго', 'Нева', 'Дон', 'Кама', 'Балт', 'Север', 'Юг',
    'Мос', 'Рос', 'Евро', 'Спец', 'Центр', 'Регион', 'Гранит', 'Профи',
    'Стандарт', 'Инвест', 'Прима', 'Вол', 'Тех', 'Век', 'Кедр')
NAME_MIDDLES = ('', '', '', 'тех', 'пром', 'строй', 'энерго', 'снаб',
    'металл', 'авто', 'агро', 'хим', 'электро', 'транс')
NAME_SUFFIXES = (
    ('монтаж', 'строительство'), ('строй', 'строительство'),
    ('снаб', 'оптовая торговля'), ('торг', 'оптовая торговля'),
    ('сервис', 'услуги'), ('комплект', 'оптовая торговля'),
    ('ресурс', 'добыча и переработка'), ('логистик', 'логистика'),
    ('проект', 'проектирование'), ('маш', 'машиностроение'),
    ('прибор', 'приборостроение'), ('трейд', 'оптовая торговля'),
    ('инжиниринг', 'инжиниринг'), ('пласт', 'производство пластмасс'),
    ('софт', 'IT'), ('лес', 'деревообработка'))
SOLO_SUFFIXES = ('лес', 'софт', 'пласт', 'прибор', 'логистик')
BRANDS = (
    'Альфа', 'Вектор', 'Меридиан', 'Орион', 'Прогресс', 'Импульс', 'Старт',
    'Сфера', 'Атлант', 'Вега', 'Магистраль', 'Эталон', 'Феникс', 'Квант',
    'Ритм', 'Спектр', 'Титан', 'Альянс', 'Гарант', 'Лидер', 'Континент',
    'Горизонт', 'Зенит', 'Элемент', 'Форвард', 'Компас', 'Аспект', 'Пилот',
    'Ника', 'Арсенал')
BRAND_TAILS = (
    ('Строй', 'строительство'), ('Сервис', 'услуги'),
    ('Трейд', 'оптовая торговля'), ('Логистик', 'логистика'),
    ('Групп', None), ('М', None), ('Плюс', None),
    ('Инжиниринг', 'инжиниринг'), ('Софт', 'IT'), ('Проект', 'проектирование'),
    ('Авто', 'автосервис'), ('Агро', 'сельское хозяйство'),
    ('Мед', 'медицина'), ('Пром', 'машиностроение'),
    ('Энерго', 'энергетика'), ('Урал', None), ('Юг', None))
DESCRIPTIVE_NAMES = (
    ('Северный ветер', 'оптовая торговля'),
    ('Белые ночи', 'гостиничный бизнес'),
    ('Зелёная долина', 'сельское хозяйство'),
    ('Русский лес', 'деревообработка'),
    ('Сибирский тракт', 'логистика'),
    ('Уральские самоцветы', 'ювелирное производство'),
    ('Тёплый дом', 'строительство'), ('Чистый город', 'клининг'),
    ('Добрый хлеб', 'пищевое производство'),
    ('Золотой колос', 'сельское хозяйство'),
    ('Цифровые решения', 'IT'), ('Первая линия', 'IT'),
    ('Верный путь', 'логистика'), ('Северная звезда', 'судоремонт'),
    ('Мастер окон', 'строительство'), ('Стальной век', 'металлургия'),
    ('Городская аптека', 'фармацевтика'), ('Здоровье плюс', 'медицина'),
    ('Южный порт', 'логистика'), ('Волжские просторы', 'туризм'),
    ('Новые технологии', 'IT'), ('Белый медведь', 'пищевое производство'),
    ('Ясная поляна', 'пищевое производство'),
    ('Крепкий фундамент', 'строительство'),
    ('Сибирский кедр', 'деревообработка'), ('Точная механика', 'машиностроение'),
    ('Вкусная точка', 'общественное питание'),
    ('Академия роста', 'образование'), ('Полярный круг', 'логистика'))
GUP_NAMES = (
    ('Фармация', 'фармацевтика'), ('Горэлектротранс', 'транспорт'),
    ('Водоканал', 'ЖКХ'), ('Теплоэнерго', 'энергетика'),
    ('Лесхоз', 'лесное хозяйство'), ('Горсвет', 'ЖКХ'),
    ('Дорожное ремонтно-строительное управление № 3', 'строительство'),
    ('Областная типография', 'полиграфия'), ('Пассажиравтотранс', 'транспорт'))
NKO_NAMES = (
    'Центр поддержки предпринимательства', 'Агентство развития туризма',
    'Центр развития компетенций', 'Центр содействия занятости молодёжи',
    'Фонд развития моногородов', 'Центр „Мой бизнес“')

TYPES = (('client', 70), ('supplier', 10), ('contractor', 7),
    ('partner', 6), ('competitor', 4), ('other', 3))
STATUSES = (('potential', 35), ('current', 45), ('hopeless', 8),
    ('former', 12))
POSITIONS = (
    ('Генеральный директор', 5), ('Коммерческий директор', 3),
    ('Главный бухгалтер', 4), ('Бухгалтер', 2), ('Менеджер по закупкам', 5),
    ('Начальник отдела снабжения', 3), ('Главный инженер', 2),
    ('Офис-менеджер', 2), ('Юрист', 1), ('Финансовый директор', 1),
    ('Специалист по тендерам', 2), ('Заместитель директора', 2),
    ('Руководитель отдела продаж', 1), ('Инженер ПТО', 1))
PRODUCTS = (
    'поставку металлопроката', 'поставку кабельной продукции',
    'поставку спецодежды и СИЗ', 'поставку офисной мебели',
    'поставку серверного оборудования', 'монтаж системы вентиляции',
    'сервисное обслуживание погрузчиков', 'поставку расходных материалов',
    'поставку электрооборудования', 'поставку запорной арматуры',
    'поставку сухих строительных смесей', 'аренду спецтехники',
    'поставку упаковочных материалов', 'поставку инструмента')
COMMENTS = (
    'Звонил, просили перезвонить после {day}-го',
    'Выставили КП на {product}, ждём обратной связи',
    'Отправил договор на согласование, юристы смотрят',
    'Счёт № {num} от {date} оплачен',
    'ЛПР — генеральный, напрямую не выйти, только через секретаря',
    'Не берут трубку третий день, написал на почту',
    'Попросили скидку {pct} % при объёме от {amount} руб.',
    'Встреча в офисе клиента {date} в {hour}:00',
    'Запросили цены на {product}, выслал прайс',
    'Бюджет на следующий год утверждают в {month}',
    'Участвуют в тендере, ждём публикацию на площадке',
    'Сменился главный бухгалтер, новые контакты в карточке',
    'Запросили акт сверки за 2025 год',
    'Передал запрос в техотдел на расчёт',
    'Ждут оригиналы документов почтой',
    'Пришли с сайта, заявка через форму обратной связи',
    'Отсрочка платежа {days} дней, согласовано с руководством',
)
STATUS_COMMENTS = {
    'potential': ('Холодный звонок, выслал презентацию',
        'Познакомились на выставке «Иннопром», обещали посмотреть прайс',
        'Интересны {product}, сейчас работают с другим поставщиком'),
    'current': ('Отгрузили первую партию, претензий нет',
        'Ежемесячные заказы, оплата по факту отгрузки',
        'Договор продлён до конца 2026 года'),
    'hopeless': ('Не интересно, работают напрямую с заводом',
        'Просили больше не звонить', 'Компания в процессе ликвидации'),
    'former': ('Ушли к конкуренту из-за цены',
        'Последняя отгрузка в 2024 году, на звонки не отвечают',
        'Прекратили сотрудничество, задолженность закрыта'),
}
PERSON_COMMENTS = (
    'Частный заказчик, ремонт квартиры', 'Строит дом, нужна смета',
    'Оплата переводом на карту не подходит, только по счёту',
    'Самозанятый, работаем по договору ГПХ',
    'Покупал в прошлом году, обещал вернуться весной',
    'Просил перезвонить вечером после 18:00')
MONTHS_LOC = ('январе', 'феврале', 'марте', 'апреле', 'мае', 'июне', 'июле',
    'августе', 'сентябре', 'октябре', 'ноябре', 'декабре')
MONTHS_GEN = ('января', 'февраля', 'марта', 'апреля', 'мая', 'июня', 'июля',
    'августа', 'сентября', 'октября', 'ноября', 'декабря')

MOBILE_CODES = (
    '903', '905', '906', '909', '910', '911', '912', '913', '915', '916',
    '917', '918', '919', '920', '921', '922', '923', '925', '926', '927',
    '928', '929', '950', '951', '952', '953', '960', '961', '962', '977',
    '980', '981', '982', '985', '987', '989', '999')
# The many ways people type the same number: 8 vs +7, brackets, dashes,
# spaces or nothing at all.
PHONE_STYLES = {
    'paren8': '8 ({c}) {a}-{b}-{d}',
    'plus_paren': '+7 ({c}) {a}-{b}-{d}',
    'plus_spaced': '+7 {c} {a} {b} {d}',
    'plus_compact': '+7{c}{s}',
    'plus_paren_compact': '+7({c}){s}',
    'compact8': '8{c}{s}',
    'paren_local': '({c}) {a}-{b}-{d}',
    'dashed8': '8-{c}-{a}-{b}-{d}',
    'spaced8': '8 {c} {a}-{b}-{d}',
}
LANDLINE_STYLES = (('paren8', 6), ('plus_paren', 3), ('compact8', 1),
    ('plus_paren_compact', 1), ('paren_local', 2), ('dashed8', 1),
    ('plus_spaced', 1))
MOBILE_STYLES = (('plus_spaced', 3), ('plus_compact', 2), ('spaced8', 2),
    ('paren8', 2), ('compact8', 1), ('dashed8', 1))
TOLL_FREE_STYLES = (('dashed8', 3), ('paren8', 2), ('spaced8', 1))
EXTENSION_STYLES = (' доб. {n}', ' доб {n}', ', доб. {n}', ' (доб. {n})')
FREE_MAIL = ('mail.ru', 'yandex.ru', 'gmail.com', 'bk.ru', 'inbox.ru',
    'list.ru', 'rambler.ru')

OWN_COMPANY = ('ООО «ТехСнабКомплект»',
    'Общество с ограниченной ответственностью «ТехСнабКомплект»', 'Москва')
TODAY = datetime.date(2026, 1, 20)

TRANSLIT = dict(zip('абвгдеёжзийклмнопрстуфхцчшщъыьэюя', (
    'a', 'b', 'v', 'g', 'd', 'e', 'e', 'zh', 'z', 'i', 'y', 'k', 'l', 'm',
    'n', 'o', 'p', 'r', 's', 't', 'u', 'f', 'h', 'ts', 'ch', 'sh', 'sch', '',
    'y', '', 'e', 'yu', 'ya')))


# --- small helpers ----------------------------------------------------------

def _pick(rng, weighted):
    "Weighted choice from ((value, weight), ...)."
    values, weights = zip(*weighted)
    return rng.choices(values, weights)[0]


def translit(text, sep='-'):
    "ASCII slug as Russians build domains and logins: «Северный» → severny."
    out = ''.join(TRANSLIT.get(ch, ch) for ch in text.lower())
    out = ''.join(ch if ch.isascii() and ch.isalnum() else ' ' for ch in out)
    return sep.join(out.split()).replace('yy', 'y')


def _digits(rng, n):
    return ''.join(rng.choice('0123456789') for _ in range(n))


def _date(rng, days_back=150):
    return TODAY - datetime.timedelta(days=rng.randrange(1, days_back))


def _money(value):
    "1234567 → '1 234 567,00' as in Russian documents."
    return f'{value:,}'.replace(',', ' ') + ',00'


# --- people -------------------------------------------------------------------

def _female_surname(surname):
    if surname.endswith(('ов', 'ев', 'ёв', 'ин', 'ын')):
        return surname + 'а'
    if surname.endswith('ский'):
        return surname[:-2] + 'ая'
    if surname.endswith('ой'):
        return surname[:-2] + 'ая'
    return surname  # Шевченко, Черных, Ким do not change


def person_name(rng, female=None):
    "Return (surname, first name, patronymic, female) — ФИО parts."
    if female is None:
        female = rng.random() < 0.45
    surname = rng.choice(MALE_SURNAMES)
    stem = rng.choice(PATRONYMIC_STEMS)
    if female:
        return (_female_surname(surname), rng.choice(FEMALE_NAMES),
            stem + 'на', True)
    return surname, rng.choice(MALE_NAMES), stem + 'ич', False


def name_fields(parts):
    "The name of a person and its parts, as her card holds them"
    return {'name': ' '.join(parts[:3]), 'last_name': parts[0],
        'first_name': parts[1], 'middle_name': parts[2]}


def _person_email(rng, parts, domain=None):
    last, first = translit(parts[0], ''), translit(parts[1], '')
    if domain is None:
        domain = rng.choice(FREE_MAIL)
        local = rng.choice((f'{last}{rng.randint(70, 99)}', f'{first}.{last}',
            f'{last}.{first[0]}{translit(parts[2], "")[0]}'))
    else:
        local = rng.choice((f'{first[0]}.{last}', last, f'{last}.{first}'))
    return f'{local}@{domain}'


# --- identifiers (check digits as in stdnum.ru.inn / stdnum.ru.ogrn) --------

def _inn_check(digits, weights):
    return str(sum(w * int(d) for w, d in zip(weights, digits)) % 11 % 10)


def make_inn(rng, office, personal, taken):
    "INN starting with the tax office code: 10 digits, or 12 for persons."
    while True:
        if personal:
            body = office + _digits(rng, 6)
            body += _inn_check(body, (7, 2, 4, 10, 3, 5, 9, 4, 6, 8))
            inn = body + _inn_check(body, (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8))
        else:
            body = office + _digits(rng, 5)
            inn = body + _inn_check(body, (2, 4, 10, 3, 5, 9, 4, 6, 8))
        if inn not in taken:
            taken.add(inn)
            return inn


def make_ogrn(rng, inn, year, taken):
    "13-digit OGRN: sign, year, region + inspection from the INN, record."
    while True:  # sign 1 is the common one, 5 appears in newer numbers
        body = rng.choice('115') + f'{year:02d}' + inn[:4] + _digits(rng, 5)
        ogrn = body + str(int(body) % 11 % 10)
        if ogrn not in taken:
            taken.add(ogrn)
            return ogrn


def make_ogrnip(rng, inn, year, taken):
    """15-digit OGRNIP (sign 3).  The official rule keeps the last digit of
    a remainder of 10-12, but stdnum rejects those, so we skip them."""
    while True:
        body = '3' + f'{year:02d}' + inn[:2] + _digits(rng, 9)
        if int(body) % 13 < 10 and body not in taken:
            taken.add(body)
            return body + str(int(body) % 13)


def make_kpp(office, reason='01', serial=1):
    "KPP = tax office (4) + reason (01 head office, 43 branch) + serial (3)."
    return f'{office}{reason}{serial:03d}'


# --- bank requisites --------------------------------------------------------

def _control_key(prefix, account):
    """Return the account with its 9th digit set so that the Central Bank
    checksum (weights 7,1,3 over prefix + account) is 0 mod 10."""
    weights = (7, 1, 3)
    zeroed = account[:8] + '0' + account[9:]
    total = sum(int(d) * weights[i % 3]
        for i, d in enumerate(prefix + zeroed))
    # The key sits at position 11 of the 23 digits (weight 3) and 3 × 7 ≡ 1.
    return account[:8] + str(total * 3 % 10) + account[9:]


def correspondent_account(bik):
    return _control_key('0' + bik[4:6], '30101810' + '0' + '00000000' +
        bik[-3:])


def settlement_account(rng, bik, balance):
    "Balance account, currency 810 (rouble), key, branch and account number."
    return _control_key(bik[-3:], balance + '810' + '0' + _digits(rng, 11))


def bank_requisites(rng, city, balance):
    local = [b for b in BANKS if b[2] == city]
    federal = [b for b in BANKS if b[2] is None]
    bik, bank, _ = rng.choice(local if local and rng.random() < 0.4
        else federal)
    return {'bik': bik, 'bank': bank,
        'correspondent_account': correspondent_account(bik),
        'settlement_account': settlement_account(rng, bik, balance)}


# --- contact data -----------------------------------------------------------

def format_phone(rng, code, subscriber, styles, extension=False):
    if len(subscriber) == 7:
        a, b, d = subscriber[:3], subscriber[3:5], subscriber[5:]
    else:  # 4-digit area codes leave a 6-digit number: 12-34-56
        a, b, d = subscriber[:2], subscriber[2:4], subscriber[4:]
    phone = PHONE_STYLES[_pick(rng, styles)].format(
        c=code, s=subscriber, a=a, b=b, d=d)
    if extension:
        phone += rng.choice(EXTENSION_STYLES).format(
            n=rng.choice((rng.randint(10, 99), rng.randint(100, 399))))
    return phone


def landline(rng, city, extension=False):
    code = rng.choice(city[4])
    subscriber = str(rng.randint(2, 9)) + _digits(rng, 9 - len(code))
    return format_phone(rng, code, subscriber, LANDLINE_STYLES, extension)


def mobile(rng, styles=MOBILE_STYLES):
    return format_phone(rng, rng.choice(MOBILE_CODES), _digits(rng, 7), styles)


def toll_free(rng):
    return format_phone(rng, '800', str(rng.randint(1, 7)) + _digits(rng, 6),
        TOLL_FREE_STYLES)


def address(rng, city):
    streets = city[6] if len(city[6]) > 8 else city[6] + COMMON_STREETS
    street = f'{rng.choice(streets)}, д. {rng.randint(1, 120)}'
    street += _pick(rng, (('', 6), ('А', 1), ('Б', 1),
        (f', корп. {rng.randint(1, 5)}', 2), (f', стр. {rng.randint(1, 9)}', 2),
        (f'/{rng.randint(1, 20)}', 1)))
    street += _pick(rng, (('', 4), (f', офис {rng.randint(101, 720)}', 4),
        (f', оф. {rng.randint(1, 50)}', 1), (f', пом. {rng.randint(1, 40)}Н', 1)))
    postal = rng.choice(city[5]) + '0' + f'{rng.randint(1, 99):02d}'
    return street, postal


def unique_domain(rng, core, city, taken, tld=None):
    slug = translit(core)
    for candidate in (slug, slug.replace('-', ''),
            f'{slug}-{translit(city[0])[:3]}', f'{slug}{rng.randint(1, 99)}'):
        if candidate not in taken:
            taken.add(candidate)
            return candidate + (tld or _pick(rng,
                (('.ru', 17), ('.com', 1), ('.su', 1), ('.net', 1))))
    return unique_domain(rng, core + ' ' + str(len(taken)), city, taken, tld)


def telegram(rng, domain):
    "A few companies run a channel named after the domain (5-32 chars)."
    handle = domain.split('.')[0].replace('-', '_') if domain else ''
    return '@' + handle if 5 <= len(handle) <= 32 and rng.random() < 0.12 \
        else None


def contacts(rng, city, domain, count):
    result = []
    positions = list(POSITIONS)
    for _ in range(count):
        position = _pick(rng, positions)
        positions = [p for p in positions if p[0] != position]
        parts = person_name(rng)
        office = rng.random() < 0.3
        phone = landline(rng, city, extension=True) if office else mobile(rng)
        contact = {**name_fields(parts), 'position': position,
            'phone': phone, 'email': None, 'whatsapp': None}
        if rng.random() < 0.6:
            contact['email'] = _person_email(rng, parts,
                domain if domain and rng.random() < 0.8 else None)
        if rng.random() < 0.15:
            contact['whatsapp'] = mobile(rng, (('plus_compact', 1),))
        result.append(contact)
    return result


def comments(rng, status, count, pool=COMMENTS):
    pool = pool + STATUS_COMMENTS.get(status, ())
    return [template.format(day=rng.choice((10, 15, 20, 25)),
            product=rng.choice(PRODUCTS), num=rng.randint(12, 990),
            date=_date(rng).strftime('%d.%m.%Y'), pct=rng.choice((3, 5, 7, 10)),
            amount=_money(rng.choice((300, 500, 750, 1000)) * 1000)[:-3],
            hour=rng.randint(10, 16), month=rng.choice(MONTHS_LOC),
            days=rng.choice((14, 30, 45)))
        for template in rng.sample(pool, count)]


# --- attachments ------------------------------------------------------------

def _requisites_text(company):
    payer = company['payer']
    return '\n'.join((
        'Карточка предприятия', '',
        f'Полное наименование: {payer["name"]}',
        f'Сокращённое наименование: {company["name"]}',
        f'ИНН/КПП: {payer["inn"]}/{payer["kpp"] or "—"}',
        f'ОГРН: {payer["ogrn"]}',
        f'Адрес: {company["postal_code"]}, г. {company["city"]}, '
        f'{company["street"]}',
        f'Р/с: {payer["settlement_account"]}', f'Банк: {payer["bank"]}',
        f'БИК: {payer["bik"]}', f'К/с: {payer["correspondent_account"]}',
        f'Телефон: {company["phones"][0]}',
        f'E-mail: {company["email"] or "—"}', ''))


def _contract_text(rng, company, number, day):
    payer = company['payer']
    named = 'именуемый' if company['legal_form'] == 'ИП' else 'именуемое'
    return '\n'.join((
        f'ДОГОВОР ПОСТАВКИ № {number}', '',
        f'г. {OWN_COMPANY[2]}\t\t\t«{day.day:02d}» {MONTHS_GEN[day.month - 1]}'
        f' {day.year} г.', '',
        f'{OWN_COMPANY[1]}, именуемое в дальнейшем «Поставщик», и '
        f'{payer["name"]}, {named} в дальнейшем «Покупатель», '
        'заключили настоящий договор о нижеследующем.', '',
        '1. ПРЕДМЕТ ДОГОВОРА',
        '1.1. Поставщик обязуется передать в собственность Покупателя товар, '
        'а Покупатель — принять и оплатить его.',
        '1.2. Наименование, количество и цена товара указываются '
        'в спецификациях, являющихся неотъемлемой частью договора.', '',
        '2. ПОРЯДОК РАСЧЁТОВ',
        f'2.1. Оплата производится в течение {rng.choice((5, 10, 30))} '
        'банковских дней с даты отгрузки.', ''))


def _offer_text(rng, company, employee):
    return '\n'.join((
        'КОММЕРЧЕСКОЕ ПРЕДЛОЖЕНИЕ', '', f'Кому: {company["name"]}',
        f'От: {OWN_COMPANY[0]}', '',
        f'Предлагаем рассмотреть {rng.choice(PRODUCTS)}.',
        f'Стоимость: {_money(rng.randint(80, 3000) * 1000)} руб. с учётом НДС.',
        f'Срок поставки: {rng.choice((3, 5, 10, 14))} рабочих дней.',
        'Оплата: 50 % предоплата, 50 % по факту отгрузки.', '',
        f'Менеджер: {employee["name"]}, {employee["email"]}', ''))


def attachments(rng, company, employee):
    "One or two small text files, as salespeople attach them to a card."
    options = [('КП от {:%d.%m.%Y}.txt'.format(_date(rng)),
        _offer_text(rng, company, employee))]
    if company['payer']:
        day = _date(rng, 300)
        number = f'{rng.randint(1, 99)}-{day.year}'
        options += [(rng.choice(('Реквизиты.txt', 'Карточка предприятия.txt')),
                _requisites_text(company)),
            (f'Договор №{number}.txt', _contract_text(rng, company, number, day))]
    chosen = rng.sample(options, rng.randint(1, min(2, len(options))))
    return [(name, text.encode('utf-8')) for name, text in chosen]


# --- counterparties ---------------------------------------------------------

def _org_name(rng, form, taken):
    """Return (short name, name in quotes, industry) unique across the set;
    once a small pool runs dry, number the name («Вектор-2»)."""
    for attempt in itertools.count():
        if form[0] == 'ГУП':
            core, industry = rng.choice(GUP_NAMES)
        elif form[0] == 'НКО':
            core, industry = rng.choice(NKO_NAMES), 'некоммерческая деятельность'
        elif rng.random() < 0.5:
            middle = rng.choice(NAME_MIDDLES)
            tail, industry = rng.choice(NAME_SUFFIXES)
            # avoid «Металллес»-style clashes and three-product mouthfuls
            if middle and (middle == tail or middle[-1] == tail[0]
                    or tail in SOLO_SUFFIXES):
                continue
            core = rng.choice(NAME_ROOTS) + middle + tail
        elif rng.random() < 0.6 and form[0] in ('ООО', 'АО'):
            tail, industry = rng.choice(BRAND_TAILS)
            core = f'{rng.choice(BRANDS)}-{tail}'
            industry = industry or rng.choice(NAME_SUFFIXES)[1]
        elif form[0] in ('ООО', 'АО'):
            core, industry = rng.choice(DESCRIPTIVE_NAMES)
        else:  # ПАО and ЗАО sound like old industrial companies
            continue
        if core in taken and attempt > 30:
            core = f'{core}-{attempt - 29}'
        if core not in taken:
            taken.add(core)
            return f'{form[1]} «{core}»', core, industry


def organisation(rng, employees, taken):
    form = _pick(rng, [(f, f[3]) for f in LEGAL_FORMS])
    city = _pick(rng, [(c, c[2]) for c in CITIES])
    office = rng.choice(city[3])
    sole = form[0] == 'ИП'
    # ЗАО could not be registered after 2014; public companies are old.
    year = rng.randint(2, 13 if form[0] in ('ЗАО', 'ПАО') else 25)
    if sole:
        owner = person_name(rng)
        name, full_name = 'ИП ' + ' '.join(owner[:3]), f'{form[2]} ' + \
            ' '.join(owner[:3])
        industry = rng.choice(NAME_SUFFIXES)[1]
        inn = make_inn(rng, office, True, taken['inn'])
        ogrn, kpp = make_ogrnip(rng, inn, year, taken['ogrn']), None
        domain = None
        email = _person_email(rng, owner)
    else:
        name, core, industry = _org_name(rng, form, taken['name'])
        full_name = f'{form[2]} «{core}»'
        inn = make_inn(rng, office, False, taken['inn'])
        ogrn, kpp = make_ogrn(rng, inn, year, taken['ogrn']), make_kpp(office)
        domain = unique_domain(rng, core, city, taken['domain'],
            '.org' if form[0] == 'НКО' else None)
        email = rng.choice(('info', 'info', 'sales', 'office', 'zakaz',
            'mail')) + '@' + domain
    street, postal = address(rng, city)
    phones = [landline(rng, city, extension=rng.random() < 0.1)
        if not sole or rng.random() < 0.3 else mobile(rng)]
    if rng.random() < 0.35:
        phones.append(toll_free(rng) if not sole and rng.random() < 0.3
            else mobile(rng) if rng.random() < 0.5
            else landline(rng, city, extension=True))
    status = _pick(rng, STATUSES)
    company = {
        'name': name, 'legal_form': form[0], 'industry': industry,
        'inn': inn, 'kpp': kpp, 'ogrn': ogrn, 'head_office': None,
        'city': city[0], 'street': street, 'postal_code': postal,
        'phones': phones, 'email': email,
        'website': f'https://{domain}' if domain and rng.random() < 0.55
            else None,
        'telegram': telegram(rng, domain),
        'type': _pick(rng, TYPES), 'status': status,
        'responsible': rng.choice(employees)['login'],
        'contacts': contacts(rng, city, domain,
            _pick(rng, ((0, 15), (1, 40), (2, 30), (3, 15))) if not sole
            else rng.randint(0, 1)),
        'comments': comments(rng, status, rng.randint(0, 3)),
        'payer': None, 'attachments': [],
    }
    if rng.random() < 0.85:
        company['payer'] = {'name': full_name, 'inn': inn, 'kpp': kpp,
            'ogrn': ogrn, **bank_requisites(rng, city[0], form[4])}
    return company


def branch(rng, head, employees, taken):
    "Обособленное подразделение: head office INN/OGRN, own city and KPP."
    city = rng.choice([c for c in CITIES if c[0] != head['city']])
    office = rng.choice(city[3])
    serial = 1
    while (head['inn'], make_kpp(office, '43', serial)) in taken['inn_kpp']:
        serial += 1
    kpp = make_kpp(office, '43', serial)
    taken['inn_kpp'].add((head['inn'], kpp))
    street, postal = address(rng, city)
    domain = head['email'].split('@')[1] if head['email'] else None
    status = head['status']
    company = dict(head,
        name=f'{head["name"]} (филиал {city[1]})', kpp=kpp,
        head_office=head['name'], city=city[0], street=street,
        postal_code=postal, phones=[landline(rng, city)],
        email=f'{translit(city[0])[:3]}@{domain}' if domain else None,
        telegram=None, responsible=rng.choice(employees)['login'],
        contacts=contacts(rng, city, domain, rng.randint(1, 2)),
        comments=comments(rng, status, rng.randint(0, 2)), attachments=[])
    if head['payer']:
        form = next(f for f in LEGAL_FORMS if f[0] == head['legal_form'])
        company['payer'] = dict(head['payer'], kpp=kpp,
            **bank_requisites(rng, city[0], form[4]))
    return company


def individual(rng, employees, taken):
    "A private person who is a client in their own right."
    city = _pick(rng, [(c, c[2]) for c in CITIES])
    parts = person_name(rng)
    status = _pick(rng, STATUSES)
    return {
        **name_fields(parts), 'city': city[0],
        'phone': mobile(rng) if rng.random() < 0.9 else landline(rng, city),
        'email': _person_email(rng, parts) if rng.random() < 0.6 else None,
        'inn': make_inn(rng, rng.choice(city[3]), True, taken['inn'])
            if rng.random() < 0.4 else None,
        'type': _pick(rng, (('client', 8), ('contractor', 1), ('other', 1))),
        'status': status, 'responsible': rng.choice(employees)['login'],
        'comments': comments(rng, status, rng.randint(0, 2),
            COMMENTS[:3] + PERSON_COMMENTS),
    }


def make_employees(rng, count=5):
    employees, logins = [], set()
    domain = translit(OWN_COMPANY[0].split('«')[1].rstrip('»')) + '.ru'
    while len(employees) < count:
        parts = person_name(rng)
        login = translit(parts[0], '')
        if login in logins:
            login = translit(parts[1], '')[0] + login
        if login in logins:
            continue
        logins.add(login)
        employees.append({**name_fields(parts), 'login': login,
            'email': f'{login}@{domain}'})
    return employees


COMMUNICATION_SUBJECTS = {
    'call': ("Уточнить потребность", "Обсудить условия оплаты",
        "Напомнить о коммерческом предложении", "Согласовать сроки поставки"),
    'meeting': ("Презентация продукции", "Переговоры по договору",
        "Знакомство с новым директором"),
    'video_call': ("Демонстрация по видеосвязи", "Согласование спецификации"),
    'letter': ("Отправить коммерческое предложение", "Выслать договор"),
    'conference': ("Встреча на отраслевой выставке",),
    }
COMMUNICATION_RESULTS = (
    "Договорились о следующем звонке", "Ждут коммерческое предложение",
    "Просили перезвонить через неделю", "Согласовали объём на квартал",
    "Отказались: закупили у конкурента", "Передали вопрос директору",
    )


def communications(rng, companies, count=90):
    """Communications with the companies as plain data, each a number of
    days from today: the past ones held with a result, the rest planned"""
    result = []
    for company in rng.sample(companies, count):
        for _ in range(rng.randint(1, 3)):
            category = rng.choice(list(COMMUNICATION_SUBJECTS))
            day = rng.randint(-60, 21)
            result.append({
                    'company': company['name'],
                    'with_contact': bool(company['contacts'])
                    and rng.random() < 0.6,
                    'responsible': company['responsible'],
                    'category': category,
                    'subject': rng.choice(COMMUNICATION_SUBJECTS[category]),
                    'day': day,
                    'hour': rng.randint(9, 17),
                    'minutes': rng.choice((15, 30, 60, 90)),
                    'result': rng.choice(COMMUNICATION_RESULTS)
                    if day < 0 else None,
                    })
    return result


def automation_scenarios(employees):
    """The demo's automation scenarios (automation.py), as plain data: the
    loader names the type and the staff by their keys and logins"""
    return [{
            'name': "Новый клиент: звонок завтра",
            'trigger_kind': 'created',
            'type': 'client',
            'actions': [{
                    'kind': 'plan_communication', 'days': 1,
                    'subject': "Знакомство: {{name}}",
                    'text': "Позвонить новому клиенту {{name}}",
                    'to_responsible': True,
                    }],
            }, {
            'name': "Нет контакта 30 дней: напомнить ответственному",
            'trigger_kind': 'inactive', 'days': 30,
            'actions': [{
                    'kind': 'notify', 'to_responsible': True,
                    'subject': "Нет контакта 30 дней: {{name}}",
                    'text': "{{responsible}}, с {{name}} не связывались "
                    "больше 30 дней.",
                    }],
            }, {
            'name': "Новый контрагент из импорта: ответственный по кругу",
            'trigger_kind': 'import_done',
            # Those the file gave a responsible keep him
            'domain': '[["responsible", "=", null]]',
            'actions': [{
                    'kind': 'assign_responsible', 'method': 'round_robin',
                    'logins': [e['login'] for e in employees],
                    }],
            }]


def generate(seed=2026, companies=220, persons=40):
    """Return {'employees', 'companies', 'persons', 'communications'} as
    plain data.

    About one company in 44 is a branch of an earlier head office, so the
    list holds exactly ``companies`` records.
    """
    rng = random.Random(seed)
    taken = {key: set() for key in ('inn', 'ogrn', 'name', 'domain',
        'inn_kpp')}
    employees = make_employees(rng)
    result = [organisation(rng, employees, taken)
        for _ in range(companies - companies // 44)]
    taken['inn_kpp'].update((c['inn'], c['kpp']) for c in result)
    heads = [c for c in result if c['legal_form'] in ('ООО', 'АО', 'ПАО')]
    result += [branch(rng, rng.choice(heads), employees, taken)
        for _ in range(companies // 44)]
    logins = {e['login']: e for e in employees}
    for company in rng.sample(result, companies // 10):
        company['attachments'] = attachments(rng, company,
            logins[company['responsible']])
    persons = [individual(rng, employees, taken) for _ in range(persons)]
    # Drawn apart, so that the counterparties stay what they were
    return {'employees': employees, 'companies': result, 'persons': persons,
        'automation': automation_scenarios(employees),
        'communications': communications(
            random.Random(seed + 1), result, count=min(90, len(result)))}


if __name__ == '__main__':
    data = generate()
    print(len(data['companies']), 'companies,',
        sum(len(c['contacts']) for c in data['companies']), 'contacts,',
        len(data['persons']), 'persons')
