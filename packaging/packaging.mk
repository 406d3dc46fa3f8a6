# Installing and packaging vigil (included by the top Makefile; see
# packaging/README.md).
#
#   make man                      vigil(8) and vigil-rules(5) in $(OUTPUT)/man
#   make install [PREFIX=/usr/local] [DESTDIR=]
#   make uninstall [PREFIX=...] [DESTDIR=]
#   make deb                      $(OUTPUT)/vigil_$(VERSION)_ARCH.deb
#   make package-test             tests/package (root: installs the .deb)

PREFIX        ?= /usr/local
SBINDIR       ?= $(PREFIX)/sbin
DATADIR       ?= $(PREFIX)/share
MANDIR        ?= $(DATADIR)/man
DOCDIR        ?= $(DATADIR)/doc/vigil
# Configuration and state keep their FHS places whatever the prefix: the
# daemon's defaults name them (/var/lib/vigil/..., /run/vigil/...).
SYSCONFDIR    ?= /etc
LOCALSTATEDIR ?= /var
UNITDIR       ?= $(PREFIX)/lib/systemd/system
TMPFILESDIR   ?= $(PREFIX)/lib/tmpfiles.d

MAN_OUT  := $(OUTPUT)/man
MAN8     := $(MAN_OUT)/vigil.8.gz
MAN5     := $(MAN_OUT)/vigil-rules.5.gz
UNIT     := $(OUTPUT)/packaging/vigil.service
DOCS     := README.md docs/rules.md docs/record-format.md docs/deploy.md

# What install puts where (uninstall removes the same list). The
# configuration and the state directories are the operator's: install
# never overwrites the one, uninstall leaves both.
INSTALLED := $(SBINDIR)/vigil \
	     $(addprefix $(DATADIR)/vigil/rules/,$(notdir $(RULE_FILES))) \
	     $(MANDIR)/man8/vigil.8.gz $(MANDIR)/man5/vigil-rules.5.gz \
	     $(UNITDIR)/vigil.service $(TMPFILESDIR)/vigil.conf \
	     $(SYSCONFDIR)/logrotate.d/vigil \
	     $(addprefix $(DOCDIR)/,$(notdir $(DOCS)))

.PHONY: man install uninstall deb package-test

man: $(MAN8) $(MAN5)

# vigil(8) is `vigil --help` itself, through help2man, with the sections
# --help has no room for (FILES, SIGNALS, ...) from docs/man/vigil.h2m:
# the page cannot say anything else than the binary.
$(MAN8): $(OUTPUT)/vigil docs/man/vigil.h2m
	$(call msg,MAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)help2man --no-info --no-discard-stderr --section 8 \
		--name "runtime monitor and kill-switch for AI-agent sandboxes" \
		--include docs/man/vigil.h2m $(OUTPUT)/vigil | gzip -9n > $@

# vigil-rules(5) is docs/rules.md, through go-md2man; its first heading
# becomes the NAME section.
$(MAN5): docs/rules.md
	$(call msg,MAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q){ printf '%% VIGIL-RULES 5 "" "vigil $(VERSION)" "File Formats"\n\n'; \
	      printf '# NAME\n\nvigil-rules - the rule language of vigil\n\n# DESCRIPTION\n'; \
	      sed 1d $<; } | go-md2man | gzip -9n > $@

$(UNIT): packaging/vigil.service.in
	$(Q)mkdir -p $(@D)
	$(Q)sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
		$< > $@

# The unit names SBINDIR: rebuilt each time, as PREFIX may differ.
.PHONY: $(UNIT)

install: $(OUTPUT)/vigil man $(UNIT)
	$(Q)install -D -m 0755 $(OUTPUT)/vigil $(DESTDIR)$(SBINDIR)/vigil
	$(Q)install -d $(DESTDIR)$(DATADIR)/vigil/rules
	$(Q)install -m 0644 $(RULE_FILES) $(DESTDIR)$(DATADIR)/vigil/rules/
	$(Q)install -D -m 0644 $(MAN8) $(DESTDIR)$(MANDIR)/man8/vigil.8.gz
	$(Q)install -D -m 0644 $(MAN5) $(DESTDIR)$(MANDIR)/man5/vigil-rules.5.gz
	$(Q)install -D -m 0644 $(UNIT) $(DESTDIR)$(UNITDIR)/vigil.service
	$(Q)install -D -m 0644 packaging/vigil.tmpfiles \
		$(DESTDIR)$(TMPFILESDIR)/vigil.conf
	$(Q)install -D -m 0644 packaging/vigil.logrotate \
		$(DESTDIR)$(SYSCONFDIR)/logrotate.d/vigil
	$(Q)install -d $(DESTDIR)$(DOCDIR)
	$(Q)install -m 0644 $(DOCS) $(DESTDIR)$(DOCDIR)/
	$(Q)if [ -e $(DESTDIR)$(SYSCONFDIR)/vigil/vigil.yaml ]; then \
		echo "install: kept $(DESTDIR)$(SYSCONFDIR)/vigil/vigil.yaml"; \
	else \
		install -D -m 0644 packaging/vigil.yaml \
			$(DESTDIR)$(SYSCONFDIR)/vigil/vigil.yaml; \
	fi
	$(Q)install -d -m 0700 $(DESTDIR)$(LOCALSTATEDIR)/lib/vigil
	$(Q)install -d -m 0750 $(DESTDIR)$(LOCALSTATEDIR)/log/vigil

uninstall:
	$(Q)rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	$(Q)rmdir $(DESTDIR)$(DATADIR)/vigil/rules $(DESTDIR)$(DATADIR)/vigil \
		$(DESTDIR)$(DOCDIR) 2>/dev/null || true
	$(Q)echo "uninstall: left $(DESTDIR)$(SYSCONFDIR)/vigil and the state in" \
		"$(DESTDIR)$(LOCALSTATEDIR)/lib/vigil, $(DESTDIR)$(LOCALSTATEDIR)/log/vigil;" \
		"vigil unpin (before uninstalling) removes the pinned BPF state"

# The Debian package: `make install` into a staging tree with Debian's
# paths, Depends from the binary's own libraries (dpkg-shlibdeps), and
# the maintainer scripts of packaging/deb.
DEB_ARCH  := $(shell dpkg --print-architecture 2>/dev/null)
DEB_STAGE := $(OUTPUT)/deb
DEB_ROOT  := $(DEB_STAGE)/root
DEB_FILE  := $(OUTPUT)/vigil_$(VERSION)_$(DEB_ARCH).deb
DEB_SCRIPTS := $(wildcard packaging/deb/post* packaging/deb/pre*)

deb: $(DEB_FILE)

$(DEB_FILE): $(OUTPUT)/vigil $(MAN8) $(MAN5) packaging/deb/control.in \
	     $(DEB_SCRIPTS) packaging/vigil.service.in packaging/vigil.yaml \
	     packaging/vigil.logrotate packaging/vigil.tmpfiles $(RULE_FILES) $(DOCS)
	$(call msg,DEB,$@)
	$(Q)rm -rf $(DEB_STAGE)
	$(Q)$(MAKE) --no-print-directory install DESTDIR=$(abspath $(DEB_ROOT)) \
		PREFIX=/usr UNITDIR=/lib/systemd/system
	$(Q)rm -rf $(DEB_ROOT)/var	# made by the postinst (tmpfiles)
	$(Q)strip --strip-unneeded $(DEB_ROOT)/usr/sbin/vigil
	$(Q)printf 'This package is vigil %s, under LGPL-2.1 OR BSD-2-Clause\n(SPDX identifiers in each source file).\n' \
		'$(VERSION)' > $(DEB_ROOT)/usr/share/doc/vigil/copyright
	$(Q)mkdir -p $(DEB_ROOT)/DEBIAN $(DEB_STAGE)/shlibs/debian
	$(Q)printf 'Source: vigil\n\nPackage: vigil\nArchitecture: any\n' \
		> $(DEB_STAGE)/shlibs/debian/control
	$(Q)cd $(DEB_STAGE)/shlibs && dpkg-shlibdeps -O -S$(abspath $(DEB_ROOT)) \
		$(abspath $(DEB_ROOT))/usr/sbin/vigil 2>/dev/null \
		| sed -n 's/^shlibs:Depends=//p' > ../depends
	$(Q)test -s $(DEB_STAGE)/depends
	$(Q)sed -e 's|@VERSION@|$(VERSION)|' -e 's|@ARCH@|$(DEB_ARCH)|' \
		-e "s|@DEPENDS@|$$(cat $(DEB_STAGE)/depends)|" \
		-e "s|@SIZE@|$$(du -sk --exclude=DEBIAN $(DEB_ROOT) | cut -f1)|" \
		packaging/deb/control.in > $(DEB_ROOT)/DEBIAN/control
	$(Q)printf '%s\n' /etc/vigil/vigil.yaml /etc/logrotate.d/vigil \
		> $(DEB_ROOT)/DEBIAN/conffiles
	$(Q)install -m 0755 $(DEB_SCRIPTS) $(DEB_ROOT)/DEBIAN/
	$(Q)dpkg-deb --root-owner-group -Zxz --build $(DEB_ROOT) $@ >/dev/null

# Installs the package on this machine (and purges it): root, under the
# integration lock like the other system tests.
package-test: $(DEB_FILE)
	$(Q)VIGIL_DEB=$(abspath $(DEB_FILE)) VIGIL=$(abspath $(OUTPUT)/vigil) \
		python3 -m pytest -q tests/package
