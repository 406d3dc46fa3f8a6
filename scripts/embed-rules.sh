#!/bin/sh
# Writes an assembler file that builds the shipped rule files into the
# vigil binary (struct builtin_rules in userspace/rules/rules_files.c), so
# the single binary runs on its built-in defaults.
#
# Usage: scripts/embed-rules.sh FILE... > builtin_rules.S
set -eu

printf '\t.section .rodata\n'
n=0
for f in "$@"; do
	printf 'rule_name_%d:\n\t.asciz "%s"\n' "$n" "$f"
	printf 'rule_text_%d:\n\t.incbin "%s"\nrule_text_end_%d:\n\t.byte 0\n' \
		"$n" "$f" "$n"
	n=$((n + 1))
done
printf '\t.section .data.rel.ro\n\t.balign 8\n\t.globl builtin_rules\n'
printf 'builtin_rules:\n'
i=0
while [ "$i" -lt "$n" ]; do
	printf '\t.quad rule_name_%d, rule_text_%d, rule_text_end_%d - rule_text_%d\n' \
		"$i" "$i" "$i" "$i"
	i=$((i + 1))
done
printf '\t.quad 0, 0, 0\n'
printf '\t.section .note.GNU-stack,"",@progbits\n'
