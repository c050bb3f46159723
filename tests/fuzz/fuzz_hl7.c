/*
 * libFuzzer target: the HL7 v2 parser of the simulator (tests/his-sim/hl7.c),
 * which reads whatever a client sends over MLLP. Walks every segment, field,
 * repetition, component and subcomponent, and unescapes each value.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "hl7.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk_value(const struct hl7_msg *msg, struct hl7_span field)
{
	char buf[64];

	for (unsigned r = 1; r < 8; r++) {
		struct hl7_span rep;

		if (!hl7_repetition(msg, field, r, &rep))
			break;
		for (unsigned c = 1; c < 8; c++) {
			struct hl7_span comp;

			if (!hl7_component(msg, rep, c, &comp))
				break;
			for (unsigned s = 1; s < 4; s++) {
				struct hl7_span sub;

				if (!hl7_subcomponent(msg, comp, s, &sub))
					break;
				hl7_unescape(msg, sub, buf, sizeof(buf));
			}
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hl7_msg msg;
	struct hl7_error err;
	struct hl7_segment seg = HL7_SEGMENT_FIRST;
	struct hl7_span span;
	int nseg = 0;

	if (hl7_parse(&msg, (const char *)data, size, &err) != 0)
		return 0;
	while (nseg++ < 64 && hl7_next_segment(&msg, &seg)) {
		for (unsigned f = 1; f < 32; f++) {
			if (!hl7_field(&msg, &seg, f, &span))
				break;
			walk_value(&msg, span);
		}
	}
	hl7_get(&msg, "MSH", 9, 2, &span);
	hl7_get(&msg, "MSA", 1, 0, &span);
	return 0;
}
