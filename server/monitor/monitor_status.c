/* monitor_status — every target's state as JSON, for the API and the status page. */
#include "monitor_internal.h"

#include "clock.h"

static json_t *time_or_null(int64_t ms)
{
	char buf[40];

	return ms > 0 ? json_string(clock_format_ms(ms, buf, sizeof(buf))) : json_null();
}

static json_t *target_json(const monitor *m, const struct monitor_target *t)
{
	const struct tstate *ts = &t->ts;
	json_t *deps = json_array(), *probes = json_array(), *o;
	const char *aff = monitor_affected_by(m, t);

	if (deps == NULL || probes == NULL) {
		json_decref(deps);
		json_decref(probes);
		return NULL;
	}
	for (size_t i = 0; i < t->ndeps; i++)
		json_array_append_new(deps, json_string(m->targets[t->deps[i]].name));
	for (size_t i = 0; i < t->nprobes; i++)
		json_array_append_new(probes, json_pack("{s:s, s:s}",
			"type", probe_type_name(probe_spec_type(t->probes[i])),
			"endpoint", probe_spec_endpoint(t->probes[i])));
	o = json_pack("{s:s, s:s, s:s, s:s, s:b, s:o, s:s, s:o, s:o, s:o, s:b, s:i, s:i, s:i,"
		" s:f, s:f, s:o, s:o, s:I, s:I, s:i, s:i, s:b, s:o}",
		"name", t->name,
		"title_zh", t->title_zh,
		"title_en", t->title_en,
		"kind", t->kind,
		"core", t->core,
		"depends_on", deps,
		"state", tstate_name(ts->state),
		"since", time_or_null(ts->state == TSTATE_UNKNOWN ? 0 : ts->since_ms),
		"breakpoint", time_or_null(tstate_breakpoint(ts)),
		"affected_by", aff ? json_string(aff) : json_null(),
		"flapping", ts->flapping,
		"consecutive_failures", ts->consec_fail,
		"consecutive_successes", ts->consec_ok,
		"required_failures", tstate_required_failures(ts),
		"window_loss_ratio", tstate_window_loss(ts),
		"background_loss", tstate_background_loss(ts),
		"last_error", t->last_error[0] ? json_string(t->last_error) : json_null(),
		"last_probe_ms", t->last_latency_ms >= 0 ? json_integer(t->last_latency_ms) : json_null(),
		"probes_total", (json_int_t)ts->rounds,
		"probes_failed", (json_int_t)ts->failures,
		"interval_ms", t->interval_ms,
		"timeout_ms", t->timeout_ms,
		"in_flight", t->round != NULL,
		"probes", probes);
	return o;
}

json_t *monitor_status_json(const monitor *m)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr != NULL && i < m->ntargets; i++) {
		json_t *o = target_json(m, &m->targets[i]);

		if (o == NULL || json_array_append_new(arr, o) != 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}
