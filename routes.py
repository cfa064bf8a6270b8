# This file is part of crm_counterparty.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The webhook of the telephony connectors: a provider posts (Sipuni may
get) its call events to /<database>/crm/telephony/<connector>, Mango to
paths below it (…/events/call, …/events/summary)."""
import json
from http import HTTPStatus

from trytond.protocols.wrappers import (
    Response, abort, with_pool, with_transaction)
from trytond.wsgi import app

from .telephony import Delivery, Refused


@app.route('/<database_name>/crm/telephony/<int:connector>',
    methods=['GET', 'POST'])
@app.route('/<database_name>/crm/telephony/<int:connector>/<path:path>',
    methods=['POST'])
@with_pool
@with_transaction(readonly=False)
def telephony_webhook(request, pool, connector, path=''):
    Connector = pool.get('crm.telephony.connector')
    connectors = Connector.search([('id', '=', connector)])
    if not connectors:
        abort(HTTPStatus.NOT_FOUND)
    connector, = connectors
    delivery = Delivery(
        body=request.get_data(),
        form={**request.args.to_dict(), **request.form.to_dict()},
        headers=request.headers, path=path)
    try:
        count = connector.receive(delivery)
    except Refused:
        abort(HTTPStatus.FORBIDDEN)
    # Sipuni stops sending to an address that does not answer so
    return Response(json.dumps({'success': True, 'events': count}),
        content_type='application/json')
