#!/bin/bash
# The credentials rule's case: cloud keys read from a home directory.
cd "$1"
python3 -c 'print(open("/home/vigil-corpus/.aws/credentials").read()[:10])'
