#!/bin/sh
# tools/publish-lab.sh NN DIR: lab NN's student tree as a fresh git repository
# of one commit, ready to push where students clone it (a repository per lab).
#
# The tree is `make lab LAB=NN DEST=DIR` (tools/mklab.py: lab NN and later labs
# stubbed, earlier labs' reference code in, no hidden tests, no instructors'
# files); DIR must be new or empty.  The one commit has no history of the
# reference (which holds the answers), a fixed author ("vmkit course staff";
# VMKIT_PUBLISH_AUTHOR="Name <mail>" changes it) and the lab's title as its
# message.  Then, for example:
#   git -C DIR remote add origin git@host:course/lab00.git && git -C DIR push -u origin main
# An instructors' tool: lab trees do not have tools/mklab.py.
set -eu
if [ $# -ne 2 ]; then
	echo "usage: tools/publish-lab.sh NN DIR" >&2
	exit 2
fi
lab=$1
dir=$2
here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3
[ -f "$here/mklab.py" ] || { echo "publish-lab: an instructors' tool: tools/mklab.py is not in lab trees" >&2; exit 2; }
command -v git >/dev/null || { echo "publish-lab: needs git" >&2; exit 2; }
if [ -e "$dir" ] && [ -n "$(ls -A "$dir")" ]; then
	echo "publish-lab: $dir exists and is not empty; choose a new DIR" >&2
	exit 2
fi
"$py" "$here/mklab.py" --lab "$lab" --dest "$dir"
title=$(cd "$here/.." && "$py" -c 'import sys; sys.path.insert(0, "grader")
from vmkit import manifest
print(manifest.find_lab(".", sys.argv[1]).title)' "$lab")
[ -f "$dir/.gitignore" ] || printf '%s\n' "/build/" "/.gdbinit" "__pycache__/" >"$dir/.gitignore"
author=${VMKIT_PUBLISH_AUTHOR:-vmkit course staff <staff@vmkit.invalid>}
name=${author% <*}
mail=$(printf '%s' "$author" | sed -n 's/.*<\(.*\)>.*/\1/p')
cd "$dir"
git init -q -b main
git add -A
GIT_AUTHOR_NAME=$name GIT_AUTHOR_EMAIL=$mail GIT_COMMITTER_NAME=$name GIT_COMMITTER_EMAIL=$mail \
	git -c commit.gpgsign=false commit -q -m "$title"
echo "publish-lab: $dir is a git repository of one commit: $(git log --oneline)"
