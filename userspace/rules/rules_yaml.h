/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The YAML reader of rule files: items into the rule set (rules,
 * profiles, file sets) and into its load (lists, macros, the parts of
 * rules that need the whole set: rules_load.h), every key and value
 * checked; names across items are left to the compiler. */
#ifndef VIGIL_RULES_YAML_H
#define VIGIL_RULES_YAML_H

#include "rules_load.h"

/* Reads src (one YAML document) into rs and rs->load. Returns 0, or
 * -EINVAL with every error reported (rules__error). */
int rules__read_yaml(struct ruleset *rs, struct src *src);

#endif /* VIGIL_RULES_YAML_H */
