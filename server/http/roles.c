#include "roles.h"

#include <string.h>

static const char *const names[ROLE__COUNT] = {
	[ROLE_ADMIN] = "admin",
	[ROLE_IT] = "it",
	[ROLE_LEADER] = "leader",
	[ROLE_NURSE] = "nurse",
	[ROLE_DOCTOR] = "doctor",
	[ROLE_PHARMACIST] = "pharmacist",
	[ROLE_CASHIER] = "cashier",
	[ROLE_MEDTECH] = "medtech",
	[ROLE_VIEWER] = "viewer",
};

const char *role_name(enum role r)
{
	return (unsigned)r < ROLE__COUNT ? names[r] : "unknown";
}

int role_parse(const char *name)
{
	for (int i = 0; i < ROLE__COUNT; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

bool role_is_hospital_wide(enum role r)
{
	return r == ROLE_ADMIN || r == ROLE_IT || r == ROLE_LEADER;
}
