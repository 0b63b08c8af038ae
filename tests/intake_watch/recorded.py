"""udev property sets of real devices, transcribed from published `udevadm info` output.

Only the E: lines (the properties) are kept; they are what udev's rules and ``is_usb_stick``
look at. Shared by the watcher's tests and the udev rule's tests, which must agree on them.
"""

from __future__ import annotations

# A USB flash drive on a current udev (DISKSEQ, USEC_INITIALIZED): the whole disk.
LG_FLASHDRIVE = {
    "DEVPATH": "/devices/pci0000:00/0000:00:14.0/usb3/3-1/3-1.3/3-1.3:1.0/host0/target0:0:0/"
    "0:0:0:0/block/sda",
    "DEVNAME": "/dev/sda",
    "DEVTYPE": "disk",
    "DISKSEQ": "36",
    "MAJOR": "8",
    "MINOR": "0",
    "SUBSYSTEM": "block",
    "USEC_INITIALIZED": "3012112447",
    "ID_VENDOR": "LG",
    "ID_VENDOR_ENC": "LG\\x20\\x20\\x20\\x20\\x20\\x20",
    "ID_VENDOR_ID": "0ea0",
    "ID_MODEL": "FlashDrive",
    "ID_MODEL_ID": "2168",
    "ID_REVISION": "2.00",
    "ID_SERIAL": "LG_FlashDrive-0:0",
    "ID_TYPE": "disk",
    "ID_INSTANCE": "0:0",
    "ID_BUS": "usb",
    "ID_USB_INTERFACES": ":080650:",
    "ID_USB_INTERFACE_NUM": "00",
    "ID_USB_DRIVER": "usb-storage",
    "ID_PATH": "pci-0000:00:14.0-usb-0:1.3:1.0-scsi-0:0:0:0",
    "ID_FS_LABEL": "my_data",
    "ID_FS_UUID": "63AC-7AA5",
    "ID_FS_VERSION": "FAT16",
    "ID_FS_TYPE": "vfat",
    "ID_FS_USAGE": "filesystem",
}
# The first partition of a Sony MicroVault stick: USB, but not the whole disk.
SONY_MICROVAULT_PART1 = {
    "DEVPATH": "/devices/pci0000:00/0000:00:1d.0/usb2/2-1/2-1.4/2-1.4:1.0/host14/target14:0:0/"
    "14:0:0:0/block/sdc/sdc1",
    "MAJOR": "8",
    "MINOR": "33",
    "DEVNAME": "/dev/sdc1",
    "DEVTYPE": "partition",
    "SUBSYSTEM": "block",
    "ID_VENDOR": "Sony",
    "ID_VENDOR_ID": "054c",
    "ID_MODEL": "Storage_Media",
    "ID_MODEL_ID": "0243",
    "ID_SERIAL": "Sony_Storage_Media_5A10101105904-0:0",
    "ID_SERIAL_SHORT": "5A10101105904",
    "ID_TYPE": "disk",
    "ID_BUS": "usb",
    "ID_USB_INTERFACES": ":080650:",
    "ID_USB_DRIVER": "usb-storage",
    "ID_PART_TABLE_TYPE": "dos",
    "ID_FS_TYPE": "vfat",
}
# An internal SATA SSD: a whole disk, not on USB.
SAMSUNG_860_PRO_SATA = {
    "DEVNAME": "/dev/sda",
    "DEVPATH": "/devices/pci0000:00/0000:00:14.1/ata1/host0/target0:0:1/0:0:1:0/block/sda",
    "DEVTYPE": "disk",
    "ID_ATA": "1",
    "ID_ATA_SATA": "1",
    "ID_BUS": "ata",
    "ID_MODEL": "Samsung_SSD_860_PRO_256GB",
    "ID_PART_TABLE_TYPE": "gpt",
    "ID_PATH": "pci-0000:00:14.1-ata-1",
    "ID_SERIAL": "Samsung_SSD_860_PRO_256GB_S42VNF0M805065Y",
    "ID_TYPE": "disk",
    "MAJOR": "8",
    "MINOR": "0",
    "SUBSYSTEM": "block",
    "TAGS": ":systemd:",
}
