/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgroup/place.h - the placement half of cgroup/cgroup.h: where a
 * container's cgroups go, creating and entering them, and acting on them
 * later (freeze, kill, list, remove) from any process through the paths
 * recorded in the state.
 */
#ifndef MR_CGROUP_PLACE_H
#define MR_CGROUP_PLACE_H

#include "cgroup.h"

/* cg_layout_detect() reading `mountinfo` instead of /proc/self/mountinfo
 * (the unit tests). */
int cg_layout_detect_from(const char *mountinfo, enum mr_cgroup_mode override,
                          struct cg_layout *out, mr_error **err);

#endif
