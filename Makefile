# Everything a fresh machine needs, from the README's two commands.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO_HOME ?= $(CURDIR)/.demo-home

.PHONY: install demo test lint bench bench-quick clean system-deps

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# The demo: a generated four-week stalking case, loaded through the real intake path and
# analysed. Passphrase 'demo' unless APPLIANCE_PASSPHRASE is set.
demo: $(STAMP)
	$(BIN)/appliance --home $(DEMO_HOME) demo

# The real tools the USB tests make stick images with (Debian packages; installed when missing
# and we are root, as in CI). FUSE drivers let the tests write exFAT and NTFS images; tmux runs
# the terminal UI end to end; the report needs DejaVu fonts, its tests poppler's pdftotext and
# pdftoppm and a private cupsd with a cups-pdf queue. A path stands for a file a package ships.
SYSTEM_TOOLS := mkfs.vfat mcopy mkfs.exfat mkntfs mkfs.ext4 debugfs genisoimage sfdisk sgdisk \
	losetup mount.exfat-fuse ntfs-3g udevadm systemd-analyze strace tmux \
	pdftotext pdftoppm cupsd lp /usr/lib/cups/backend/cups-pdf \
	/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
SYSTEM_PACKAGES := dosfstools mtools exfatprogs exfat-fuse ntfs-3g e2fsprogs genisoimage fdisk \
	gdisk mount fuse3 udev systemd strace tmux \
	poppler-utils cups cups-client printer-driver-cups-pdf fonts-dejavu-core

system-deps:
	@missing=""; for t in $(SYSTEM_TOOLS); do { [ -e "$$t" ] || PATH="$$PATH:/usr/sbin:/sbin" command -v $$t >/dev/null; } || missing="$$missing $$t"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian packages for:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(SYSTEM_PACKAGES) >/dev/null; \
	  else echo "missing tools:$$missing (tests that need them will be skipped; run make test as root to install)"; fi; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check appliance tests
	$(BIN)/ruff format --check appliance tests
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint system-deps
	$(BIN)/pytest -m "not slow" -p no:cacheprovider

bench: $(STAMP) system-deps
	$(BIN)/appliance bench

bench-quick: $(STAMP) system-deps
	$(BIN)/appliance bench --quick

clean:
	rm -rf $(VENV) $(DEMO_HOME) .pytest_cache .mypy_cache .ruff_cache
