/* lacus/ip.h — placeholder, filled by the ip work. Part of the public API:
 * include <lacus.h>, which includes this file. */
#ifndef LACUS_IP_H
#define LACUS_IP_H

#ifndef LACUS_H
#error "include <lacus.h>, not <lacus/ip.h>"
#endif

/* @@IP@@ */

#endif /* LACUS_IP_H */
