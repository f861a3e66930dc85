/* Private view of the sequence classifier, shared by classify.c (fit and
 * predict) and classify_io.c (save and load). */
#ifndef LACUS_MODEL_CLASSIFY_H
#define LACUS_MODEL_CLASSIFY_H

#include "lacus.h"

struct lacus_classifier {
    lacus_classifier_params p;
    lacus_esn *esn;  /* reservoir + readout (n_units -> n_classes) */
    lacus_error err;
};

/* Checks mode, n_classes and the unsupported ESN options. */
lacus_status lacus__classifier_check(const lacus_classifier_params *p, lacus_error *err);

#endif
