# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Named groups of counterparties, personal or shared like filters; a
counterparty may be in many groups."""
from trytond.i18n import gettext
from trytond.model import DeactivableMixin, ModelSQL, ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval
from trytond.transaction import check_access
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .access import editing
from .exceptions import GroupMissing
from .sharing import (
    MembershipMixin, SharedMixin, check_chosen, joined_names)


class CounterpartyGroup(SharedMixin, DeactivableMixin, ModelSQL, ModelView):
    "A named group of counterparties, personal or shared"
    __name__ = 'crm.counterparty.group'
    __string__ = "Group of Counterparties"

    name = fields.Char("Name", required=True)
    user = fields.Many2One(
        'res.user', "Owner", ondelete='CASCADE',
        help="The only user who sees a personal group; "
        "empty for a group shared with everyone.")
    parties = fields.Many2Many(
        'crm.counterparty.group-party.party', 'group', 'party',
        "Counterparties")
    description = fields.Text("Description")


class CounterpartyGroupParty(MembershipMixin, ModelSQL):
    "Group of Counterparties - Counterparty"
    __name__ = 'crm.counterparty.group-party.party'
    __string__ = "Counterparty in a Group"

    group = fields.Many2One(
        'crm.counterparty.group', "Group", required=True, ondelete='CASCADE')
    party = fields.Many2One(
        'party.party', "Counterparty", required=True, ondelete='CASCADE')

    _shared_field = 'group'


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    counterparty_groups = fields.Many2Many(
        'crm.counterparty.group-party.party', 'party', 'group', "Groups",
        filter=[('visible', '=', True)])
    group_names = fields.Function(
        fields.Char("Groups"), 'get_group_names',
        searcher='search_group_names')

    @classmethod
    def get_group_names(cls, parties, name):
        return joined_names(parties, 'counterparty_groups')

    @classmethod
    def search_group_names(cls, name, clause):
        return [('counterparty_groups.name',) + tuple(clause[1:])]


class GroupAssignStart(ModelView):
    __name__ = 'crm.counterparty.group.assign.start'
    __string__ = "Group Action"

    action = fields.Selection([
            ('add', "Add to the group"),
            ('remove', "Remove from the group"),
            ], "Action", required=True)
    group = fields.Many2One(
        'crm.counterparty.group', "Group",
        domain=[('visible', '=', True)],
        states={
            'required': (Eval('action') == 'remove') | ~Eval('new_group'),
            'invisible': Bool(Eval('new_group')),
            },
        help="An existing group.")
    new_group = fields.Char(
        "New Group",
        states={
            'invisible': (Eval('action') != 'add') | Bool(Eval('group')),
            },
        help="The name of a group to create with the counterparties.")
    shared = fields.Boolean(
        "Shared",
        states={
            'invisible': ~Eval('new_group'),
            },
        help="Create the new group for everyone, not only for you.")
    count = fields.Integer("Counterparties", readonly=True)

    @classmethod
    def default_action(cls):
        return 'add'


class GroupAssign(Wizard):
    "Add the selected counterparties to a group or remove them from it"
    __name__ = 'crm.counterparty.group.assign'
    __string__ = "Group Action"

    start = StateView(
        'crm.counterparty.group.assign.start',
        'crm_counterparty.group_assign_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Apply", 'apply', 'tryton-ok', default=True),
            ])
    apply = StateTransition()

    def default_start(self, fields):
        return {
            'count': len(self.records),
            }

    def transition_apply(self):
        pool = Pool()
        Group = pool.get('crm.counterparty.group')
        Member = pool.get('crm.counterparty.group-party.party')
        group = self.start.group
        if self.start.action == 'add' and not group:
            if not self.start.new_group:
                raise GroupMissing(gettext(
                        'crm_counterparty.msg_group_missing'))
            group = Group(
                name=self.start.new_group.strip(),
                shared=bool(self.start.shared))
            with check_access():
                group.save()
        elif not group:
            raise GroupMissing(gettext('crm_counterparty.msg_group_missing'))
        check_chosen([group])
        members = Member.search([
                ('group', '=', group.id),
                ('party', 'in', [p.id for p in self.records]),
                ])
        present = {m.party for m in members}
        if self.start.action == 'add':
            with editing([p for p in self.records if p not in present]):
                Member.save([Member(group=group, party=p)
                        for p in self.records if p not in present])
        else:
            with editing([p for p in self.records if p in present]):
                Member.delete(members)
        return 'end'
