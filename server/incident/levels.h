/*
 * levels — propose an outage's fault level from the evidence, by the rules
 * of the hospital's plan (§4), with the numbers kept in the config:
 *
 *   level 1   the core HIS or its database down, or at least several_targets
 *             targets down, or at least many_departments departments reporting
 *   level 2   one non-core target, one terminal or one department
 *   level 3   only operator-error reports
 *   other     only the medical-insurance line is down
 *
 * Pure: no I/O. IT staff confirm or override what this proposes.
 */
#pragma once

#include <stdbool.h>

enum outage_level { LEVEL_1, LEVEL_2, LEVEL_3, LEVEL_OTHER };

struct level_rules {
	int several_targets;   /* default 2 */
	int many_departments;  /* default 3 */
};

struct level_evidence {
	int targets_down;          /* targets on the outage */
	int core_down;             /* of which core (HIS core, HIS database) */
	int insurance_down;        /* of which the insurance line */
	int departments_reporting; /* distinct departments with problem reports */
	int reports;               /* all problem reports */
	int operator_error_reports;
};

enum outage_level level_propose(const struct level_rules *rules, const struct level_evidence *ev);
const char *level_name(enum outage_level level);   /* "1", "2", "3", "other" */
/* Returns the level for "1", "2", "3" or "other", or -1. */
int level_parse(const char *name);
