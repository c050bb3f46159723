#include "levels.h"

#include <string.h>

enum outage_level level_propose(const struct level_rules *rules, const struct level_evidence *ev)
{
	int other_reports = ev->reports - ev->operator_error_reports;

	if (ev->core_down > 0 || ev->targets_down >= rules->several_targets ||
		ev->departments_reporting >= rules->many_departments)
		return LEVEL_1;
	if (ev->targets_down > 0 && ev->targets_down == ev->insurance_down && other_reports == 0)
		return LEVEL_OTHER;
	if (ev->targets_down > 0 || other_reports > 0)
		return LEVEL_2;
	if (ev->operator_error_reports > 0)
		return LEVEL_3;
	return LEVEL_2;
}

static const char *const names[] = { "1", "2", "3", "other" };

const char *level_name(enum outage_level level)
{
	return (unsigned)level <= LEVEL_OTHER ? names[level] : "2";
}

int level_parse(const char *name)
{
	for (int i = 0; name && i <= LEVEL_OTHER; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}
