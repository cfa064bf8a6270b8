# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.

from collections import defaultdict
from itertools import product

from trytond.i18n import gettext
from trytond.model import (
    ChatMixin, Index, ModelSQL, ModelView, Unique, fields)
from trytond.model.fields import SQL_OPERATORS
from trytond.modules.party.exceptions import InvalidIdentifierCode
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.tools import grouped_slice
from trytond.transaction import (
    Transaction, record_cache_size, without_check_access)
from trytond.wizard import Button, StateTransition, StateView, Wizard

from . import requisites
from .access import (
    JoinedMany2One, allowed_ids, check_editable, crm_manager_names)
from .client_list import in_card_order
from .exceptions import (
    ContactPersonMovedWarning, DuplicateTaxIdentifier,
    DuplicateTaxIdentifierWarning)

# The Russian requisites shown on the card, by the identifier type that
# stores them (Tryton stores the INN as its VAT alias "ru_vat").
REQUISITE_TYPES = {
    'inn': 'ru_vat',
    'kpp': 'ru_kpp',
    'ogrn': 'ru_ogrn',
    }


class Party(ChatMixin, metaclass=PoolMeta):
    __name__ = 'party.party'
    _history = True

    kind = fields.Selection([
            ('company', "Company"),
            ('person', "Person"),
            ], "Kind", required=True,
        help="Whether the counterparty is a company or a person.")
    employer = JoinedMany2One(
        'party.party', "Company", ondelete='SET NULL',
        domain=[
            ('kind', '=', 'company'),
            ('id', '!=', Eval('id', -1)),
            ],
        states={
            'invisible': Eval('kind') != 'person',
            },
        help="The company whose contact person this person is.")
    position = fields.Char(
        "Position",
        states={
            'invisible': Eval('kind') != 'person',
            })
    contact_persons = fields.One2Many(
        'party.party', 'employer', "Contact Persons",
        domain=[
            ('kind', '=', 'person'),
            ],
        # An existing person can be attached to the company later
        add_remove=[
            ('kind', '=', 'person'),
            ('id', '!=', Eval('id', -1)),
            ],
        states={
            'invisible': Eval('kind') != 'company',
            },
        context={
            'counterparty_kind': 'person',
            })
    counterparty_type = fields.Many2One(
        'crm.counterparty.type', "Type", ondelete='RESTRICT',
        help="The relationship of the counterparty with our company.")
    counterparty_status = fields.Many2One(
        'crm.counterparty.status', "Status", ondelete='RESTRICT')
    responsible = fields.Many2One(
        'company.employee', "Responsible", ondelete='RESTRICT',
        help="The employee who looks after the counterparty.")
    industry = fields.Char(
        "Line of Business", help="What the counterparty does.")
    description = fields.Text("About")
    inn = fields.Function(
        fields.Char("INN", help="Taxpayer identification number."),
        'get_requisites', setter='set_requisites',
        searcher='search_requisite')
    kpp = fields.Function(
        fields.Char(
            "KPP", help="Tax registration reason code.",
            states={
                'invisible': Eval('kind') != 'company',
                }),
        'get_requisites', setter='set_requisites',
        searcher='search_requisite')
    ogrn = fields.Function(
        fields.Char(
            "OGRN",
            help="Primary state registration number "
            "(OGRNIP for a sole trader)."),
        'get_requisites', setter='set_requisites',
        searcher='search_requisite')
    telegram = fields.Function(
        fields.Char("Telegram"), 'get_contact_mechanism')
    whatsapp = fields.Function(
        fields.Char("WhatsApp"), 'get_contact_mechanism')
    payers = fields.One2Many('crm.counterparty.payer', 'party', "Payers")
    favorite = fields.Function(
        fields.Boolean("Favourite", help="Marked with a star by you."),
        'get_favorite', setter='set_favorite', searcher='search_favorite')
    attachments = fields.One2Many('ir.attachment', 'resource', "Files")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.responsible, Index.Range())),
                Index(t, (t.employer, Index.Range())),
                })
        # Tryton's getter browses the identifiers party by party
        cls.tax_identifier.getter = 'get_requisites'
        cls._buttons.update({
                'change_responsible': {},
                })

    @classmethod
    def default_kind(cls):
        return Transaction().context.get('counterparty_kind', 'company')

    @classmethod
    def default_responsible(cls):
        return Transaction().context.get('employee')

    @classmethod
    def default_counterparty_type(cls):
        Configuration = Pool().get('party.configuration')
        type_ = Configuration(1).default_counterparty_type
        return type_.id if type_ else None

    @classmethod
    def default_counterparty_status(cls):
        Configuration = Pool().get('party.configuration')
        status = Configuration(1).default_counterparty_status
        return status.id if status else None

    @fields.depends('employer', '_parent_employer.id')
    def on_change_employer(self):
        if self.employer:
            self.kind = 'person'

    @classmethod
    def create(cls, vlist):
        # The identifiers created with the cards are checked by the cards'
        # own validation, which runs once they are all there: not each
        # identifier again.  The records are given back outside that context.
        with Transaction().set_context(_defer_tax_identifier_check=True):
            parties = super().create(vlist)
        return cls.browse(parties)

    @classmethod
    def write(cls, *args):
        cls._check_contact_persons_moved(args[::2], args[1::2])
        super().write(*args)

    @classmethod
    def _check_contact_persons_moved(cls, records_list, values_list):
        """Attaching an existing person to a company takes her from the one
        she is a contact person of: the user is asked first, told which (on
        her own card the company she leaves is there to see)"""
        Warning = Pool().get('res.user.warning')
        for companies, values in zip(records_list, values_list):
            added = cls.browse([i
                    for action, *ids in values.get('contact_persons', [])
                    if action == 'add' for i in ids[0]])
            for company, person in product(companies, added):
                if not person.employer or person.employer == company:
                    continue
                # Who may not edit both, the rules refuse without a question
                # (which would name a card he may not see)
                both = {person.id, person.employer.id}
                if allowed_ids(cls, both, 'write') != both:
                    continue
                key = Warning.format('contact_person_moved', [person])
                if Warning.check(key):
                    raise ContactPersonMovedWarning(key, gettext(
                            'crm_counterparty.msg_contact_person_moved',
                            person=person.rec_name,
                            employer=company.rec_name,
                            former=person.employer.rec_name))

    @classmethod
    def set_contact_mechanism(cls, parties, name, value):
        # The web client sends the list's empty phone and e-mail columns
        # with a new card whose contact mechanisms it creates in the same
        # call: an empty value sets nothing, so it must not be refused.
        if value:
            super().set_contact_mechanism(parties, name, value)

    @classmethod
    def get_requisites(cls, parties, names):
        "The requisites and Tryton's tax identifier of a page in one query"
        pool = Pool()
        Identifier = pool.get('party.identifier')
        result = {name: {p.id: None for p in parties} for name in names}
        requisite_types = {
            REQUISITE_TYPES[n]: n for n in names if n in REQUISITE_TYPES}
        tax_types = (set(cls.tax_identifier_types())
            if 'tax_identifier' in names else set())
        # In the card's order: the first identifier of a type wins
        for party, type_, id_, code in in_card_order(
                Identifier, [p.id for p in parties],
                requisite_types.keys() | tax_types, 'id', 'code'):
            if type_ in requisite_types:
                values = result[requisite_types[type_]]
                if values[party] is None:
                    values[party] = code
            if type_ in tax_types:
                values = result['tax_identifier']
                if values[party] is None:
                    values[party] = id_
        return result

    @classmethod
    def set_requisites(cls, parties, name, value):
        pool = Pool()
        Identifier = pool.get('party.identifier')
        type_ = REQUISITE_TYPES[name]
        to_save, to_delete = [], []
        # INN and KPP are set one after the other: the party checks the
        # pair once both are there (validate_fields).  Records keep the
        # context they are made in, so make them inside.
        with Transaction().set_context(_defer_tax_identifier_check=True):
            for party in cls.browse(parties):
                existing = [i for i in party.identifiers if i.type == type_]
                if not value:
                    to_delete.extend(existing)
                elif existing:
                    identifier = existing[0]
                    identifier.code = value
                    to_save.append(identifier)
                else:
                    to_save.append(
                        Identifier(party=party, type=type_, code=value))
            Identifier.delete(to_delete)
            Identifier.save(to_save)

    @classmethod
    def search_requisite(cls, name, clause):
        _, operator, value, *extra = clause
        if isinstance(value, str):
            value = requisites.compact(value)
        return [('identifiers', 'where', [
                    ('code_compact', operator, value, *extra),
                    ('type', '=', REQUISITE_TYPES[name]),
                    ])]

    @classmethod
    def get_favorite(cls, parties, name):
        pool = Pool()
        Favorite = pool.get('crm.counterparty.favorite')
        favorite = Favorite.__table__()
        cursor = Transaction().connection.cursor()
        # A page of the list at once, without a record per star
        cursor.execute(*favorite.select(favorite.party,
                where=(favorite.user == Transaction().user)
                & SQL_OPERATORS['in'](
                    favorite.party, [p.id for p in parties])))
        starred = {party for party, in cursor}
        return {p.id: p.id in starred for p in parties}

    @classmethod
    def set_favorite(cls, parties, name, value):
        pool = Pool()
        Favorite = pool.get('crm.counterparty.favorite')
        user = Transaction().user
        existing = Favorite.search([
                ('user', '=', user),
                ('party', 'in', [p.id for p in parties]),
                ])
        if value:
            starred = {f.party for f in existing}
            Favorite.save([Favorite(party=p, user=user)
                    for p in parties if p not in starred])
        else:
            Favorite.delete(existing)

    @classmethod
    def search_favorite(cls, name, clause):
        pool = Pool()
        Favorite = pool.get('crm.counterparty.favorite')
        favorite = Favorite.__table__()
        _, operator, value = clause
        if operator not in {'=', '!='}:
            return []
        starred = favorite.select(
            favorite.party,
            where=favorite.user == Transaction().user)
        if (operator == '=') == bool(value):
            return [('id', 'in', starred)]
        return [('id', 'not in', starred)]

    @classmethod
    def validate_fields(cls, parties, field_names):
        super().validate_fields(parties, field_names)
        cls.check_duplicate_tax_identifier(parties, field_names)

    @classmethod
    def check_duplicate_tax_identifier(cls, parties, field_names=None):
        """An INN belongs to one active counterparty, except that a
        company's branches share the head office's INN with their own KPP
        (see requisites.same_taxpayer)."""
        pool = Pool()
        Configuration = pool.get('party.configuration')
        Warning = pool.get('res.user.warning')
        if field_names is not None and not (field_names & {
                    'active', 'kind', 'identifiers', 'inn', 'kpp'}):
            return
        keys = {}
        for party in parties:
            if party.active and party.inn:
                key = cls._tax_key(party.kind, party.inn, party.kpp)
                keys.setdefault(key, party)
        if not keys:
            return
        mode = Configuration(1).duplicate_tax_identifier or 'error'
        holders = cls._tax_identifier_holders({inn for _, inn, _ in keys})
        for key, party in keys.items():
            kind, inn, kpp = key
            for holder, holder_kpp in holders[kind, inn]:
                if (holder.id == party.id
                        or not requisites.same_taxpayer(kpp, holder_kpp)):
                    continue
                visible = bool(allowed_ids(cls, [holder.id]))
                message = cls.duplicate_tax_identifier_message(
                    party.rec_name, party.kind, party.inn, party.kpp, holder,
                    visible)
                # A branch is told apart by its own KPP only
                hint = gettext(
                    'crm_counterparty.msg_duplicate_tax_identifier_branch')
                if mode == 'error':
                    raise DuplicateTaxIdentifier(message, hint)
                # Keyed by what the user accepts, so a retried creation
                # (with a new id) passes; not by a holder he may not see,
                # whose id the key's hash would give away
                warning_key = Warning.format(
                    'duplicate_tax_identifier_%s_%s' % (inn, kpp),
                    [holder] if visible else [])
                if Warning.check(warning_key):
                    raise DuplicateTaxIdentifierWarning(
                        warning_key, message, hint)

    @classmethod
    def _tax_identifier_holders(cls, inns):
        """The active holders of the INNs with their compact KPP, by their
        kind and INN, among all the counterparties whoever looks"""
        # One search for the INNs of all the parties (an import checks a
        # chunk of them at once), those created together among them
        holders = defaultdict(list)
        with without_check_access():
            for sub in grouped_slice(
                    sorted(inns), record_cache_size(Transaction())):
                for holder in cls.search([
                            ('inn', 'in', list(sub)),
                            ('active', '=', True),
                            ], order=[('id', 'ASC')]):
                    kind, inn, kpp = cls._tax_key(
                        holder.kind, holder.inn, holder.kpp)
                    holders[kind, inn].append((holder, kpp))
        return holders

    @classmethod
    def duplicate_tax_identifier_message(
            cls, name, kind, inn, kpp, holder, visible):
        """The refusal of the INN (and KPP) of the counterparty name, held
        by holder: it names the holder only to a user who may see it"""
        values = {
            'party': name,
            'inn': inn,
            'kpp': (' / %s' % kpp) if kind == 'company' and kpp else '',
            }
        if visible:
            return gettext('crm_counterparty.msg_duplicate_tax_identifier',
                other=holder.rec_name, code=holder.code, **values)
        if holder.responsible:
            return gettext(
                'crm_counterparty.msg_duplicate_tax_identifier_hidden',
                responsible=holder.responsible.rec_name, **values)
        managers = ', '.join(crm_manager_names())
        return gettext(
            'crm_counterparty.msg_duplicate_tax_identifier_hidden_managers',
            managers=' (%s)' % managers if managers else '', **values)

    @staticmethod
    def _tax_key(kind, inn, kpp):
        inn = requisites.compact(inn)
        if kind == 'company':
            return (kind, inn, requisites.compact(kpp))
        return ('person', inn, '')

    @classmethod
    def copy(cls, parties, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('contact_persons', None)
        default.setdefault('attachments', None)
        return super().copy(parties, default=default)

    @classmethod
    @ModelView.button_action('crm_counterparty.wizard_change_responsible')
    def change_responsible(cls, parties):
        pass


# The identifier types validated here rather than by python-stdnum
_OWN_CHECKS = {
    'ru_kpp': requisites.is_valid_kpp,
    'ru_ogrn': requisites.is_valid_ogrn,
    }


class Identifier(metaclass=PoolMeta):
    __name__ = 'party.identifier'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        # The INN rule and the import look counterparties up by their codes
        cls._sql_indexes.add(
            Index(t, (t.code_compact, Index.Equality()),
                (t.type, Index.Equality())))

    @fields.depends('type', 'party', 'code')
    def check_code(self):
        if self.type not in _OWN_CHECKS:
            super().check_code()
        elif not _OWN_CHECKS[self.type](self.code):
            raise InvalidIdentifierCode(gettext(
                    'party.msg_invalid_code',
                    type=self.type_string,
                    code=self.code,
                    party=self.party.rec_name
                    if self.party and self.party.id >= 0 else ''))

    def compute_fields(self, field_names=None):
        values = super().compute_fields(field_names=field_names)
        if getattr(self, 'type', None) in _OWN_CHECKS and (
                field_names is None or {'type', 'code'} & field_names):
            code = requisites.compact(self.code)
            if self.code != code:
                values['code'] = code
            if getattr(self, 'code_compact', None) != code:
                values['code_compact'] = code
        return values

    @classmethod
    def on_modification(cls, mode, identifiers, field_names=None):
        pool = Pool()
        Party = pool.get('party.party')
        super().on_modification(mode, identifiers, field_names=field_names)
        # The uniqueness of the INN is a rule of the counterparty
        if (mode in {'create', 'write'} and not Transaction().context.get(
                    '_defer_tax_identifier_check')):
            Party.check_duplicate_tax_identifier(
                Party.browse({i.party.id for i in identifiers}))


# The format of the times of a list, to the second: people read it, and a
# timestamp's microseconds are noise to them
TO_THE_SECOND = '%H:%M:%S'


class Favorite(ModelSQL):
    "A counterparty a user marked with a star"
    __name__ = 'crm.counterparty.favorite'
    __string__ = "Favourite Counterparty"

    party = fields.Many2One(
        'party.party', "Counterparty", required=True, ondelete='CASCADE')
    user = fields.Many2One(
        'res.user', "User", required=True, ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('party_user_unique', Unique(t, t.party, t.user),
                'crm_counterparty.msg_favorite_unique'),
            ]
        cls._sql_indexes.add(
            Index(t, (t.user, Index.Range()), (t.party, Index.Range())))


class ChangeResponsibleStart(ModelView):
    __name__ = 'crm.counterparty.change_responsible.start'
    __string__ = "Change Responsible"

    responsible = fields.Many2One(
        'company.employee', "New Responsible", required=True)
    count = fields.Integer("Counterparties", readonly=True)


class ChangeResponsible(Wizard):
    "Change the responsible of the selected counterparties at once"
    __name__ = 'crm.counterparty.change_responsible'
    __string__ = "Change Responsible"

    start = StateView(
        'crm.counterparty.change_responsible.start',
        'crm_counterparty.change_responsible_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Change", 'change', 'tryton-ok', default=True),
            ])
    change = StateTransition()

    def default_start(self, fields):
        return {
            'count': len(self.records),
            }

    def transition_change(self):
        pool = Pool()
        Party = pool.get('party.party')
        check_editable(self.records)
        # Checked before only: a card handed over may leave what its former
        # responsible sees, which the rules would refuse after the write
        Party.write(list(self.records), {
                'responsible': self.start.responsible.id,
                })
        return 'end'
