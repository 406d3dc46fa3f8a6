// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "emit.h"
#include "log.h"

int emit__init(struct emitter *em)
{
	em->stages.on = false;
	return render__init(&em->render);
}

void emit__fini(struct emitter *em)
{
	for (int i = 0; i < em->nr_sinks; i++)
		em->sinks[i]->close(em->sinks[i]);
	em->nr_sinks = 0;
	render__fini(&em->render);
}

static void emit__one(struct emitter *em, struct event *ev)
{
	const char *json;
	size_t len;

	stages__restart(&em->stages);
	ev->seq = ++em->seq;
	if (render__event(&em->render, ev, &json, &len)) {
		/* Rendering only fails on a bug; the seq gap shows it. */
		log_error("record %llu could not be rendered",
			  (unsigned long long)ev->seq);
		return;
	}
	stages__lap(&em->stages, STAGE_RENDER);
	for (int i = 0; i < em->nr_sinks; i++)
		em->sinks[i]->write(em->sinks[i], ev, json, len);
	stages__lap(&em->stages, STAGE_SINKS);
	em->alerts += ev->kind == EVENT_ALERT;
	em->actions += ev->kind == EVENT_ACTION;
	metrics__record(em->metrics, ev);
	if (em->policy) {
		uint64_t t = metrics__rules_begin(em->metrics);

		policy__record(em->policy, ev, json, len);
		metrics__rules_end(em->metrics, t);
	}
	stages__lap(&em->stages, STAGE_RULES);
}

uint64_t emit__skip(struct emitter *em, uint64_t n)
{
	uint64_t first = n ? em->seq + 1 : 0;

	em->seq += n;
	return first;
}

void emit__drain(struct emitter *em)
{
	struct event *ev;

	while (em->policy && (ev = policy__next(em->policy)))
		emit__one(em, ev);
}

void emit__record(struct emitter *em, struct event *ev)
{
	emit__one(em, ev);
	emit__drain(em);
}

void emit__flush(struct emitter *em)
{
	stages__restart(&em->stages);
	for (int i = 0; i < em->nr_sinks; i++)
		if (em->sinks[i]->flush)
			em->sinks[i]->flush(em->sinks[i]);
	stages__lap(&em->stages, STAGE_SINKS);
}

void emit__reopen(struct emitter *em)
{
	emit__flush(em);
	for (int i = 0; i < em->nr_sinks; i++)
		if (em->sinks[i]->reopen)
			em->sinks[i]->reopen(em->sinks[i]);
}
