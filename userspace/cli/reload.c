// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>

#include "carry.h"
#include "cli.h"
#include "digest.h"
#include "lifecycle.h"
#include "log.h"
#include "reload.h"

/* The new set, read and checked: NULL when refused (logged). */
static struct ruleset *reload__read(const struct config *cfg,
				    const struct ruleset *live)
{
	struct ruleset *rs = calloc(1, sizeof(*rs));

	if (rs && cli__rules(cfg, rs) == 0) {
		carry__ids(live, rs);
		return rs;
	}
	/* Each error is logged above; the first is repeated here, on the
	 * line that says what became of the reload. */
	if (!rs || !rs->errors)
		log_error("reload refused (out of memory); the rules in "
			  "force stay");
	else
		log_error("reload refused (%s); the rules in force stay",
			  rs->first_error[0] ? rs->first_error
					     : "a rule file cannot be read");
	if (rs)
		ruleset__fini(rs);
	free(rs);
	return NULL;
}

/* The baselines the new set's profiles name are read again too (what
 * learning profiles learnt saved first, for a profile turned to detect
 * to score against): a baseline file that cannot be loaded refuses the
 * reload. */
static int reload__swap(struct reload *r, struct ruleset *next)
{
	char digest[SHA256_HEX];
	struct baselines *bls = NULL;
	int err;

	policy__save_learnt(collector__policy(r->c));
	err = digest__rules(next, digest) ?:
	      cli__baselines(r->cfg, next, &bls) ?:
	      collector__reload(r->c, next, bls, digest);

	if (err) {
		baselines__free(bls);
		log__errno(err, "reload refused; the rules in force stay");
		return err;
	}
	ruleset__fini(r->live);
	free(r->live);
	r->live = next;
	log_info("rules reloaded: %zu rules, %zu profiles, sha256 %s",
		 next->nr_rules, next->nr_profiles, digest);
	if (r->cfg->audit)
		lifecycle__rules(r->c, "reload", next);
	return 0;
}

int reload__rules(struct reload *r)
{
	struct ruleset *next;
	int err = -EINVAL;

	if (r->cfg->rules_off) {
		log_warn("SIGHUP: started without rules, none to reload");
		return 0;
	}
	next = reload__read(r->cfg, r->live);
	if (next) {
		err = reload__swap(r, next);
		if (err) {
			ruleset__fini(next);
			free(next);
		}
	}
	metrics__reloaded(r->metrics, err == 0);
	return err;
}
