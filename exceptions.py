# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
from trytond.exceptions import UserError, UserWarning
from trytond.model.exceptions import AccessError, ValidationError


class DuplicateTaxIdentifier(ValidationError):
    pass


class DuplicateTaxIdentifierWarning(UserWarning):
    pass


class ContactPersonMovedWarning(UserWarning):
    pass


class NotDuplicateError(UserError):
    pass


class MergeError(UserError):
    pass


class InvalidRequisite(ValidationError):
    pass


class GroupMissing(UserError):
    pass


class InvalidDateFormula(UserError):
    pass


class CustomFieldSlotsFull(ValidationError):
    pass


class InvalidMassEditValue(UserError):
    pass


class InvalidCommunication(ValidationError):
    pass


class InvalidJabber(ValidationError):
    pass


class CommunicationOverlapWarning(UserWarning):
    pass


class ImportFileError(UserError):
    pass


class ImportRevertError(UserError):
    pass


class PreferenceError(UserError):
    pass


class CounterpartyLinkError(AccessError):
    pass


class CallError(UserError):
    pass


class GuestAccessError(UserError):
    pass


class GuestFileError(UserError):
    pass


class MailingError(UserError):
    pass


class MailboxError(UserError):
    pass


class AutomationError(UserError):
    pass
