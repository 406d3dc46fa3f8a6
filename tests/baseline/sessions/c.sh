#!/bin/bash
# A C program built with make: compile, link, run, clean.
set -eu
cd "$1"
n=${2:-1}
cat > util.c <<'C'
#include "util.h"
int square(int x) { return x * x; }
C
cat > util.h <<'C'
int square(int x);
C
cat > main.c <<C
#include <stdio.h>
#include "util.h"
int main(void) { printf("%d\n", square($n)); return 0; }
C
printf 'CFLAGS = -O2 -Wall\nsquare: main.o util.o\n\t$(CC) $^ -o $@\nclean:\n\trm -f *.o square\n' > Makefile
make -s
./square
make -s clean
