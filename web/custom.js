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
