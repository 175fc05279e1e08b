// CMPI: the parts of OpenMPI that Swift can use, plus getters for the handle macros
// (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, ...) that the ClangImporter cannot import because
// they are casts of addresses of incomplete structs. Not a public API: TandemComm wraps it.
#ifndef TANDEM_CMPI_SHIM_H
#define TANDEM_CMPI_SHIM_H
#include <mpi.h>

static inline MPI_Comm cmpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Comm cmpi_comm_null(void) { return MPI_COMM_NULL; }
static inline MPI_Datatype cmpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype cmpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype cmpi_int64(void) { return MPI_INT64_T; }
static inline MPI_Datatype cmpi_uint8(void) { return MPI_UINT8_T; }
static inline MPI_Op cmpi_op_sum(void) { return MPI_SUM; }
static inline MPI_Op cmpi_op_max(void) { return MPI_MAX; }
static inline MPI_Op cmpi_op_min(void) { return MPI_MIN; }
static inline void *cmpi_in_place(void) { return MPI_IN_PLACE; }
static inline MPI_Status *cmpi_status_ignore(void) { return MPI_STATUS_IGNORE; }
static inline MPI_Errhandler cmpi_errors_return(void) { return MPI_ERRORS_RETURN; }
static inline int cmpi_comm_type_shared(void) { return MPI_COMM_TYPE_SHARED; }
static inline MPI_Info cmpi_info_null(void) { return MPI_INFO_NULL; }
static inline int cmpi_success(void) { return MPI_SUCCESS; }
static inline int cmpi_max_error_string(void) { return MPI_MAX_ERROR_STRING; }
static inline int cmpi_thread_funneled(void) { return MPI_THREAD_FUNNELED; }
static inline int cmpi_thread_multiple(void) { return MPI_THREAD_MULTIPLE; }
static inline int cmpi_thread_serialized(void) { return MPI_THREAD_SERIALIZED; }
static inline int cmpi_mode_nocheck(void) { return MPI_MODE_NOCHECK; }
static inline MPI_Win cmpi_win_null(void) { return MPI_WIN_NULL; }


// Flags in shared memory (SharedMemoryAllreduce's barrier): release stores and acquire loads
// order the data written before a flag against the data read after seeing it.
#include <stdint.h>
#include <sched.h>
static inline void cmpi_flag_store(int64_t *flag, int64_t value) { __atomic_store_n(flag, value, __ATOMIC_RELEASE); }
static inline int64_t cmpi_flag_load(const int64_t *flag) { return __atomic_load_n(flag, __ATOMIC_ACQUIRE); }
static inline void cmpi_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}
static inline void cmpi_yield(void) { sched_yield(); }

// A counter in shared memory that one process bumps and another sleeps on until it changes
// (SharedMemoryChannel's mailboxes): Linux futexes on the shared mapping (not FUTEX_PRIVATE),
// so a waiting rank takes no core and no timer interrupts, and wakes as soon as a message lands.
// Elsewhere the wait is a short sleep.
#include <time.h>
#ifdef __linux__
#include <limits.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif
static inline int32_t cmpi_counter_load(const int32_t *counter) { return __atomic_load_n(counter, __ATOMIC_SEQ_CST); }
static inline void cmpi_sleeping_store(int32_t *sleeping, int32_t value) {
    __atomic_store_n(sleeping, value, __ATOMIC_SEQ_CST);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}
// Bumps `counter` (after the data it announces was published) and wakes the other side when it
// said it sleeps (`sleeping` set before it re-checked the data, so a wake-up is never lost).
static inline void cmpi_counter_notify(int32_t *counter, const int32_t *sleeping) {
    __atomic_add_fetch(counter, 1, __ATOMIC_SEQ_CST);
#ifdef __linux__
    if (__atomic_load_n(sleeping, __ATOMIC_SEQ_CST) != 0) syscall(SYS_futex, counter, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
#else
    (void)sleeping;
#endif
}
// Sleeps while `*counter == seen`, at most `timeout_us` microseconds (returns early on a change,
// a wake-up or a signal).
static inline void cmpi_counter_wait(int32_t *counter, int32_t seen, long timeout_us) {
#ifdef __linux__
    struct timespec t = { timeout_us / 1000000L, (timeout_us % 1000000L) * 1000L };
    syscall(SYS_futex, counter, FUTEX_WAIT, seen, &t, NULL, 0);
#else
    (void)counter; (void)seen;
    struct timespec t = { 0, 50000L };
    nanosleep(&t, NULL);
#endif
}

#endif
