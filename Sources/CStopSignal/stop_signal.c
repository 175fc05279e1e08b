#include "cstopsignal.h"

#include <signal.h>
#include <stdatomic.h>
#include <string.h>

static atomic_int received = 0;
static atomic_flag installed = ATOMIC_FLAG_INIT;

/// Async-signal-safe: one lock-free compare-and-swap, so only the first signal is kept.
static void on_stop_signal(int sig) {
    int expected = 0;
    atomic_compare_exchange_strong(&received, &expected, sig);
}

void tandem_stop_signal_install(void) {
    if (atomic_flag_test_and_set(&installed)) return;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_stop_signal;
    action.sa_flags = SA_RESTART;
    sigemptyset(&action.sa_mask);
    const int signals[] = {SIGTERM, SIGINT, SIGUSR1};
    for (unsigned i = 0; i < sizeof signals / sizeof signals[0]; i++) {
        sigaction(signals[i], &action, NULL);
    }
}

int tandem_stop_signal_received(void) {
    return atomic_load(&received);
}
