# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The printed list of counterparties; a print takes them out as an export
does, so the company's export policy (access.check_export) applies, to
the company module's letter to a party too."""
import shlex
import shutil

import trytond.config as config
from trytond.pool import Pool, PoolMeta
from trytond.report import Report
from trytond.transaction import Transaction

from .access import check_export, policy_company

# The convert command Tryton runs when none is configured
DEFAULT_CONVERTER = 'soffice'


def converter_available():
    "Whether the program of [report] convert_command is installed"
    command = config.get(
        'report', 'convert_command', default=DEFAULT_CONVERTER)
    return bool(command) and bool(shutil.which(shlex.split(command)[0]))


class ExportPolicyMixin:
    "A print takes the counterparties out as an export does"
    __slots__ = ()

    @classmethod
    def check_access(cls, action, model, ids):
        super().check_access(action, model, ids)
        if Transaction().user:
            check_export()


class CounterpartyList(ExportPolicyMixin, Report):
    "The selected counterparties with their contact persons and phones"
    __name__ = 'crm.counterparty.list'

    @classmethod
    def execute(cls, ids, data):
        "The file is named after the report and the day, not the first rows"
        Date = Pool().get('ir.date')
        with Transaction().set_context(with_rec_name=False):
            oext, content, direct, name = super().execute(ids, data)
        # The day of the user's own company, not of whichever the client sends
        with Transaction().set_context(company=policy_company()):
            today = Date.today()
        return oext, content, direct, '%s-%s' % (name, today.isoformat())

    @classmethod
    def get_context(cls, records, header, data):
        pool = Pool()
        Company = pool.get('company.company')
        Party = pool.get('party.party')
        context = super().get_context(records, header, data)
        # The header names the user's own company, not whichever the client
        # sends
        company_id = policy_company()
        context['company'] = Company(company_id) if company_id else None
        # A contact person printed with its company is not printed again
        selected = {r.id for r in records}
        context['counterparties'] = [
            r for r in records
            if not (r.employer and r.employer.id in selected)]

        def values(party, types):
            return ', '.join(
                m.value for m in party.contact_mechanisms
                if m.type in types and m.value)
        context['phones'] = lambda party: values(party, {'phone', 'mobile'})
        context['emails'] = lambda party: values(party, {'email'})
        # Only the contact persons the user may see
        context['contact_persons'] = lambda party: Party.search([
                ('employer', '=', party.id),
                ], order=[('name', 'ASC')])
        return context

    @classmethod
    def convert(cls, report, data, **kwargs):
        # Without LibreOffice the document itself is given, at once rather
        # than after the retries of a failing command
        if (report.extension or report.template_extension) != (
                report.template_extension) and not converter_available():
            return report.template_extension, data
        return super().convert(report, data, **kwargs)


class LetterReport(ExportPolicyMixin, metaclass=PoolMeta):
    "The company module's letter: a party's name and address on paper"
    __name__ = 'party.letter'
