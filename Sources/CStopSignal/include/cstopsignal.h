#ifndef CSTOPSIGNAL_H
#define CSTOPSIGNAL_H

/// Installs (with sigaction, SA_RESTART) a handler for SIGTERM, SIGINT and SIGUSR1 that records
/// the first of them in a lock-free flag. Idempotent.
///
/// A plain C handler rather than a libdispatch signal source: on Linux libdispatch reads signals
/// through a signalfd and blocks them only in its own manager thread, so the disposition must be
/// SIG_IGN, and the kernel drops a process-directed signal whose target thread does not block it.
/// A sigaction handler has no such window.
void tandem_stop_signal_install(void);

/// The first stop signal received since start, or 0.
int tandem_stop_signal_received(void);

#endif
