# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Every string a user of the demo can meet is Russian.

The test walks the screens as the client opens them and reads each string
in English and in Russian; a string with Latin letters whose Russian is the
English (no translation, an empty or a fuzzy one) is untranslated.  What it
walks (README, "Russian"):

- the menus a CRM user sees: those the groups of the demo's sales staff
  (CRM user, CRM manager, Party administrator) reach, but Tryton's
  Projects and Timesheet;
- the administrator's setup menus with all below them: Users, Sequences,
  Modules (and its configuration wizard), Localization, Models, Models
  Access, Record Rules, Triggers, Scheduler;
- for each menu its action: the name, the tabs, the views it opens (the
  strings of the arch, the fields' labels, help and selections), the lists
  and forms of the fields listed inside those views, the context form; a
  wizard's forms and buttons;
- the actions, prints and wizards of the models of those menus (the
  toolbar's Action, Print and Open related menus);
- the user's preferences, the first-login configuration wizard and the
  screens of its steps, the names of the languages, the predefined filters
  of the counterparty list, and the messages of the module and of the
  party module whose records the card edits.

Not walked: the technical screens of Administration beyond those named
(User Interface, Actions, Notes, E-mails...); the menus of project and
timesheet, whose names ru.po cannot carry (it would need those modules
activated; the card's Tasks tab is walked); forms reached only through a
many-to-one field; the values of time zones, icons and of the model lists
of reference fields, which are identifiers; and the web client's own
strings (web/locale/ru.po, tests/project/test_web_locale.py)."""
import inspect
import re

from lxml import etree

from trytond.modules.crm_counterparty.tests.test_translation import (
    PLACEHOLDER)
from trytond.pool import Pool
from trytond.tests.test_tryton import _DBTestCase, with_transaction
from trytond.transaction import Transaction
from trytond.wizard import StateView

MODULE = 'crm_counterparty'
# The groups of the demo's sales staff: its head has all three
CRM_GROUPS = [
    'crm_counterparty.group_crm_user', 'crm_counterparty.group_crm_manager',
    'party.group_party_admin']
# The menus where an administrator sets the module up, with those below
SETUP_MENUS = [
    'res.menu_res', 'ir.menu_sequences', 'ir.menu_modules',
    'ir.menu_localization', 'ir.menu_model_form',
    'ir.menu_model_access_form', 'ir.menu_rule_group_form',
    'ir.menu_trigger_form', 'ir.menu_scheduler']
MESSAGE_MODULES = [MODULE, 'party']
# Tryton's project management, activated for the card's tasks: its menus
# are not the CRM's, and ru.po cannot name records of a module that may be
# missing (the card's Tasks tab is walked)
EXTRA_MODULES = ['project', 'timesheet']
# Strings of the views' arch that a person reads
ARCH_ATTRIBUTES = ['string', 'sum', 'confirm', 'help', 'placeholder']
# Selections whose values name themselves in every language
IDENTIFIER_SELECTIONS = {'timezone', 'icon'}
# Names written in Latin letters in Russian too
PROPER_NAMES = {
    'Telegram', 'WhatsApp', 'Viber', 'Skype', 'SIP', 'VK', 'CSV',
    'Excel (.xlsx)', 'Excel 97–2003 (.xls)', 'OpenDocument (.ods)',
    'vCard (.vcf)',
    # Mail's protocol names, as a mail client shows them in Russian
    'HTML', 'Message-ID', 'SSL/TLS', 'STARTTLS', 'UIDVALIDITY'}
LATIN = re.compile(r'[A-Za-z]')


class _Screens:
    """The strings of the screens, keyed by where they are met, in the
    language of the transaction"""

    def __init__(self):
        self.strings = {}
        self._views = set()
        self._wizards = set()

    def add(self, key, text):
        if isinstance(text, str) and text:
            self.strings[key] = text

    def menus(self, menus):
        "The names of menus and what they open, but project's"
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        Keyword = pool.get('ir.action.keyword')
        extras = {d.db_id for d in ModelData.search([
                    ('model', '=', 'ir.ui.menu'),
                    ('module', 'in', EXTRA_MODULES),
                    ])}
        for menu in menus:
            if menu.id in extras:
                continue
            self.add(('menu', menu.id), menu.name)
            for values in Keyword.get_keyword(
                    'tree_open', ('ir.ui.menu', menu.id)):
                self.action(values)

    def action(self, values, depth=0):
        "The strings of the action the client opens with values"
        self.add(('action', values['type'], values['id']), values['name'])
        if values['type'] == 'ir.action.act_window':
            model = values['res_model']
            for i, (name, _, _) in enumerate(values['domains']):
                self.add(('tab', values['id'], i), name)
            views = values['views'] or [(None, 'tree'), (None, 'form')]
            for view_id, view_type in views:
                self.view(model, view_id, view_type, depth)
            if values['context_model']:
                self.view(values['context_model'], None, 'form', depth)
            if depth == 0:
                self.keywords(model)
        elif values['type'] == 'ir.action.wizard':
            self.wizard(values['wiz_name'])

    def keywords(self, model):
        "The toolbar's actions, prints and relates of model"
        Keyword = Pool().get('ir.action.keyword')
        for keyword in ['form_action', 'form_print', 'form_relate']:
            for values in Keyword.get_keyword(keyword, (model, -1)):
                self.action(values, depth=1)

    def wizard(self, name):
        "The forms of the wizard and their buttons"
        if name in self._wizards:
            return
        self._wizards.add(name)
        Wizard = Pool().get(name, type='wizard')
        for state_name, state in Wizard.states.items():
            if not isinstance(state, StateView):
                continue
            view = state.get_view(Wizard, state_name)
            self.view_strings(state.model_name, view, 1)
            for button in state.get_buttons(Wizard, state_name):
                self.add(('button', name, state_name, button['state']),
                    button['string'])

    def view(self, model, view_id, view_type, depth):
        if (model, view_id, view_type) in self._views:
            return
        self._views.add((model, view_id, view_type))
        if view_type == 'board':
            return
        Model = Pool().get(model)
        view = Model.fields_view_get(view_id=view_id, view_type=view_type)
        self.view_strings(model, view, depth)

    def view_strings(self, model, view, depth):
        arch = etree.fromstring(view['arch'])
        shown = set()
        for i, element in enumerate(arch.iter()):
            if element.get('invisible') == '1':
                continue
            for attribute in ARCH_ATTRIBUTES:
                self.add(('arch', model, view['view_id'], i, attribute),
                    element.get(attribute))
            if element.tag in {'field', 'label'}:
                shown.add(element.get('name'))
        for name in shown & view['fields'].keys():
            field = view['fields'][name]
            self.field(model, name, field)
            if depth == 0 and field['type'] in {'one2many', 'many2many'}:
                # The list shown in the form and the form it opens
                for view_type in ['tree', 'form']:
                    self.view(field['relation'], None, view_type, depth + 1)

    def field(self, model, name, field):
        for attribute in ['string', 'help']:
            self.add(('field', model, name, attribute), field.get(attribute))
        if field['type'] == 'reference' or name in IDENTIFIER_SELECTIONS:
            # The names of models, time zones or icons
            return
        selection = field.get('selection')
        if isinstance(selection, str) and not field.get(
                'selection_change_with'):
            selection = _selection(Pool().get(model), selection)
        if isinstance(selection, list):
            for value, label in selection:
                self.add(('selection', model, name, value), label)


def _selection(Model, method_name):
    "The values a selection's method gives, when it needs no record"
    method = getattr(Model, method_name)
    if inspect.signature(method).parameters:
        return None
    return method()


def screens(crm_user, admin):
    "The strings of the screens the demo's users meet, in the language"
    result = _Screens()
    transaction = Transaction()
    with transaction.set_user(crm_user.id), \
            transaction.set_context(_check_access=True):
        _user_screens(result)
    with transaction.set_user(admin.id), \
            transaction.set_context(_check_access=True):
        _setup_screens(result)
    _names(result)
    return result.strings


def _user_screens(result):
    "The menus, preferences and filters of the user of the transaction"
    pool = Pool()
    Menu = pool.get('ir.ui.menu')
    User = pool.get('res.user')
    ViewSearch = pool.get('ir.ui.view_search')
    result.menus(Menu.search([]))
    result.view_strings('res.user', User.get_preferences_fields_view(), 1)
    for searches in ViewSearch.get().values():
        for id_, name, *_ in searches:
            result.add(('filter', id_), name)


def _setup_screens(result):
    "The setup menus, the menus above them and the first-login wizard"
    pool = Pool()
    Menu = pool.get('ir.ui.menu')
    ModelData = pool.get('ir.model.data')
    Action = pool.get('ir.action')
    ConfigItem = pool.get('ir.module.config_wizard.item')
    setup = [ModelData.get_id(*m.split('.')) for m in SETUP_MENUS]
    result.menus(Menu.search([('parent', 'child_of', setup)]))
    result.menus({m.parent for m in Menu.browse(setup) if m.parent})
    config_wizard = ModelData.get_id('ir', 'act_module_config_wizard')
    result.action(Action.get_action_values(
            'ir.action.wizard', [config_wizard])[0])
    for item in ConfigItem.search([]):
        result.action(Action.get_action_values(
                item.action.type, [item.action.id])[0])


def _names(result):
    "The names of the languages and the messages"
    pool = Pool()
    Lang = pool.get('ir.lang')
    Message = pool.get('ir.message')
    ModelData = pool.get('ir.model.data')
    for lang in Lang.search([]):
        result.add(('language', lang.id), lang.name)
    messages = ModelData.search([
            ('model', '=', 'ir.message'),
            ('module', 'in', MESSAGE_MODULES),
            ])
    for message in Message.browse([m.db_id for m in messages]):
        result.add(('message', message.id), message.text)


def untranslated(english, russian):
    "The strings of english whose Russian in russian is the English"
    return sorted({text for key, text in english.items()
            if russian.get(key, text) == text
            # A placeholder's name is no word of a language
            and LATIN.search(PLACEHOLDER.sub('', text))
            and text not in PROPER_NAMES})


class TranslationReachTestCase(_DBTestCase):
    "Test that the screens of the demo's users are Russian"
    module = MODULE
    # The demo's modules, in test_translation's database
    extras = ['project']
    language = 'ru'

    @with_transaction()
    def test_screens_russian(self):
        "Every string of the screens the demo's users meet is Russian"
        pool = Pool()
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        admin = User(ModelData.get_id('res', 'user_admin'))
        crm_user, = User.create([{
                    'name': "Анна", 'login': 'anna',
                    'groups': [('add', [ModelData.get_id(*g.split('.'))
                                for g in CRM_GROUPS])],
                    }])
        with Transaction().set_context(language='en'):
            english = screens(crm_user, admin)
        with Transaction().set_context(language='ru'):
            russian = screens(crm_user, admin)
        # The walk reaches what it claims: the card, its tabs, the setup
        self.assertGreaterEqual(len(set(english.values())), 1150)
        self.assertEqual(untranslated(english, russian), [])
