/* lacus/plasticity.h — placeholder, filled by the plasticity work. Part of the public API:
 * include <lacus.h>, which includes this file. */
#ifndef LACUS_PLASTICITY_H
#define LACUS_PLASTICITY_H

#ifndef LACUS_H
#error "include <lacus.h>, not <lacus/plasticity.h>"
#endif

/* @@PLASTICITY@@ */

#endif /* LACUS_PLASTICITY_H */
