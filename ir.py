# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
from trytond.ir.rule import _get_access_models
from trytond.model import fields
from trytond.model.modelstorage import is_leaf
from trytond.pool import Pool, PoolMeta
from trytond.transaction import (
    Transaction, inactive_records, without_check_access)

from .access import counterparty_rule_context

# Records that belong to one user: rules compare them with user_id
_USER_MODELS = {
    'crm.counterparty.favorite',
    'crm.counterparty.import',
    'crm.counterparty.duplicate_scan',
    'crm.counterparty.duplicate_scan.group',
    'crm.counterparty.import.mapping',
    'crm.counterparty.tag',
    'crm.counterparty.tag-party.party',
    'crm.counterparty.group',
    'crm.counterparty.group-party.party',
    'crm.counterparty.mailing',
    'crm.counterparty.mailing-party.party',
    'crm.counterparty.mailing.result',
    'crm.mailbox',
    'crm.mailbox.folder',
    'crm.mail.unmatched',
    'ir.ui.view_search',
    'project.work',
    }
# Rules that depend on the user's employees and the company's policy
_COUNTERPARTY_MODELS = {'party.party', 'crm.communication'}
# Rules that name the counterparties the user sees (the read domain of
# party.party, as counterparty_visible), and so depend on the same
_LINKED_MODELS = {
    'project.work', 'party.relation.all', 'web.user',
    'crm.counterparty.mailing.result',
    'crm.counterparty.duplicate_scan.pair'}


class Rule(metaclass=PoolMeta):
    __name__ = 'ir.rule'

    @classmethod
    def _get_context(cls, model_name):
        context = super()._get_context(model_name)
        if model_name in _USER_MODELS:
            context['user_id'] = Transaction().user
        if model_name in _COUNTERPARTY_MODELS | _LINKED_MODELS:
            context.update(counterparty_rule_context())
        if model_name in _LINKED_MODELS:
            context['counterparty_visible'] = cls.domain_get(
                'party.party', mode='read')
        return context

    @classmethod
    def get(cls, model_name, mode='read'):
        if Transaction().context.get('_datetime'):
            return cls._get_now(model_name, mode)
        clause, clause_global = super().get(model_name, mode=mode)
        # One rule group that lets every record through (the company lets
        # everyone see every counterparty, a manager's group) makes the
        # others moot; Tryton would still turn them all into a query for
        # each search and read
        Model = Pool().get(model_name)
        if any(_lets_all(Model, c) for c in clause.values()):
            clause = {}
        return clause, clause_global

    @classmethod
    def domain_get(cls, model_name, mode='read'):
        domain = super().domain_get(model_name, mode=mode)
        # A part of a card is created by who may edit the card: that is
        # checked by counterparty_link.py, which knows the cards being made
        if (mode in {'read', 'create'}
                or not _reached_through_counterparty(model_name)):
            return domain
        # The editing rule groups do not repeat the visibility: editing is
        # always within what one sees
        return _and(super().domain_get(model_name, mode='read'), domain)

    @classmethod
    def _get_now(cls, model_name, mode):
        """The rules as the ids of the records they let through now:
        Tryton filters each history search twice by its domain, so that
        every nested search of the rules doubles the query when the client
        asks for a past state (_datetime), until the database's parser
        overflows; who may reach a record is decided by its present state
        anyway"""
        Model = Pool().get(model_name)
        transaction = Transaction()
        with transaction.set_context(_datetime=None):
            clauses = cls.get(model_name, mode=mode)
            # As ir.rule queries: as root, not to apply the rules to
            # themselves
            with transaction.set_user(0, set_context=True), \
                    without_check_access(), inactive_records():
                return tuple({
                        group: [('id', 'in', Model.search(
                                    domain, order=[], query=True))]
                        if domain else domain
                        for group, domain in clause.items()}
                    for clause in clauses)

    @classmethod
    def _get_cache_key(cls, model_names):
        key = super()._get_cache_key(model_names)
        if model_names & _USER_MODELS:
            key = (*key, Transaction().user)
        if model_names & (_COUNTERPARTY_MODELS | _LINKED_MODELS):
            key = (*key, *sorted(counterparty_rule_context().items()))
        return key


def _lets_all(Model, domain):
    "Whether the domain of a rule on Model holds for every record"
    if is_leaf(domain):
        name, operator, value = domain[:3]
        if (name, operator, value) == ('id', '!=', None):
            return True
        if operator == 'where' and len(domain) == 3:
            # A rule of the record a required link points to
            field = Model._fields.get(name)
            return (isinstance(field, fields.Many2One) and field.required
                and _lets_all(field.get_target(), value))
        return False
    if domain and domain[0] == 'OR':
        return any(_lets_all(Model, d) for d in domain[1:])
    return all(_lets_all(Model, d) for d in domain if d != 'AND')


def _reached_through_counterparty(model_name):
    "Whether the rules of counterparties apply to the records of model_name"
    names, _ = _get_access_models(Pool().get(model_name))
    return 'party.party' in names


def _and(domain1, domain2):
    "The domain of both rule domains, an empty one letting all through"
    if domain1 and domain2:
        return ['AND', domain1, domain2]
    return domain1 or domain2
