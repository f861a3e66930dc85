/* Run-time version and thread settings. */
#include <omp.h>

#include "lacus.h"

const char *lacus_version(void) { return LACUS_VERSION_STRING; }
int lacus_version_number(void) { return LACUS_VERSION_NUMBER; }

void lacus_set_num_threads(int n)
{
    if (n >= 1) omp_set_num_threads(n);
}

int lacus_get_num_threads(void) { return omp_get_max_threads(); }
