#!/bin/bash
# A private SSH key read (credentials rule).
cd "$1"
cat /home/vigil-corpus/.ssh/id_rsa > /dev/null
