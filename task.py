# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The tasks of Tryton's project module on the counterparty's card, when
the module is activated."""
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    tasks = fields.Function(
        fields.One2Many(
            'project.work', None, "Tasks",
            context={
                'task_party': Eval('id', -1),
                },
            depends={'id'},
            help="The tasks for the counterparty and its contact persons, "
            "the latest first."),
        'get_tasks', setter='set_tasks')

    @classmethod
    def get_tasks(cls, parties, name):
        pool = Pool()
        Work = pool.get('project.work')
        return {party.id: [w.id for w in Work.search([
                        ('type', '=', 'task'),
                        ('party', 'in', members),
                        ], order=[('id', 'DESC')])]
            for party, members in cls._members(parties).items()}

    @classmethod
    def set_tasks(cls, parties, name, value):
        "Tasks added, changed or removed in the card's list are the card's"
        Work = Pool().get('project.work')
        for action, *args in value:
            if action == 'create':
                Work.create([{**values, 'type': 'task', 'party': party.id}
                        for party in parties for values in args[0]])
            elif action == 'write':
                Work.write(*[Work.browse(a) if i % 2 == 0 else a
                        for i, a in enumerate(args)])
            elif action == 'delete':
                Work.delete(Work.browse(args[0]))
            elif action in {'add', 'remove'}:
                for party in parties:
                    Work.write(Work.browse(args[0]), {
                            'party': party.id if action == 'add' else None})


class Work(metaclass=PoolMeta):
    __name__ = 'project.work'

    @classmethod
    def default_party(cls):
        "A task added from the card is the card's"
        party = Transaction().context.get('task_party')
        if party and party > 0:
            return party
