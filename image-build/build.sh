#!/usr/bin/env bash
# Build the appliance image: a Debian 12 system made from scratch with debootstrap, the appliance
# installed from its own wheel into /opt/appliance, the repository's udev rule, units and tmpfiles,
# and the overlay in image-build/overlay (a tree that mirrors the target file system).
#
# Outputs (image-build/out/):
#   vmlinuz, initrd.img, root.img, cmdline.txt   a VM boots these directly (root on /dev/vda)
#   appliance-disk.img                           GPT disk for real laptops, UEFI (systemd-boot)
#   quarantine-passphrase.txt                    the QUARANTINE case's passphrase (see README)
#   security.txt                                 systemd-analyze security of each appliance unit
#
# Runs as root (debootstrap, chroot). Network: the Debian mirror apt is configured with here, and
# PyPI for the wheels (both only at build time; the image never fetches anything).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(dirname "$HERE")
OUT=$HERE/out
CACHE=$HERE/cache
WORK=$HERE/work
ROOT=$WORK/root
SUITE=bookworm
PYTHON=${PYTHON:-python3}
# Free space left in root.img for cases (sparse: costs nothing until evidence arrives).
DATA_SPACE_MIB=${DATA_SPACE_MIB:-3072}
ESP_MIB=256

log() { printf '%s image: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "FAILED: $1"; log "hint: $2"; exit 1; }

# Each long step logged and timed, as mkosi does.
step() {
    local name=$1 started
    shift
    started=$(date +%s.%N)
    log "$name..."
    "$@"
    log "$name done in $(printf '%.1f' "$(echo "$(date +%s.%N) - $started" | bc)") s"
}

[ "$(id -u)" = 0 ] || die "must run as root" "run \`sudo make image\` (debootstrap and chroot need root)."
for tool in debootstrap mkfs.ext4 mkfs.vfat mcopy sfdisk bc; do
    PATH="$PATH:/usr/sbin:/sbin" command -v "$tool" >/dev/null ||
        die "$tool is missing" "run \`make image-deps\` (installs the Debian packages the build needs)."
done

# The Debian mirror: the one apt on this machine uses (never a hard-coded host), or DEBIAN_MIRROR.
mirror() {
    if [ -n "${DEBIAN_MIRROR:-}" ]; then echo "$DEBIAN_MIRROR"; return; fi
    apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(COMPONENT)' 'Identifier: Packages' |
        awk -v s="$SUITE" '$2 == s && $3 == "main" { print $1; exit }'
}
security_mirror() {
    apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 'Identifier: Packages' |
        awk -v s="$SUITE-security" '$2 == s { print $1; exit }'
}
MIRROR=$(mirror)
[ -n "$MIRROR" ] || die "no Debian $SUITE mirror in apt's configuration" \
    "set DEBIAN_MIRROR=http://your.mirror/debian or add $SUITE to /etc/apt/sources.list."
SECURITY=$(security_mirror || true)

PACKAGES=$(grep -v '^\s*#' "$HERE/packages.txt" | grep -v '^\s*$' | sort | paste -sd, -)
KEY=$(printf '%s\n%s\n%s\n%s\n' "$SUITE" "$MIRROR" "$SECURITY" "$PACKAGES" | sha256sum | cut -c1-16)
BASE=$CACHE/base-$KEY.tar

mounted=()
cleanup() {
    local m
    for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
        m=${mounted[i]}
        umount -l "$m" 2>/dev/null || true
    done
}
trap 'cleanup; remove_root' EXIT

chroot_mounts() {
    for fs in proc sys dev; do
        mkdir -p "$ROOT/$fs"
        mount --rbind "/$fs" "$ROOT/$fs"
        mount --make-rslave "$ROOT/$fs"
        mounted+=("$ROOT/$fs")
    done
}
chroot_unmount() { cleanup; mounted=(); }

# Never rm -rf a tree with the host's /dev or /proc bound into it. The tree lives in a tmpfs
# (fast to fill, and removed by unmounting it instead of deleting a million files).
remove_root() {
    local m
    for m in $(awk -v r="$ROOT" 'index($2, r) == 1 { print $2 }' /proc/mounts | sort -r); do
        umount -l "$m"
    done
    rm -rf --one-file-system "$ROOT"
}
fresh_root() {
    remove_root
    mkdir -p "$ROOT"
    mount -t tmpfs -o size=${ROOT_TMPFS:-6G},mode=0755 appliance-image "$ROOT"
}
in_root() { chroot "$ROOT" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 HOME=/root "$@"; }

make_base() {
    fresh_root
    mkdir -p "$CACHE"
    debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$ROOT" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 ||
        die "debootstrap failed (log: $WORK/debootstrap.log)" "check that $MIRROR is reachable: \`apt-get update\`."
    {
        echo "deb $MIRROR $SUITE main"
        echo "deb $MIRROR $SUITE-updates main"
        [ -z "$SECURITY" ] || echo "deb $SECURITY $SUITE-security main"
    } >"$ROOT/etc/apt/sources.list"
    chroot_mounts
    in_root apt-get update -qq >"$WORK/upgrade.log" 2>&1 &&
        in_root env DEBIAN_FRONTEND=noninteractive apt-get -y -qq upgrade >>"$WORK/upgrade.log" 2>&1 ||
        die "the security and point-release upgrade failed (log: $WORK/upgrade.log)" "check the mirror."
    in_root apt-get clean
    chroot_unmount
    rm -rf "$ROOT"/var/lib/apt/lists/* "$ROOT"/var/cache/apt/*.bin
    tar -C "$ROOT" --numeric-owner -cf "$BASE.partial" .
    mv "$BASE.partial" "$BASE"
}

unpack_base() {
    fresh_root
    tar -C "$ROOT" --numeric-owner -xf "$BASE"
}

# The appliance and every pinned dependency as wheels, built on this machine (same Debian, same
# Python 3.11 as the image), then installed in the image with no index at all.
build_wheels() {
    local deps stamp
    # The pinned dependencies are built once per constraints.txt; the appliance every time.
    deps=$(sha256sum "$REPO/constraints.txt" "$REPO/pyproject.toml" | sha256sum | cut -c1-16)
    stamp=$CACHE/wheels/.complete-$deps
    mkdir -p "$CACHE/wheels"
    rm -f "$CACHE"/wheels/appliance-*.whl
    if [ -f "$stamp" ]; then
        "$PYTHON" -m pip wheel --quiet --disable-pip-version-check --no-deps --wheel-dir "$CACHE/wheels" \
            "$REPO" >"$WORK/wheels.log" 2>&1 ||
            die "pip wheel of the appliance failed (log: $WORK/wheels.log)" "see the log."
        return
    fi
    rm -f "$CACHE"/wheels/*.whl "$CACHE"/wheels/.complete-*
    "$PYTHON" -m pip wheel --quiet --disable-pip-version-check --wheel-dir "$CACHE/wheels" \
        -c "$REPO/constraints.txt" "$REPO" >"$WORK/wheels.log" 2>&1 ||
        die "pip wheel failed (log: $WORK/wheels.log)" "check that PyPI is reachable and constraints.txt is complete."
    touch "$stamp"
}

install_appliance() {
    mkdir -p "$ROOT/tmp/wheels"
    cp "$CACHE"/wheels/*.whl "$ROOT/tmp/wheels/"
    cp "$REPO/constraints.txt" "$ROOT/tmp/wheels/"
    in_root python3 -m venv /opt/appliance
    in_root /opt/appliance/bin/pip install --quiet --disable-pip-version-check --no-index \
        --find-links /tmp/wheels -c /tmp/wheels/constraints.txt appliance >"$WORK/pip.log" 2>&1 ||
        die "installing the appliance in the image failed (log: $WORK/pip.log)" \
            "a wheel is missing from $CACHE/wheels: delete that folder and build again."
    # pip itself is not needed at run time: nothing installs anything on the appliance.
    in_root /opt/appliance/bin/python -m pip uninstall --quiet --yes pip >/dev/null
    rm -rf "$ROOT/tmp/wheels"
    # pip has byte-compiled everything it installed: /opt is read-only for every service, so
    # nothing could be cached there at run time.
}

# One source of truth: the udev rule, units and tmpfiles come from the repository's udev/ and
# systemd/ folders; image-build/overlay holds only what belongs to the image itself.
install_system_files() {
    install -D -m 0644 -t "$ROOT/usr/lib/udev/rules.d" "$REPO"/udev/*.rules
    install -D -m 0644 -t "$ROOT/usr/lib/systemd/system" "$REPO"/systemd/*.service
    for conf in "$REPO"/systemd/*.tmpfiles; do
        [ -e "$conf" ] || continue
        install -D -m 0644 "$conf" "$ROOT/usr/lib/tmpfiles.d/$(basename "$conf" .tmpfiles).conf"
    done
    cp -a --no-preserve=ownership "$HERE/overlay/." "$ROOT/"
    chmod 0755 "$ROOT"/usr/lib/appliance/*
    chmod 0600 "$ROOT/etc/usbguard/rules.conf" "$ROOT/etc/usbguard/usbguard-daemon.conf"
}

configure() {
    echo appliance >"$ROOT/etc/hostname"
    printf '127.0.0.1 localhost\n127.0.1.1 appliance\n' >"$ROOT/etc/hosts"
    ln -sf /usr/share/zoneinfo/UTC "$ROOT/etc/localtime"
    echo UTC >"$ROOT/etc/timezone"
    # Each appliance makes its own machine id at first boot; none is baked into the image.
    : >"$ROOT/etc/machine-id"
    ln -sf /etc/machine-id "$ROOT/var/lib/dbus/machine-id"
    # The unprivileged account the terminal UI and the intake run as.
    in_root useradd --system --user-group --home-dir /var/lib/appliance --shell /usr/sbin/nologin \
        --groups disk appliance 2>/dev/null || true
    in_root passwd --lock root >/dev/null
    # Logins: none. The terminal UI owns tty1 and nothing offers a shell on any other terminal.
    in_root systemctl mask --quiet getty@.service serial-getty@.service autovt@.service \
        console-getty.service debug-shell.service ctrl-alt-del.target systemd-networkd.service \
        systemd-networkd.socket systemd-networkd-wait-online.service apt-daily.timer \
        apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer systemd-coredump.socket 2>/dev/null
    in_root systemctl enable --quiet usbguard.service appliance-tui.service appliance-ready.service \
        appliance-lockvt.service appliance-recover.service
    in_root systemctl set-default --quiet multi-user.target
    mkdir -p "$ROOT/var/log/journal" "$ROOT/var/log/usbguard"
    install -d -m 0700 -o "$(uid_of appliance)" -g "$(gid_of appliance)" "$ROOT/var/lib/appliance"
}

uid_of() { awk -F: -v u="$1" '$1 == u { print $3 }' "$ROOT/etc/passwd"; }
gid_of() { awk -F: -v u="$1" '$1 == u { print $4 }' "$ROOT/etc/passwd"; }

# The QUARANTINE case, so the first stick has somewhere to be sealed. Its passphrase is made here,
# once per build (or taken from APPLIANCE_QUARANTINE_PASSPHRASE), and leaves the build only in
# out/quarantine-passphrase.txt for the force's evidence custodian: the image holds just the
# case's public sealing key in the clear.
make_quarantine_case() {
    local pass
    pass=${APPLIANCE_QUARANTINE_PASSPHRASE:-$("$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(18))')}
    (umask 077 && printf '%s\n' "$pass" >"$OUT/quarantine-passphrase.txt")
    mkdir -p "$ROOT/tmp"
    chroot_mounts
    in_root env APPLIANCE_PASSPHRASE="$pass" APPLIANCE_OFFICER="image build $(date -u +%Y-%m-%dT%H:%M:%SZ)" \
        /opt/appliance/bin/appliance --home /var/lib/appliance case new QUARANTINE \
        --timezone Europe/London >"$WORK/case.log" 2>&1 ||
        die "creating the QUARANTINE case failed (log: $WORK/case.log)" "run the same command on the host to see why."
    chroot_unmount
    chown -R "$(uid_of appliance):$(gid_of appliance)" "$ROOT/var/lib/appliance"
}

# Map tile packs from the maps work: any *.mbtiles in image-build/tiles/ (or TILES_DIR) go into
# the appliance's tile folder, where `appliance tiles list` finds them.
install_tiles() {
    local dir=${TILES_DIR:-$HERE/tiles} n=0
    install -d -m 0700 -o "$(uid_of appliance)" -g "$(gid_of appliance)" "$ROOT/var/lib/appliance/tiles"
    for pack in "$dir"/*.mbtiles; do
        [ -e "$pack" ] || continue
        install -m 0600 -o "$(uid_of appliance)" -g "$(gid_of appliance)" "$pack" "$ROOT/var/lib/appliance/tiles/"
        n=$((n + 1))
    done
    log "tile packs installed: $n (from $dir)"
}

make_initrd() {
    local version key cached
    version=$(basename "$(ls -d "$ROOT"/lib/modules/* | sort -V | tail -1)")
    # The initrd depends on the base system and the initramfs settings only: cached with them.
    key=$(cat "$HERE"/overlay/etc/initramfs-tools/conf.d/* "$HERE"/overlay/etc/modules-load.d/* |
        sha256sum | cut -c1-8)
    cached=$CACHE/initrd-$KEY-$key-$version.img
    if [ ! -f "$cached" ]; then
        chroot_mounts
        in_root update-initramfs -u -k "$version" >"$WORK/initrd.log" 2>&1 ||
            die "making the initrd failed (log: $WORK/initrd.log)" "see the log."
        chroot_unmount
        cp "$ROOT/boot/initrd.img-$version" "$cached.partial"
        mv "$cached.partial" "$cached"
    fi
    cp "$ROOT/boot/vmlinuz-$version" "$OUT/vmlinuz"
    cp "$cached" "$OUT/initrd.img"
    cp "$cached" "$ROOT/boot/initrd.img-$version"
}

security_report() {
    local unit
    : >"$OUT/security.txt"
    for unit in appliance-intake@sdb.service appliance-tui.service appliance-ready.service appliance-recover.service; do
        printf '%s %s\n' "$unit" "$(systemd-analyze security --offline=yes --root="$ROOT" --no-pager "$unit" 2>/dev/null |
            awk '/Overall exposure level/ { print $(NF-2), $(NF-1) }')" >>"$OUT/security.txt"
    done
}

COMMON_CMDLINE="rw quiet loglevel=3 systemd.show_status=false systemd.gpt_auto=0 usbcore.authorized_default=2"

make_root_image() {
    local used size
    rm -rf "$ROOT/tmp"/* "$ROOT"/var/cache/apt/archives/*.deb
    used=$(du -sm "$ROOT" | cut -f1)
    size=$((used + used / 4 + DATA_SPACE_MIB))
    rm -f "$OUT/root.img"
    mkfs.ext4 -q -L approot -d "$ROOT" "$OUT/root.img" "${size}M" ||
        die "mkfs.ext4 -d failed" "check free space in $OUT."
    # The VM boots these directly: root on the first virtio disk, console on the serial port.
    echo "root=/dev/vda $COMMON_CMDLINE console=tty1 console=ttyS0,115200" >"$OUT/cmdline.txt"
}

# A GPT disk: an EFI system partition with systemd-boot, the kernel and the initrd, then the root
# file system (the same bytes as root.img). Made without loop devices: mtools fills the ESP.
make_disk_image() {
    local esp=$WORK/esp.img root_mib partuuid disk=$OUT/appliance-disk.img
    root_mib=$(( ($(stat -c %s "$OUT/root.img") + 1048575) / 1048576 ))
    partuuid=$(cat /proc/sys/kernel/random/uuid)
    rm -f "$esp"
    mkfs.vfat -F 32 -n APPLIANCE -C "$esp" $((ESP_MIB * 1024)) >/dev/null
    mmd -i "$esp" ::/EFI ::/EFI/BOOT ::/loader ::/loader/entries
    mcopy -i "$esp" "$ROOT/usr/lib/systemd/boot/efi/systemd-bootx64.efi" ::/EFI/BOOT/BOOTX64.EFI
    mcopy -i "$esp" "$OUT/vmlinuz" ::/vmlinuz
    mcopy -i "$esp" "$OUT/initrd.img" ::/initrd.img
    printf 'timeout 0\neditor no\nauto-entries no\nauto-firmware no\ndefault appliance.conf\n' >"$WORK/loader.conf"
    mcopy -i "$esp" "$WORK/loader.conf" ::/loader/loader.conf
    printf 'title Appliance\nlinux /vmlinuz\ninitrd /initrd.img\noptions root=PARTUUID=%s %s console=tty1 console=ttyS0,115200\n' \
        "$partuuid" "$COMMON_CMDLINE" >"$WORK/appliance.conf"
    mcopy -i "$esp" "$WORK/appliance.conf" ::/loader/entries/appliance.conf
    rm -f "$disk"
    truncate -s $(((1 + ESP_MIB + root_mib + 1) * 1048576)) "$disk"
    sfdisk --quiet "$disk" <<EOF
label: gpt
start=1MiB, size=${ESP_MIB}MiB, type=U, name=esp
start=$((1 + ESP_MIB))MiB, size=${root_mib}MiB, type=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709, uuid=$partuuid, name=root
EOF
    dd if="$esp" of="$disk" bs=1M seek=1 conv=notrunc,sparse status=none
    dd if="$OUT/root.img" of="$disk" bs=1M seek=$((1 + ESP_MIB)) conv=notrunc,sparse status=none
    rm -f "$esp"
}

main() {
    mkdir -p "$OUT" "$CACHE" "$WORK"
    log "Debian $SUITE from $MIRROR; base cache key $KEY"
    if [ -f "$BASE" ]; then
        step "unpacking the cached base system ($(basename "$BASE"))" unpack_base
    else
        # make_base leaves the tree in place: no need to unpack what was just packed.
        step "debootstrap of the base system (cached afterwards as $(basename "$BASE"))" make_base
    fi
    step "building the appliance's wheels" build_wheels
    step "installing the appliance into /opt/appliance" install_appliance
    step "installing udev rule, units, tmpfiles and overlay" install_system_files
    step "configuring the system" configure
    step "creating the QUARANTINE case" make_quarantine_case
    step "installing tile packs" install_tiles
    step "making the initrd" make_initrd
    step "measuring unit exposure" security_report
    step "making root.img" make_root_image
    step "making appliance-disk.img" make_disk_image
    remove_root
    log "done: $(ls "$OUT" | paste -sd' ' -) in $OUT"
}

main "$@"
