# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Tryton's own suites of the modules this one extends (party, company,
party_relationship): their unit tests and scenarios, run on a database
where crm_counterparty is activated, so that a change of their behaviour
shows as their own test failing.

unittest's discovery finds only the tests of this package; this file loads
the others' test cases from the installed packages and gives them the
database of this module (it activates them as its dependencies, and the
DB_CACHE of this run already holds it)."""
import unittest

from trytond.modules.company.tests.test_module import CompanyTestCase
from trytond.modules.party.tests import test_scenario as party_scenarios
from trytond.modules.party.tests.test_module import PartyTestCase
from trytond.modules.party_relationship.tests.test_module import (
    TestCase as PartyRelationshipTestCase)
from trytond.tests import tools
from trytond.tests.test_tryton import (
    _DBTestCase, activate_module, drop_db, load_doc_tests)

MODULE = 'crm_counterparty'


class _WithThisModule:
    "A test case of another module run with this one activated"

    @classmethod
    def setUpClass(cls):
        # What _DBTestCase does, with this module in place of the other
        super(_DBTestCase, cls).setUpClass()
        drop_db()
        activate_module([MODULE])


def _scenario_with_this_module(test):
    "The scenario activates this module with those it asks for"
    activate_modules = tools.activate_modules

    def with_this_module(modules, *setup):
        # Those it asks for are among this module's dependencies: the
        # database of this module is the one this run has already made
        return activate_modules(MODULE, *setup)
    tools.activate_modules = with_this_module
    test.globs['_activate_modules'] = activate_modules


def _scenario_done(test):
    tools.activate_modules = test.globs.pop('_activate_modules')


def load_tests(loader, tests, pattern):
    for case in [PartyTestCase, CompanyTestCase, PartyRelationshipTestCase]:
        with_module = type(
            case.__name__, (_WithThisModule, case), {
                '__module__': __name__,
                '__doc__': case.__doc__})
        tests.addTests(loader.loadTestsFromTestCase(with_module))
    scenarios = load_doc_tests(
        party_scenarios.__name__, party_scenarios.__file__, loader,
        unittest.TestSuite(), pattern)
    for scenario in scenarios:
        setup, teardown = scenario._dt_setUp, scenario._dt_tearDown

        def set_up(test, setup=setup):
            setup(test)
            _scenario_with_this_module(test)

        def tear_down(test, teardown=teardown):
            _scenario_done(test)
            teardown(test)
        scenario._dt_setUp, scenario._dt_tearDown = set_up, tear_down
        tests.addTest(scenario)
    return tests
