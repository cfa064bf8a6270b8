# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Who sees, edits, deletes and exports counterparties.

The records a user may reach are given by the rule groups of access.xml:
``rule_group_party_visibility`` (read) and ``rule_group_party_editing``
(write and delete).  The rules of each group are alternatives: a
counterparty is reachable when any one of them holds.  Their domains are
evaluated with the context built here:

- ``employees``: the user's employees (in the current company);
- ``counterparty_see_all``: the company lets every user see every
  counterparty;
- ``counterparty_edit_all``: every user edits what they see;
- ``counterparty_editors``: the employees whose involvement grants editing
  (the user's employees, or none when only managers edit).

The policy is the one of the company the client names in its context only
when it is one of the user's companies (``policy_company``), else of the
user's own company; without a company the most restrictive policy applies.
A user works only as one of their own employees and companies
(``User.set_preferences``).

Editing is always within what one sees: ``Rule.domain_get`` (ir.py) adds
the visibility to the editing rules of counterparties and of the records
reached through them (``__access__``: addresses, contact data,
identifiers...); creating such a record, or any other part of a card,
requires that one may edit its counterparty (``counterparty_link.py``,
which lets a card being created take its parts with it).

Each way of taking part in a counterparty is one more ``ir.rule`` in
``rule_group_party_visibility`` (and, when it also grants editing, in
``rule_group_party_editing`` with ``counterparty_editors``):
communication.xml adds the communications one takes part in,
counterparty_group.xml the groups shared with everyone.

The rules name the counterparty's employer too, so that contact persons
follow their company; the employer is a ``JoinedMany2One`` so that those
conditions are a join whatever Tryton believes of the table's size.

Tryton's core reads without the rules where this module reads first as the
user: ``ReadFirstMixin``, which tryton.cfg mixes into every stored model,
for ``copy``, ``export_data`` and ``history_revisions``, and
``ValuesAccessMixin``, mixed into every view model, for the on_change
family, whose record is built from the client's values; and it checks the
rules of a write as of the past state a client names (``_datetime``),
which ``PresentWritesMixin`` leaves out.  ``allowed_ids`` tells which
records the user's rules let through where the caller's checks are off:
the INN rule names only a holder the user sees, the import matches and
names only the cards he sees and updates only those he may edit.

Wizards run without the access checks of RPC: those that change
counterparties write them within ``editing``, which applies the checks,
and every way out to a file (the export wizard, the printed lists, and
``export_data`` of counterparties and of every record that names one:
``CardExportMixin``) calls ``check_export``.
"""
import copy
from collections import defaultdict
from contextlib import contextmanager
from functools import wraps

from sql.aggregate import Max

from trytond import backend
from trytond.cache import Cache
from trytond.i18n import gettext
from trytond.model import Model, ModelSQL, ModelStorage, fields
from trytond.model.exceptions import AccessError
from trytond.modules.company.model import (
    CompanyMultiValueMixin, CompanyValueMixin)
from trytond.pool import Pool, PoolMeta
from trytond.tools import grouped_slice, is_instance_method
from trytond.transaction import (
    Transaction, check_access, inactive_records, without_check_access)

from .exceptions import PreferenceError

POLICIES = ['counterparty_visibility', 'counterparty_editing',
    'counterparty_export']
# Without a company of its own a user gets the least access
RESTRICTIVE_POLICY = {
    'counterparty_visibility': 'involved',
    'counterparty_editing': 'managers',
    'counterparty_export': 'managers',
    }
_policy_cache = Cache(
    'party.configuration.counterparty_access', context=False)
# Every rule domain is keyed by the policy: the companies are asked for each
# model of each read, and reading them from the user is not cheap
_user_companies_cache = Cache('res.user.crm_companies', context=False)

counterparty_visibility = fields.Selection([
        ('all', "Every user sees every counterparty"),
        ('involved', "Own, subordinates' and those one takes part in"),
        ], "Who Sees Counterparties",
    help="Which counterparties a CRM user sees; CRM managers see all.\n"
    "A user sees the counterparties they are responsible for, those of "
    "their subordinates, those they take part in and the contact persons "
    "of all these.")
counterparty_editing = fields.Selection([
        ('all', "Everyone who sees it"),
        ('involved', "Own, subordinates' and those one takes part in"),
        ('managers', "Only CRM managers"),
        ], "Who Edits and Deletes Counterparties",
    help="Who may change a counterparty or move it to the trash; "
    "CRM managers always may.")
counterparty_export = fields.Selection([
        ('all', "Everyone who sees it"),
        ('managers', "Only CRM managers"),
        ], "Who Exports Counterparties",
    help="Who may export counterparties to a file.")


class Configuration(CompanyMultiValueMixin, metaclass=PoolMeta):
    __name__ = 'party.configuration'

    counterparty_visibility = fields.MultiValue(counterparty_visibility)
    counterparty_editing = fields.MultiValue(counterparty_editing)
    counterparty_export = fields.MultiValue(counterparty_export)

    @classmethod
    def multivalue_model(cls, field):
        pool = Pool()
        if field in POLICIES:
            return pool.get('party.configuration.counterparty_access')
        return super().multivalue_model(field)

    @classmethod
    def default_counterparty_visibility(cls, **pattern):
        return 'all'

    @classmethod
    def default_counterparty_editing(cls, **pattern):
        return 'all'

    @classmethod
    def default_counterparty_export(cls, **pattern):
        return 'all'

    @classmethod
    def get_counterparty_policy(cls, company_id):
        "Return the access policy of the company as a dictionary"
        if company_id is None:
            return RESTRICTIVE_POLICY
        policy = _policy_cache.get(company_id)
        if policy is None:
            configuration = cls(1)
            policy = {
                name: configuration.get_multivalue(name, company=company_id)
                for name in POLICIES}
            _policy_cache.set(company_id, policy)
        return policy


class CounterpartyAccess(ModelSQL, CompanyValueMixin):
    "The access policy of counterparties of a company"
    __name__ = 'party.configuration.counterparty_access'
    __string__ = "Counterparty Access Policy"

    counterparty_visibility = counterparty_visibility
    counterparty_editing = counterparty_editing
    counterparty_export = counterparty_export

    @classmethod
    def default_counterparty_visibility(cls):
        return 'all'

    @classmethod
    def default_counterparty_editing(cls):
        return 'all'

    @classmethod
    def default_counterparty_export(cls):
        return 'all'

    @classmethod
    def on_modification(cls, mode, records, field_names=None):
        pool = Pool()
        Rule = pool.get('ir.rule')
        super().on_modification(mode, records, field_names=field_names)
        _policy_cache.clear()
        Rule._domain_get_cache.clear()


class JoinedMany2One(fields.Many2One):
    """A Many2One whose conditions on the fields of its target are always a
    join of the target.

    Tryton makes them a subquery over the whole target table when it takes
    the table for small, from a count of its rows that it keeps a day and
    that rows written in SQL (a bulk import) do not change: the rules'
    "the employer's responsible is one of mine" then read every counterparty
    on each search (2 s a page at a million)."""

    @inactive_records
    def convert_domain(self, domain, tables, Model):
        pool = Pool()
        Rule = pool.get('ir.rule')
        name, operator, value = domain[:3]
        # A negation keeps Tryton's form: it adds the records without target
        if ('.' not in name or operator.startswith('not')
                or operator == '!='
                or hasattr(Model, 'domain_' + self.name)):
            return super().convert_domain(domain, tables, Model)
        Target = self.get_target()
        _, target_name = name.split('.', 1)
        # As Tryton's join: the target's own rules apply to it
        _, expression = Target.search_domain([
                [(target_name, operator, value, *domain[3:])],
                Rule.domain_get(Target.__name__, mode='read'),
                ], tables=self._get_target_tables(tables, Model))
        return expression


def in_crm_group(name):
    "Whether the user is in the CRM group name (or one above it)"
    pool = Pool()
    ModelData = pool.get('ir.model.data')
    User = pool.get('res.user')
    return ModelData.get_id('crm_counterparty', name) in User.get_groups()


def allowed_ids(Model, ids, mode='read'):
    """The ids among ids of the records of Model that the user's rules of
    mode let through, whether or not the caller checks access"""
    ids = set(ids)
    domain = rules_domain(Model, mode) if ids else []
    if not domain:
        return ids
    result = set()
    with as_rule_checks(), inactive_records():
        for sub in grouped_slice(sorted(ids), backend.MAX_QUERY_PARAMS):
            result.update(map(int, Model.search(
                        [('id', 'in', list(sub)), domain], order=[])))
    return result


def rules_domain(Model, mode='read'):
    """The domain of the records of Model that the user's rules of mode let
    through, whether or not the caller checks access: to be searched as
    root (``as_rule_checks``), as ir.rule does"""
    Rule = Pool().get('ir.rule')
    if not Transaction().user:
        return []
    with check_access():
        return Rule.domain_get(Model.__name__, mode=mode)


@contextmanager
def as_rule_checks():
    "As ir.rule checks: as root, not to apply the rules to themselves"
    with Transaction().set_user(0, set_context=True), without_check_access():
        yield


def check_editable(parties):
    "Refuse, naming them, the counterparties the user may not edit"
    pool = Pool()
    ModelAccess = pool.get('ir.model.access')
    Party = pool.get('party.party')
    with check_access():
        ModelAccess.check(Party.__name__, 'write')
    editable = allowed_ids(Party, [p.id for p in parties], 'write')
    refused = [p for p in parties if p.id not in editable]
    if refused:
        names = ', '.join(p.rec_name for p in refused[:5])
        if len(refused) > 5:
            names += ', …'
        raise AccessError(gettext(
                'crm_counterparty.msg_access_edit_refused', parties=names))


@contextmanager
def editing(parties):
    """Refuse the counterparties the user may not edit, then run the block
    with the access checks on: a wizard runs without those of RPC (see
    Wizard.__rpc__), its writes must be checked as the user's own"""
    check_editable(parties)
    with check_access():
        yield


def export_allowed():
    "Whether the policy lets the user export counterparties"
    pool = Pool()
    Configuration = pool.get('party.configuration')
    policy = Configuration.get_counterparty_policy(policy_company())
    return (policy['counterparty_export'] != 'managers'
        or in_crm_group('group_crm_manager'))


@contextmanager
def new_ids_above(Model, key):
    """Run the block, a create of Model, with the last id of Model before
    it in the context under key: the ids above it are the call's own
    (repeatable read: the call sees no other's made since), which the
    access checks of its parts let the creator fill in"""
    transaction = Transaction()
    if not transaction.check_access or key in transaction.context:
        yield
        return
    table = Model.__table__()
    cursor = transaction.connection.cursor()
    cursor.execute(*table.select(Max(table.id)))
    last, = cursor.fetchone()
    with transaction.set_context({key: last or 0}):
        yield


def check_export():
    "Refuse the export of counterparties when the policy keeps it to managers"
    if not export_allowed():
        raise AccessError(gettext(
                'crm_counterparty.msg_access_export_managers'))


def crm_manager_names():
    "The names of the active CRM managers of the current company"
    pool = Pool()
    ModelData = pool.get('ir.model.data')
    User = pool.get('res.user')
    domain = [('groups', 'child_of',
            [ModelData.get_id('crm_counterparty', 'group_crm_manager')],
            'parent')]
    company = policy_company()
    if company:
        domain.append(('companies', '=', company))
    with without_check_access():
        return [u.name for u in User.search(domain, order=[('name', 'ASC')])]


def policy_company():
    """The company whose policy applies to the user: the one of the context
    when it is one of the user's companies, else the user's own (None
    without one)"""
    transaction = Transaction()
    companies, own = _user_companies(transaction.user)
    # The client sends the context: it may name any company or none
    for company in [transaction.context.get('company'), own]:
        if isinstance(company, int) and company in companies:
            return company


def _user_companies(user_id):
    "The companies of the user and his own one, as stored"
    pool = Pool()
    User = pool.get('res.user')
    cached = _user_companies_cache.get(user_id)
    if cached is not None:
        return cached
    # res.user reads the company of the context as the user's own
    with Transaction().reset_context(), without_check_access():
        user = User(user_id)
        companies = [c.id for c in user.companies]
        own = user.company.id if user.company else None
    return _user_companies_cache.set(user_id, (companies, own))


def counterparty_rule_context():
    """The values the rules of party.party are evaluated with; they are
    hashable as they are also the key of the cached rule domains"""
    pool = Pool()
    Configuration = pool.get('party.configuration')
    User = pool.get('res.user')
    employees = User.get_employees()
    policy = Configuration.get_counterparty_policy(policy_company())
    editing = policy['counterparty_editing']
    return {
        'employees': employees,
        'counterparty_see_all': policy['counterparty_visibility'] == 'all',
        'counterparty_edit_all': editing == 'all',
        'counterparty_editors': employees if editing == 'involved' else (),
        }


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'
    # Exported under the policy (CardExportMixin)
    _counterparty_rows = True

    internal = fields.Function(fields.Boolean(
            "Internal",
            help="The party of one of our companies or employees: "
            "everyone sees it."),
        'get_internal', searcher='search_internal')

    @classmethod
    def _internal_query(cls):
        pool = Pool()
        Company = pool.get('company.company')
        Employee = pool.get('company.employee')
        company = Company.__table__()
        employee = Employee.__table__()
        return (company.select(company.party)
            | employee.select(employee.party))

    @classmethod
    def get_internal(cls, parties, name):
        pool = Pool()
        Company = pool.get('company.company')
        Employee = pool.get('company.employee')
        ids = [p.id for p in parties]
        with without_check_access(), inactive_records():
            internal = {r.party.id for Model in [Company, Employee]
                for r in Model.search([('party', 'in', ids)])}
        return {p.id: p.id in internal for p in parties}

    @classmethod
    def search_internal(cls, name, clause):
        _, operator, value = clause
        if operator not in {'=', '!='}:
            return []
        if (operator == '=') == bool(value):
            return [('id', 'in', cls._internal_query())]
        return [('id', 'not in', cls._internal_query())]


class User(metaclass=PoolMeta):
    __name__ = 'res.user'

    @classmethod
    def set_preferences(cls, values):
        user = cls(Transaction().user)
        # Core validates the preferences against a read that empties the
        # company and employee being set when they are not the user's own
        for name, records in [
                ('company', user.companies), ('employee', user.employees)]:
            own = [r.id for r in records]
            if values.get(name) and values[name] not in own:
                raise PreferenceError(gettext(
                        'crm_counterparty.msg_preference_not_own'))
        super().set_preferences(values)

    @classmethod
    def on_modification(cls, mode, users, field_names=None):
        super().on_modification(mode, users, field_names=field_names)
        _user_companies_cache.clear()


class UserCompany(metaclass=PoolMeta):
    __name__ = 'res.user-company.company'

    @classmethod
    def on_modification(cls, mode, records, field_names=None):
        super().on_modification(mode, records, field_names=field_names)
        _user_companies_cache.clear()


class Channel(metaclass=PoolMeta):
    __name__ = 'ir.chat.channel'

    @classmethod
    @check_access
    def check_access(cls, resource):
        pool = Pool()
        Rule = pool.get('ir.rule')
        super().check_access(resource)
        # Core checks only the model access: the record rules decide too
        model, id_ = str(resource).split(',')
        Rule.check(model, [int(id_)], 'read')


class ReadFirstMixin:
    "Copy, export and list the revisions of only the records one may read"
    __slots__ = ()

    @classmethod
    def _read_first(cls, records):
        # Core reads the records it copies or exports, and those they
        # contain, and the revisions of any, without the record rules: read
        # them first as the client would
        if Transaction().check_access and records:
            cls.read(list(map(int, records)), ['id'])

    @classmethod
    def copy(cls, records, default=None):
        cls._read_first(records)
        return super().copy(records, default=default)

    @classmethod
    def export_data(cls, records, fields_names, header=False):
        cls._read_first(records)
        return super().export_data(records, fields_names, header=header)

    @classmethod
    def history_revisions(cls, ids):
        cls._read_first(ids)
        return super().history_revisions(ids)


class CardExportMixin:
    """Export counterparties and the parts of their cards only as the policy
    says.  A record is a part of a card when a stored link holds a
    counterparty (a phone, a payer, a note) or when its model names the
    lists that make it one in ``_card_part_of`` (a communication's
    counterparties); any other list of counterparties only when exported.
    A model whose records are counterparties, or count them, says so with
    ``_counterparty_rows``."""
    __slots__ = ()

    @classmethod
    def export_data(cls, records, fields_names, header=False):
        if (Transaction().check_access and records and not export_allowed()
                and cls._hold_counterparties(records, fields_names)):
            check_export()
        return super().export_data(records, fields_names, header=header)

    @classmethod
    def _hold_counterparties(cls, records, fields_names):
        "Whether the export of fields_names of records carries counterparties"
        pool = Pool()
        Party = pool.get('party.party')
        if getattr(cls, '_counterparty_rows', False):
            return True
        paths = defaultdict(list)
        for path in [*fields_names, *getattr(cls, '_card_part_of', ())]:
            head, _, rest = path.partition('/')
            paths[head].extend([rest] if rest else [])
        names = set(paths) | {n for n, f in cls._fields.items()
            if may_hold_counterparty(f)}
        names = [n for n in names if n in cls._fields
            and isinstance(_inner(cls._fields[n]), RELATIONAL)]
        parties, targets = set(), defaultdict(set)
        with without_check_access(), inactive_records():
            for row in cls.read(list(map(int, records)), names):
                for name in names:
                    target, ids = _linked(cls._fields[name], row[name])
                    if target == 'party.party':
                        parties |= ids
                    elif target and name in paths:
                        targets[name] |= ids
            if parties and Party.search([
                        ('id', 'in', list(parties)),
                        ('internal', '=', False),
                        ], limit=1, order=[]):
                return True
        return any(_target(cls._fields[n])._hold_counterparties(
                _target(cls._fields[n]).browse(list(ids)), paths[n])
            for n, ids in targets.items() if ids)


RELATIONAL = (fields.Many2One, fields.One2Many, fields.Many2Many,
    fields.Reference)


def _inner(field):
    "The field a function field computes, or the field itself"
    return field._field if isinstance(field, fields.Function) else field


def _target(field):
    "The model a relational field points at"
    return _inner(field).get_target()


def may_hold_counterparty(field):
    "Whether the field is a stored link that may hold a counterparty"
    return (isinstance(field, fields.Reference)
        or (isinstance(field, fields.Many2One)
            and field.model_name == 'party.party'))


def _linked(field, value):
    "The model and the ids a value of a relational field holds"
    if isinstance(_inner(field), fields.Reference):
        # Only a counterparty is followed through a reference
        model, _, id_ = (value or '').partition(',')
        if model == 'party.party' and id_.isdigit():
            return model, {int(id_)}
        return None, set()
    ids = value if isinstance(value, (list, tuple)) else [value]
    return _target(field).__name__, {i for i in ids if isinstance(i, int)}


class PresentWritesMixin:
    """A write, deletion or import changes the present, whatever past the
    client reads"""
    __slots__ = ()

    @classmethod
    def write(cls, *args):
        # Core checks the rules of a write as of the past state the client
        # names (_datetime) on the present table: a database error
        with Transaction().set_context(_datetime=None):
            return super().write(*args)

    @classmethod
    def delete(cls, records):
        with Transaction().set_context(_datetime=None):
            return super().delete(records)

    @classmethod
    def import_data(cls, fields_names, data):
        # The rows name the present records they link to
        with Transaction().set_context(_datetime=None):
            return super().import_data(fields_names, data)


class ValuesAccessMixin:
    """Build an on_change record only of values naming what the user reads

    The on_change family (``on_change``, ``on_change_with``, their
    ``_<field>`` forms, ``on_change_notify``, ``on_scan_code``, the buttons
    that change the form) is called on a record that ``RPC.convert`` builds
    from the values the client sends, its ``id`` and the ids of its
    relations included; the record then loads what it lacks lazily, and
    Tryton's lazy loading reads without the rules (``ModelStorage.
    __getattr__``) because a record held by the server came from a checked
    read or from the model's own code.  So the check belongs where the ids
    come in: every record the values name is refused unless the user may
    read it, before the call.  Checking the lazy loading instead would also
    refuse what the model's code follows on purpose (a card's company, an
    employee's party) and cost a query per read of every function field.

    The mixin is applied after the pool's setup, so it takes effect when
    it subclasses the model (``__init_subclass__``): it wraps the RPC
    entries that run on such a record, only them, so that server code
    calling the same methods is unchanged."""
    __slots__ = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.__rpc__ = {
            name: (_checking_values(rpc)
                if rpc.instantiate == 0 and is_instance_method(cls, name)
                else rpc)
            for name, rpc in cls.__rpc__.items()}


def _checking_values(rpc):
    "A copy of rpc whose method first checks the records named by its values"
    if getattr(rpc.decorator, 'checks_values', False):
        return rpc
    decorator = rpc.decorator

    def check_values(func):
        func = decorator(func) if decorator else func

        @wraps(func)
        def wrapper(record, *args, **kwargs):
            if Transaction().check_access:
                check_readable(named_records(record))
            return func(record, *args, **kwargs)
        return wrapper
    check_values.checks_values = True
    rpc = copy.copy(rpc)
    rpc.decorator = check_values
    return rpc


def named_records(record):
    """The ids by model of the stored records that record and the records
    of its values are, read from what the client sent, not loaded"""
    found, seen, stack = defaultdict(set), set(), [record]
    while stack:
        record = stack.pop()
        if id(record) in seen:
            continue
        seen.add(id(record))
        if (isinstance(record, ModelStorage)
                and record.id is not None and record.id >= 0):
            found[record.__name__].add(record.id)
        for _, value in (record._values._items() if record._values else []):
            values = value if isinstance(value, (list, tuple)) else [value]
            stack.extend(v for v in values if isinstance(v, Model))
    return found


def check_readable(records):
    "Refuse, naming no record, when the user may not read one of records"
    pool = Pool()
    for name, ids in records.items():
        Named = pool.get(name)
        # The read checks all that a client's read would: the model access,
        # the rules and the resources' own checks (notes, attachments); who
        # may read a record now may read its history, not the other way
        try:
            with Transaction().set_context(_datetime=None):
                Named.read(list(ids), ['id'])
        except AccessError as exception:
            raise AccessError(gettext(
                    'crm_counterparty.msg_access_values_refused',
                    model=Named.__names__()['model'])) from exception
