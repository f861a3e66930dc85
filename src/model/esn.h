/* Private view of the ESN (reservoir + ridge readout), shared with save/load. */
#ifndef LACUS_MODEL_ESN_H
#define LACUS_MODEL_ESN_H

#include "lacus.h"
#include "nodes/reservoir.h"
#include "nodes/ridge.h"

struct lacus_esn {
    lacus_esn_params p;
    lacus_reservoir *res;
    lacus_ridge *readout; /* created by fit (or load), NULL before */
    int64_t n_outputs;
    lacus_error err;
};

/* Number of features the readout sees: units (+ inputs when feed_input). */
int64_t lacus__esn_n_features(const lacus_esn *m);

#endif
