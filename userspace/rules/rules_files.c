// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Where rule text comes from: files, directories of *.yaml files, and the
 * shipped set built into the binary. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "ruleset.h"
#include "slurp.h"

#define RULE_FILE_MAX (16 << 20)	/* bytes: a rule file, not a dump */

/* Made by scripts/embed-rules.sh from the rules/ directory at build time. */
struct builtin_rule {
	const char *name;
	const char *text;
	size_t len;
};
extern const struct builtin_rule builtin_rules[];

int ruleset__add_builtin(struct ruleset *rs)
{
	int err = 0;

	for (const struct builtin_rule *b = builtin_rules; b->name; b++)
		err = ruleset__add_text(rs, b->name, b->text, b->len) ?: err;
	return err;
}

static int rules__add_file(struct ruleset *rs, const char *path)
{
	FILE *f = fopen(path, "re");
	char *text;
	size_t len;
	int err;

	if (!f) {
		err = -errno;
		log__errno(err, "%s", path);
		rs->errors++;
		return err;
	}
	err = file__slurp(f, RULE_FILE_MAX, &text, &len);
	fclose(f);
	if (err) {
		log__errno(err, "%s", path);
		rs->errors++;
		return err;
	}
	err = ruleset__add_text(rs, path, text, len);
	free(text);
	return err;
}

static int yaml__filter(const struct dirent *d)
{
	size_t len = strlen(d->d_name);

	return d->d_name[0] != '.' &&
	       ((len > 5 && !strcmp(d->d_name + len - 5, ".yaml")) ||
		(len > 4 && !strcmp(d->d_name + len - 4, ".yml")));
}

static int rules__add_dir(struct ruleset *rs, const char *dir)
{
	struct dirent **names;
	int n = scandir(dir, &names, yaml__filter, alphasort), err = 0;

	if (n < 0) {
		log__errno(errno, "%s", dir);
		rs->errors++;
		return -errno;
	}
	for (int i = 0; i < n; i++) {
		char path[4096];

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		err = rules__add_file(rs, path) ?: err;
		free(names[i]);
	}
	free(names);
	return err;
}

int ruleset__add_path(struct ruleset *rs, const char *path)
{
	struct stat st;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return rules__add_dir(rs, path);
	return rules__add_file(rs, path);
}
