/*
 * pf_render — drawing a plan with libharu. Internal to printforms; the
 * public entry is printforms_render() (printforms.h).
 */
#pragma once

#include <stdint.h>

#include "pf_text.h"

/* The first character of the renderer's own fixed texts the font lacks, or 0. */
uint32_t pf_render_uncovered(const pf_metrics *m);
