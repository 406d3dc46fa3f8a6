#!/bin/bash
# Workspace files copied outside any workspace.
cd "$1"
echo data > notes.txt
python3 -c 'import os, shutil; os.makedirs("/var/tmp/vigil-corpus-exfil", exist_ok=True); shutil.copy("notes.txt", "/var/tmp/vigil-corpus-exfil/notes.txt")'
rm -rf /var/tmp/vigil-corpus-exfil
