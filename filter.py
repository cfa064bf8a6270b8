# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Filters of the counterparty list.

System filters are the tabs of the list that come with the module (All,
My clients, Favourites): module records, which nobody can delete.
Predefined filters are tabs and saved searches loaded once (noupdate), so
an administrator edits, renames or deletes them.  A user saves a search
with the star of the search box (Tryton's ir.ui.view_search): it is
personal, and one tick in "Filters" shares it with everyone or takes it
back; a shared one names who shared it, in the list and in the search box's
menu.  Date conditions may be formulas ("today - 7d", see relative_date)
that are evaluated each time the filter runs."""
import datetime as dt

from trytond.i18n import gettext
from trytond.model import Index, fields
from trytond.model.fields import SQL_OPERATORS
from trytond.model.modelstorage import is_leaf
from trytond.pool import Pool, PoolMeta
from trytond.pyson import PYSON, PYSONDecoder
from trytond.transaction import Transaction

from . import relative_date
from .exceptions import InvalidDateFormula
from .sharing import SharedMixin

# A formula searched the way a search box searches text means "since";
# the negations mean "before"
_FORMULA_OPERATORS = {
    '=': '>=', 'like': '>=', 'ilike': '>=',
    '!=': '<', 'not like': '<', 'not ilike': '<',
    '>=': '>=', '>': '>', '<': '<', '<=': '<=',
    }


def formula_domain(field_name, clause, label, date=False):
    """Return the domain on the timestamp (or, with date, the date)
    field_name for the clause of a formula field; label names the field in
    the error.  "Not since" includes the records without a date: never
    contacted is not contacted since."""
    pool = Pool()
    Date = pool.get('ir.date')
    _, operator, value = clause[:3]
    text = value.strip('%').strip() if isinstance(value, str) else value
    if not text:
        # An empty condition restricts nothing
        return []
    if not isinstance(text, str) or operator not in _FORMULA_OPERATORS:
        raise InvalidDateFormula(gettext(
                'crm_counterparty.msg_invalid_date_formula',
                field=label, formula='%s %s' % (operator, text)))
    try:
        day = relative_date.evaluate(text, Date.today())
    except relative_date.OutOfRange as exception:
        raise InvalidDateFormula(gettext(
                'crm_counterparty.msg_date_formula_out_of_range',
                field=label, formula=text)) from exception
    except relative_date.FormulaError as exception:
        raise InvalidDateFormula(gettext(
                'crm_counterparty.msg_invalid_date_formula',
                field=label, formula=text)) from exception
    operator = _FORMULA_OPERATORS[operator]
    value = day if date else dt.datetime.combine(day, dt.time())
    if operator.startswith('<'):
        return ['OR', (field_name, operator, value), (field_name, '=', None)]
    return [(field_name, operator, value)]


def _clauses(domain):
    "The conditions (field, operator, value...) of domain, at any depth"
    for item in domain:
        if is_leaf(item):
            yield item
        elif isinstance(item, (list, tuple)):
            yield from _clauses(item)


class ViewSearch(SharedMixin, metaclass=PoolMeta):
    __name__ = 'ir.ui.view_search'

    shared_by = fields.Many2One(
        'res.user', "Shared By", readonly=True, ondelete='SET NULL',
        help="The user who shared the filter with everyone.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # The predefined filters are read in the user's language, as the
        # tabs beside them are
        cls.name.translate = True

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        # Who shared it is who made it everyone's, never a value given
        values.pop('shared_by', None)
        if 'user' in values:
            values['shared_by'] = (
                None if values['user'] else Transaction().user or None)
        return values

    @classmethod
    def get(cls):
        "The search box's menu names the sharer of another's shared filter"
        result = super().get()
        user = Transaction().user
        ids = [s[0] for searches in result.values() for s in searches]
        sharers = {s.id: s.shared_by.rec_name for s in cls.browse(ids)
            if s.shared_by and s.shared_by.id != user and not s.user}
        for model, searches in result.items():
            result[model] = [
                (id_, gettext('crm_counterparty.msg_filter_shared_by',
                        name=name, user=sharers[id_])
                    if id_ in sharers else name, *rest)
                for id_, name, *rest in searches]
        return result

    @classmethod
    def validate_fields(cls, searches, field_names):
        super().validate_fields(searches, field_names)
        cls.check_date_formulas(searches, field_names)

    @classmethod
    def check_date_formulas(cls, searches, field_names):
        """A saved filter whose date formula cannot run (not a formula, a
        date out of range) is refused when saved rather than failing each
        time it runs"""
        if field_names and 'domain' not in field_names:
            return
        pool = Pool()
        for search in searches:
            Model = pool.get(search.model)
            domain = PYSONDecoder().decode(search.domain)
            if (not hasattr(Model, '_date_formulas')
                    or isinstance(domain, PYSON)):
                # A PYSON domain is known only when the client evaluates it
                continue
            formulas = Model._date_formulas()
            for clause in _clauses(domain):
                if clause[0] in formulas and len(clause) >= 3:
                    Model.search_date_formula(clause[0], clause)


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    my_client = fields.Function(
        fields.Boolean(
            "My Client", help="One I am responsible for."),
        'get_my_client', searcher='search_my_client')
    created_since = fields.Function(
        fields.Char(
            "Created Since",
            help="A date or a formula such as \"today - 7d\" or \"month\", "
            "evaluated when the filter runs."),
        'get_date_formula', searcher='search_date_formula')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        # Filters by status (alone or with a date) show the first page in
        # the order of names: read the names of that status only
        cls._sql_indexes.add(
            Index(t, (t.counterparty_status, Index.Range()),
                (t.name, Index.Range())))

    @classmethod
    def _my_employees(cls):
        pool = Pool()
        UserEmployee = pool.get('res.user-company.employee')
        user_employee = UserEmployee.__table__()
        cursor = Transaction().connection.cursor()
        # Without reading the whole user, for each page of the list
        cursor.execute(*user_employee.select(user_employee.employee,
                where=user_employee.user == Transaction().user))
        return [employee for employee, in cursor]

    @classmethod
    def get_my_client(cls, parties, name):
        employees = set(cls._my_employees())
        party = cls.__table__()
        cursor = Transaction().connection.cursor()
        # Read at once: a record per party costs a page of the list
        cursor.execute(*party.select(party.id, party.responsible,
                where=SQL_OPERATORS['in'](party.id, [p.id for p in parties])))
        return {id_: responsible in employees for id_, responsible in cursor}

    @classmethod
    def search_my_client(cls, name, clause):
        _, operator, value = clause
        if operator not in {'=', '!='}:
            return []
        domain = [('responsible', 'in', cls._my_employees())]
        if (operator == '=') != bool(value):
            domain = ['OR', ('responsible', '=', None),
                ('responsible', 'not in', cls._my_employees())]
        return domain

    @classmethod
    def _date_formulas(cls):
        "The date of the card each formula field is a condition on"
        # field name: (date or timestamp field, whether a date)
        return {'created_since': ('create_date', False)}

    @classmethod
    def get_date_formula(cls, parties, name):
        # Only a condition of filters, never a value of the card
        return {p.id: None for p in parties}

    @classmethod
    def search_date_formula(cls, name, clause):
        field_name, date = cls._date_formulas()[name]
        return formula_domain(
            field_name, clause, cls.fields_get([name])[name]['string'],
            date=date)
