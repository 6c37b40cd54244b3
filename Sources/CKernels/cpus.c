// The CPUs in this process's affinity mask (Linux), for CPUBudget.
#define _GNU_SOURCE
#include <sched.h>
#include "CKernels.h"

int subbit_affinity_cpu_count(void) {
#if defined(__linux__)
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) != 0) return 0;
    return CPU_COUNT(&set);
#else
    return 0;
#endif
}
