#!/bin/sh
# setup.sh: Gradescope runs this once, as root, when it builds the autograder
# image (the bundle is unpacked in /autograder/source).  It installs what
# vmkit's tools/packages lists, under the image's package names:
#
#   Debian 12 (tools/packages)   Ubuntu 22.04 (Gradescope's base image)
#   qemu-system-x86              qemu-system-x86 (QEMU 6.2)
#   gcc, gcc-multilib, binutils  the same names (gcc 11)
#   make                         make
#   python3 (3.11)               python3 is 3.10: vmkit needs 3.11 (tomllib,
#                                enum.StrEnum), so python3.11 + python3.11-venv
#   python3-pytest (7.2)         jammy's is 6.2 for 3.10 only: pytest and
#   python3-pytest-xdist         pytest-xdist go into a 3.11 venv
#                                (/opt/vmkit-python) with pip
#   gdb, mypy                    not needed to grade
#
# On an image whose python3 is 3.11 or later with a pytest >= 7 package
# (Debian 12, Ubuntu 24.04) the Debian way is used and no venv is made.
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends qemu-system-x86 gcc gcc-multilib binutils make \
	python3 ca-certificates
if /usr/bin/python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
	apt-get install -y -q --no-install-recommends python3-pytest python3-pytest-xdist
	/usr/bin/python3 -c 'import pytest, sys; sys.exit(int(pytest.__version__.split(".")[0]) < 7)'
else
	apt-get install -y -q --no-install-recommends python3.11 python3.11-venv
	python3.11 -m venv /opt/vmkit-python
	/opt/vmkit-python/bin/python3 -m pip install -q 'pytest>=7,<9' 'pytest-xdist>=3,<4'
fi
# The grader's own check that everything is there (the same probes as make deps).
cd "$(dirname "$0")/vmkit"
py=/usr/bin/python3
[ -x /opt/vmkit-python/bin/python3 ] && py=/opt/vmkit-python/bin/python3
"$py" -c 'import pytest, xdist, tomllib, enum; enum.StrEnum'
gcc -m32 -print-libgcc-file-name | grep -q /32/ || { echo "setup.sh: gcc-multilib has no 32-bit libgcc" >&2; exit 1; }
qemu-system-i386 --version
echo "vmkit autograder: setup done ($("$py" --version))"
