/* libFuzzer target for the declarative-config reader of `lacus fit
 * CONFIG.json` (cli/config.c): the input is written to a file and loaded.
 * The reader must accept it or return 1/2 after printing what is wrong;
 * nothing may crash or leak. Seeds: tests/fuzz/corpus/config/ (the configs
 * of docs/ and tests/cli/). scripts/fuzz.sh runs it with -close_fd_mask=2:
 * the messages of rejected configs are the expected output. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[256];
    static cli_config cfg; /* large: hundreds of layers' options */
    if (!path[0]) {
        const char *tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
        snprintf(path, sizeof path, "%s/lacus-fuzz-config-%ld.json", tmp, (long)getpid());
    }
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f)) abort();
    int rc = cli_config_load(path, &cfg);
    if (rc != 0 && rc != 1 && rc != 2) abort();
    if (rc == 0) cli_config_free(&cfg);
    unlink(path);
    return 0;
}
