/* This file is part of crm_counterparty.  The COPYRIGHT file at the top level
   of this repository contains the full copyright notices and license terms.

   sao's own customisation point (index.html loads custom.js from its root;
   `make web` copies this file there).

   The mends of sao 8.0, each in its own block below.

   A button in a row of a list (Restore in the trash) runs on the row it is
   in with one click: sao takes the first click on a row that is not the
   current one as selecting it only, so a person had to click twice. */
(function() {
    'use strict';
    var column = Sao.View.Tree.ButtonColumn.prototype;
    var button_clicked = column.button_clicked;
    column.button_clicked = function(event) {
        var record = event.data[0];
        if (record != this.view.screen.current_record) {
            var row = this.view.rows.find(function(row) {
                return row.record == record;
            });
            if (row) {
                // What a click on the row does, without ctrl or shift
                this.view.select_records(null, null);
                row.set_selection(true);
                row.selection_changed();
            }
        }
        return button_clicked.call(this, event);
    };
}());

/* The toolbar's attachment and note counts follow a save: sao keeps the
   counts it read when the record was opened, so a file added in the card's
   Files block (a one2many of ir.attachment) left the count at 0. */
(function() {
    'use strict';
    var form = Sao.Tab.Form.prototype;
    form.record_saved = function() {
        this.set_buttons_sensitive();
        this.refresh_resources(true);
    };
}());

/* A print of the list as it is filtered (an action whose records are
   'listed') runs with no row selected: sao makes the Print button
   sensitive only with a current record, as the other prints need one.
   The prints that need a selection are greyed in the menu until there is
   one. */
(function() {
    'use strict';
    var form = Sao.Tab.Form.prototype;
    var create_toolbar = form.create_toolbar;
    form.create_toolbar = function() {
        var toolbar = create_toolbar.apply(this, arguments);
        // The toolbar sao has just read, from the session's cache
        var toolbars = this.screen.model.execute(
            'view_toolbar_get', [], this.screen.context, false);
        var items = this.buttons.print.parent()
            .find('.dropdown-menu > li').not('.divider');
        toolbars.print.concat(toolbars.exports).forEach(function(action, i) {
            var item = items.eq(i).addClass(action.records == 'listed' ?
                'crm-records-listed' : 'crm-records-selected');
            // Before sao's own handler: a greyed entry does nothing
            item[0].addEventListener('click', function(evt) {
                if (item.hasClass('disabled')) {
                    evt.stopPropagation();
                    evt.preventDefault();
                }
            }, true);
        });
        this.buttons.print.on('click', () => {
            items.filter('.crm-records-selected').toggleClass(
                'disabled', !this.screen.selected_records.length);
        });
        return toolbar;
    };

    var record_message = form.record_message;
    form.record_message = function() {
        record_message.apply(this, arguments);
        var button = this.buttons.print;
        if (button && button.prop('disabled')
            && this.screen.current_view
            && this.screen.current_view.view_type != 'form'
            && this.screen.group.length
            && button.parent().find('.crm-records-listed').length) {
            button.prop('disabled', false);
            if (this.menu_buttons.print) {
                this.menu_buttons.print.removeClass('disabled');
            }
        }
    };
}());

/* The revision dialog ("Show revisions...") labels its list in the user's
   language: sao writes the label as a literal "Revision" under the title it
   translates. */
(function() {
    'use strict';
    var dialog = Sao.Window.Revision.prototype;
    var init = dialog.init;
    dialog.init = function(revisions, revision, callback) {
        init.call(this, revisions, revision, callback);
        this.el.find('label[for="revision"]').text(
            Sao.i18n.gettext('Revision'));
    };
}());

/* A message written by e-mail (a guest's comment on the portal, a letter)
   is shown as a person's, with its author: sao draws every message without
   a user as a system notice, which hid who wrote it. */
(function() {
    'use strict';
    var chat = Sao.Chat.prototype;
    var create_message = chat.create_message;
    chat.create_message = function(message) {
        if (!message.by_email) {
            return create_message.call(this, message);
        }
        var timestamp = Sao.common.format_datetime(
            Sao.common.date_format() + ' %X', message.timestamp);
        return jQuery('<div/>', {
            'class': 'media chat-message chat-message-email',
        }).append(jQuery('<div/>', {
            'class': 'media-body well well-sm',
        }).append(jQuery('<h6/>', {
            'class': 'media-heading',
        }).text(message.author)
            .append(jQuery('<small/>', {
                'class': 'text-muted pull-right',
            }).text(timestamp)))
        .append(jQuery('<div/>', {
            'class': 'chat-content chat-content-' + message.audience,
        }).text(message.content)));
    };
}());
