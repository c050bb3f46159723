/*
 * roles — the roles of CONTRACT.md, as an enum and bit masks for route
 * tables. Department staff act on their own department; admin, it and leader
 * see the whole hospital.
 */
#pragma once

#include <stdbool.h>

enum role {
	ROLE_ADMIN,
	ROLE_IT,
	ROLE_LEADER,
	ROLE_NURSE,
	ROLE_DOCTOR,
	ROLE_PHARMACIST,
	ROLE_CASHIER,
	ROLE_MEDTECH,
	ROLE_VIEWER,
	ROLE__COUNT
};

#define ROLE_BIT(r) (1u << (r))
#define ROLES_ALL ((1u << ROLE__COUNT) - 1)
#define ROLES_STAFF (ROLE_BIT(ROLE_NURSE) | ROLE_BIT(ROLE_DOCTOR) | ROLE_BIT(ROLE_PHARMACIST) | \
	ROLE_BIT(ROLE_CASHIER) | ROLE_BIT(ROLE_MEDTECH))

const char *role_name(enum role r);
/* Returns the role for a name, or -1. */
int role_parse(const char *name);
/* True for roles that see every department (admin, it, leader). */
bool role_is_hospital_wide(enum role r);
