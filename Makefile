# The two commands a newcomer needs are `make demo` and `make test`;
# everything else here is what they are made of.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SITE := $(VENV)/lib/python3.11/site-packages
MODULE := $(SITE)/trytond/modules/crm_counterparty
SAO := web/node_modules/tryton-sao
PG_URI ?= postgresql://127.0.0.1:5432/
DEMO_DB := demo
DEMO_CONFIG := etc/trytond.conf
DEMO_ENV := TRYTOND_DATABASE__PATH=$(CURDIR)/var \
	TRYTOND_WEB__ROOT=$(CURDIR)/$(SAO)

MODULE_FILES := tryton.cfg pyproject.toml $(wildcard *.py importing/*.py telephony/*.py channels/*.py *.xml *.fodt view/*.xml \
	portal/*.py portal/*.css portal/templates/*.html \
	locale/*.po icons/*.svg tests/*.py tests/*.rst)

.DELETE_ON_ERROR:

.PHONY: demo test test-sqlite test-postgresql test-project test-browser \
	install web chromium libreoffice kannel dovecot prosody clamav serve postgresql clean

demo: install web libreoffice var/demo.updated
	@echo
	@echo "  Tryton with crm_counterparty: http://127.0.0.1:8000/"
	@echo "  Log in as admin / admin (database: $(DEMO_DB))"
	@echo "  The clients' portal: http://127.0.0.1:8000/$(DEMO_DB)/portal/"
	@echo
	$(DEMO_ENV) $(BIN)/trytond -c $(DEMO_CONFIG) -d $(DEMO_DB)

# SQLite, PostgreSQL and the browser at once: the PostgreSQL suite, the
# longest, waits on its server, and the browser's on its own; each one's
# output is printed whole when it ends.
test: install web chromium libreoffice kannel dovecot prosody clamav
	$(MAKE) -j3 --output-sync=target test-sqlite test-postgresql test-project

# The Python environment: the pinned packages, then the module itself.
$(BIN)/trytond: requirements.txt constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -r requirements.txt
	touch $@

$(MODULE)/tryton.cfg: $(BIN)/trytond $(MODULE_FILES)
	$(BIN)/pip install -q --no-deps --no-build-isolation --force-reinstall .
	touch $@

install: $(MODULE)/tryton.cfg

# The web client, with our Russian translation compiled into it.
$(SAO)/index.html: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	# sao looks for its libraries in its own node_modules
	ln -sfn .. $(SAO)/node_modules
	touch $@

web: $(SAO)/index.html
	$(BIN)/python scripts/sao_locale.py $(SAO)
	cp web/custom.js $(SAO)/custom.js

chromium:
	@command -v chromium >/dev/null || { \
		apt-get update -qq && apt-get install -y -qq chromium; }

# LibreOffice without its desktop and a font with Cyrillic, for the prints
# as PDF (Tryton converts with soffice); see README, Print.
libreoffice:
	@command -v soffice >/dev/null || { \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends \
		libreoffice-writer-nogui fonts-dejavu-core; }

# Kannel, the SMS gateway, with its fake SMSC: the tests of the SMS
# channel start them (tests/kannel_server.py); see README, Mailings.
kannel:
	@command -v bearerbox >/dev/null && test -x /usr/lib/kannel/test/fakesmsc || { \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends kannel kannel-extras; }

# Dovecot, the IMAP server the mailboxes' tests read letters from; they
# start it with a configuration of their own (tests/imap_server.py), not
# the system's service; see README, Telephony and mail.
dovecot:
	@command -v dovecot >/dev/null || test -x /usr/sbin/dovecot || { \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends dovecot-imapd; }

# Prosody, the XMPP server the tests of the mailings' Jabber channel send
# through; they start it with a configuration and accounts of their own
# (tests/xmpp_server.py), not the system's service; see README, Mailings.
prosody:
	@command -v prosodyctl >/dev/null || { \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends prosody; }

# ClamAV's daemon, which scans the files guests upload on the portal; the
# tests start it with a configuration and an EICAR signature of their own
# (tests/clamav_server.py), not the system's service, and download no
# signatures; see README, Guest access.
clamav:
	@test -x /usr/sbin/clamd || { \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends clamav-daemon; }

# The demo database is made once; a newer module only updates it, so
# what was typed into the demo stays.
var/demo.sqlite: scripts/demo.py scripts/demo_data.py | install
	mkdir -p var
	rm -f $@
	$(DEMO_ENV) $(BIN)/python scripts/demo.py --config $(DEMO_CONFIG) --database $(DEMO_DB)
	touch var/demo.updated

var/demo.updated: $(MODULE)/tryton.cfg var/demo.sqlite
	$(DEMO_ENV) $(BIN)/trytond-admin -c $(DEMO_CONFIG) -d $(DEMO_DB) \
		-u crm_counterparty </dev/null
	touch $@

# The module's own suite (unit tests and scenarios), on each database, with
# Tryton's own suites of party, company and party_relationship run on this
# module's database (tests/test_tryton_suites.py, found by the discovery).
# DB_CACHE keeps the activated database between the tests of one run; it is
# keyed by module names only, so it must never outlive the run.
# They run from an empty directory: nothing there can shadow a module.
# The in-memory database is one connection: Tryton's cache, synchronising
# every [cache] clean_timeout, switches it to autocommit under a running
# test, whose writes then stay for the next; one process needs no sync.
test-sqlite: install
	cache=$$(mktemp -d) && cd $$cache && TRYTOND_DATABASE__URI=sqlite:// \
		DB_NAME=:memory: DB_CACHE=$$cache TRYTOND_CACHE__CLEAN_TIMEOUT=86400 \
		$(CURDIR)/$(BIN)/python -m unittest discover -s $(CURDIR)/$(MODULE)/tests; \
		status=$$?; rm -rf $$cache; exit $$status

postgresql:
	@pg_isready -q -h 127.0.0.1 -p 5432 || \
		pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start

PG_TEST_DBS := psql -h 127.0.0.1 -d postgres -Atc \
	"SELECT datname FROM pg_database WHERE datname LIKE 'test-%' \
	OR datname = 'test_crm_counterparty'"
test-postgresql: install postgresql
	$(PG_TEST_DBS) | xargs -r -I{} dropdb -h 127.0.0.1 "{}"
	dir=$$(mktemp -d) && cd $$dir && TRYTOND_DATABASE__URI=$(PG_URI) \
		DB_NAME=test_crm_counterparty DB_CACHE=postgresql:// \
		$(CURDIR)/$(BIN)/python -m unittest discover -s $(CURDIR)/$(MODULE)/tests; \
		status=$$?; cd $(CURDIR); rm -rf $$dir; \
		$(PG_TEST_DBS) | xargs -r -I{} dropdb -h 127.0.0.1 "{}"; exit $$status

# The project's own checks: demo data, web client translation, browser.
test-project: install web chromium
	$(BIN)/python -m unittest discover -s tests/project -t .

clean:
	rm -rf $(VENV) var web/node_modules build
