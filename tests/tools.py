# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""What the database tests share."""
import re

from trytond.modules.company.tests import create_employee
from trytond.pool import Pool
from trytond.transaction import Transaction


# The words sao's search box makes of a text: split at white space, and
# brackets are tokens of their own (grouping, dropped here)
_WEB_CLIENT_WORDS = re.compile(r'[^\s()]+')


def web_client_search(typed):
    """The domain sao's search box sends for a text typed without a field
    name: each word must match the record's name"""
    return [('rec_name', 'ilike', '%' + word + '%')
        for word in _WEB_CLIENT_WORDS.findall(typed)]


def create_user(login, employee=None, group='group_crm_user'):
    """A user in the CRM group named (none when None), working as employee
    in its company when one is given"""
    pool = Pool()
    User = pool.get('res.user')
    ModelData = pool.get('ir.model.data')
    values = {
        'name': login.capitalize(), 'login': login,
        'groups': [('add', [ModelData.get_id('crm_counterparty', group)]
                if group else [])],
        }
    if employee:
        values.update({
                'companies': [('add', [employee.company.id])],
                'company': employee.company.id,
                'employees': [('add', [employee.id])],
                'employee': employee.id,
                })
    user, = User.create([values])
    return user


def run_import(data, user, **values):
    "Import the file data as user, as the queue runs it; the batch done"
    Import = Pool().get('crm.counterparty.import')
    with Transaction().set_user(user.id):
        batch, = Import.create([dict({
                        'file': data, 'file_name': 'clients.xlsx'},
                    **values)])
        Import.read_columns([batch])
        Import.write([batch], {'state': 'waiting'})
        for _ in batch.process():
            pass
    return Import(batch.id)


def anna_and_boris(company):
    """Anna and Boris, employees of company with a CRM login each, who see
    only the counterparties they take part in: ((anna, boris), (their
    users)); made under set_company(company)"""
    pool = Pool()
    Configuration = pool.get('party.configuration')
    employees = [create_employee(company, n) for n in ["Анна", "Борис"]]
    configuration = Configuration(1)
    configuration.counterparty_visibility = 'involved'
    configuration.save()
    return employees, [create_user(login, employee)
        for login, employee in zip(['anna', 'boris'], employees)]


def crm_employee(name, login, company, email=None):
    """An employee of company, a person named name, with a login in the CRM
    user group working as it: (employee, user), made as a scenario makes
    them (proteus, as the administrator)"""
    from proteus import Model
    Company = Model.get('company.company')
    Employee = Model.get('company.employee')
    Group = Model.get('res.group')
    Party = Model.get('party.party')
    User = Model.get('res.user')
    crm_user, = Group.find([('name', '=', "CRM User")])
    person = Party(name=name)
    person.save()
    employee = Employee(party=person, company=company)
    employee.save()
    user = User(name=name, login=login, email=email)
    user.companies.append(Company(company.id))
    user.company = Company(company.id)
    user.employees.append(Employee(employee.id))
    user.employee = Employee(employee.id)
    user.groups.append(Group(crm_user.id))
    user.save()
    return employee, user
