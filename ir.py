# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
from trytond.pool import PoolMeta
from trytond.transaction import Transaction

from .access import counterparty_rule_context

# Records that belong to one user: rules compare them with user_id
_USER_MODELS = {
    'crm.counterparty.favorite',
    'crm.counterparty.import',
    'crm.counterparty.tag',
    'crm.counterparty.tag-party.party',
    'crm.counterparty.group',
    'crm.counterparty.group-party.party',
    'ir.ui.view_search',
    }
# Rules that depend on the user's employees and the company's policy
_COUNTERPARTY_MODELS = {'party.party', 'crm.communication'}


class Rule(metaclass=PoolMeta):
    __name__ = 'ir.rule'

    @classmethod
    def _get_context(cls, model_name):
        context = super()._get_context(model_name)
        if model_name in _USER_MODELS:
            context['user_id'] = Transaction().user
        if model_name in _COUNTERPARTY_MODELS:
            context.update(counterparty_rule_context())
        return context

    @classmethod
    def _get_cache_key(cls, model_names):
        key = super()._get_cache_key(model_names)
        if model_names & _USER_MODELS:
            key = (*key, Transaction().user)
        if model_names & _COUNTERPARTY_MODELS:
            key = (*key, *sorted(counterparty_rule_context().items()))
        return key
