#!/bin/bash
# A git repository: commits on a branch, a diff, a log, a merge.
set -eu
cd "$1"
n=${2:-1}
export GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=agent GIT_AUTHOR_EMAIL=a@example.com \
	GIT_COMMITTER_NAME=agent GIT_COMMITTER_EMAIL=a@example.com
git init -q -b main .
echo "# demo $n" > README.md
git add README.md
git commit -q -m "first"
git checkout -q -b feature
for i in $(seq 1 $((n % 3 + 1))); do
	echo "line $i" >> notes.txt
	git add notes.txt
	git commit -q -m "note $i"
done
git diff main --stat
git log --oneline | head -5
git checkout -q main
git merge -q --no-edit feature
git status --short
