#define _GNU_SOURCE
#include <fcntl.h>
#include "cfileio.h"

int cfileio_direct_flag(void) {
#ifdef O_DIRECT
    return O_DIRECT;
#else
    return 0;
#endif
}
