// Tandem's sgemm on several threads (see CKernels.h): a pool of worker threads, created once for a thread
// count, each product split into disjoint blocks of C (column panels or row tiles), each block
// computed by one thread with gemm.c's in-order FMA chains, so the bits do not depend on the threads.
#define _GNU_SOURCE
#include "CKernels.h"
#include "gemm_block.h"
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>
#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#else
#include <sched.h>
#endif

/// Workers at most (threads - 1: the calling thread computes a block too).
#define MAX_WORKERS 255
/// C is split into column panels of this many columns (a multiple of every level's tile width:
/// 32, 16, 16) or row tiles of this many rows (a multiple of 12, 6 and 4 rows), so blocks hold whole tiles.
#define PANEL_COLUMNS 32
#define TILE_ROWS 12
/// At most this many chunks (65535 would fit the ticket; C has fewer blocks than that in any case
/// that matters, and more chunks than blocks are never made).
#define MAX_CHUNKS 4096

/// One product, as the caller publishes it. C is cut into `chunks` blocks (runs of whole panels, or
/// of whole tiles); threads take them in turn through `pool.ticket`.
typedef struct {
    int transA, transB, by_columns, chunks;
    ptrdiff_t m, n, k;
    float alpha, beta;
    const float *a, *b, *cin;
    float *c;
} pool_job;

/// A worker's own words, on their own cache line: `go` is bumped to wake it for a job (its futex
/// word), `sleeping` says it sleeps on `go` (so the caller makes the wake call only then).
typedef struct {
    _Atomic int go;
    _Atomic int sleeping;
    char pad[64 - 2 * sizeof(int)];
} worker_slot;

static struct {
    _Atomic int busy;             // 1 while a product (or a resize) holds the workers
    _Atomic uint64_t ticket;      // job number << 32 | chunks << 16 | the next chunk to take
    _Atomic int done;             // chunks of the current job finished; the caller's futex word
    _Atomic int caller_sleeping;  // the caller asleep on `done`
    _Atomic int stopping;         // the workers are to end
    _Atomic int threads;          // threads per product at most (workers + the caller)
    int workers;                  // workers running
    uint32_t job_number;
    pool_job job;
    pthread_t thread[MAX_WORKERS];
    _Alignas(64) worker_slot slot[MAX_WORKERS];
} pool = {.threads = 1};

static pthread_mutex_t resize_lock = PTHREAD_MUTEX_INITIALIZER;

static void futex_wait(_Atomic int *word, int value) {
#if defined(__linux__)
    syscall(SYS_futex, (int *)word, FUTEX_WAIT_PRIVATE, value, NULL, NULL, 0);
#else
    (void)word, (void)value;
    sched_yield();
#endif
}

static void futex_wake(_Atomic int *word, int count) {
#if defined(__linux__)
    syscall(SYS_futex, (int *)word, FUTEX_WAKE_PRIVATE, count, NULL, NULL, 0);
#else
    (void)word, (void)count;
#endif
}

static inline void cpu_relax(void) {
#if defined(__x86_64__)
    __builtin_ia32_pause();
#endif
}

static int64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/// Waits until `*word` differs from `old` and returns its new value: spinning for up to
/// TANDEM_GEMM_SPIN_NS (the next product usually follows within microseconds), then asleep on the
/// futex (counted in `*sleeping` so the writer wakes only when someone sleeps).
static int wait_change(_Atomic int *word, int old, _Atomic int *sleeping) {
    int v = atomic_load_explicit(word, memory_order_acquire);
    if (v != old) return v;
    int64_t until = now_ns() + TANDEM_GEMM_SPIN_NS;
    for (int i = 1;; i++) {
        cpu_relax();
        v = atomic_load_explicit(word, memory_order_acquire);
        if (v != old) return v;
        if ((i & 63) == 0 && now_ns() >= until) break;
    }
    atomic_fetch_add(sleeping, 1);
    while ((v = atomic_load(word)) == old) futex_wait(word, old);
    atomic_fetch_sub(sleeping, 1);
    return v;
}

/// Chunk `part` of the job's `chunks`: whole panels (or tiles), as even as they divide.
static void run_chunk(const pool_job *j, int part) {
    ptrdiff_t extent = j->by_columns ? j->n : j->m, unit = j->by_columns ? PANEL_COLUMNS : TILE_ROWS;
    ptrdiff_t units = (extent + unit - 1) / unit, q = units / j->chunks, r = units % j->chunks;
    ptrdiff_t u0 = part * q + (part < r ? part : r), u1 = u0 + q + (part < r);
    ptrdiff_t lo = u0 * unit, hi = u1 * unit < extent ? u1 * unit : extent;
    if (j->by_columns)
        tandem_sgemm_block(j->transA, j->transB, j->m, j->n, j->k, j->alpha, j->a, j->b, j->beta, j->c, j->cin, 0, j->m,
                           lo, hi);
    else
        tandem_sgemm_block(j->transA, j->transB, j->m, j->n, j->k, j->alpha, j->a, j->b, j->beta, j->c, j->cin, lo, hi, 0,
                           j->n);
}

/// Takes and runs chunks of the job published in `pool.ticket` until none is left. A chunk is taken
/// by advancing the ticket only while it still names the same job, so the job cannot change under
/// a chunk taken (the caller publishes the next one only after every chunk is done); a thread that
/// comes late finds nothing to take, and nobody waits for it.
static void take_chunks(void) {
    uint64_t t = atomic_load_explicit(&pool.ticket, memory_order_acquire);
    const uint64_t job = t >> 32;
    for (;;) {
        int chunks = (int)((t >> 16) & 0xffff), next = (int)(t & 0xffff);
        if (t >> 32 != job || next >= chunks) return;
        if (!atomic_compare_exchange_weak_explicit(&pool.ticket, &t, t + 1, memory_order_acquire, memory_order_acquire))
            continue;
        run_chunk(&pool.job, next);
        if (atomic_fetch_add_explicit(&pool.done, 1, memory_order_acq_rel) + 1 == chunks &&
            atomic_load(&pool.caller_sleeping))
            futex_wake(&pool.done, 1);
        t = atomic_load_explicit(&pool.ticket, memory_order_acquire);
    }
}

/// A worker: whenever woken, takes chunks of the current job. (Its slot's `go` is 0 when it starts.)
static void *worker_main(void *arg) {
    worker_slot *slot = &pool.slot[(intptr_t)arg];
    int seen = 0;
    for (;;) {
        seen = wait_change(&slot->go, seen, &slot->sleeping);
        if (atomic_load(&pool.stopping)) return NULL;
        take_chunks();
    }
}

/// Publishes `pool.job`, wakes `helpers` workers, takes chunks on the caller too, and waits until
/// every chunk is done (for the chunks in progress only: not for workers still asleep).
static void run_job(int helpers) {
    atomic_store_explicit(&pool.done, 0, memory_order_relaxed);
    pool.job_number++;
    atomic_store_explicit(&pool.ticket, (uint64_t)pool.job_number << 32 | (uint64_t)pool.job.chunks << 16,
                          memory_order_release);
    for (int i = 0; i < helpers; i++) {
        atomic_fetch_add(&pool.slot[i].go, 1);
        if (atomic_load(&pool.slot[i].sleeping)) futex_wake(&pool.slot[i].go, 1);
    }
    take_chunks();
    const int chunks = pool.job.chunks;
    int done = atomic_load_explicit(&pool.done, memory_order_acquire);
    if (done == chunks) return;
    int64_t until = now_ns() + TANDEM_GEMM_SPIN_NS;
    for (int i = 1; done != chunks; i++) {
        cpu_relax();
        done = atomic_load_explicit(&pool.done, memory_order_acquire);
        if ((i & 63) == 0 && now_ns() >= until) break;
    }
    if (done == chunks) return;
    atomic_store(&pool.caller_sleeping, 1);
    while ((done = atomic_load(&pool.done)) != chunks) futex_wait(&pool.done, done);
    atomic_store(&pool.caller_sleeping, 0);
}

/// Takes the pool for one product, or for a resize: 1 when taken, 0 when another caller has it.
static int pool_try_take(void) { return atomic_exchange_explicit(&pool.busy, 1, memory_order_acquire) == 0; }
static void pool_release(void) { atomic_store_explicit(&pool.busy, 0, memory_order_release); }

int tandem_gemm_set_threads(int threads) {
    int want = threads < 1 ? 1 : threads > MAX_WORKERS + 1 ? MAX_WORKERS + 1 : threads;
    pthread_mutex_lock(&resize_lock);
    while (!pool_try_take()) sched_yield();  // a product in flight on another thread ends first
    if (want - 1 != pool.workers) {
        if (pool.workers > 0) {
            atomic_store(&pool.stopping, 1);
            for (int i = 0; i < pool.workers; i++) atomic_fetch_add(&pool.slot[i].go, 1), futex_wake(&pool.slot[i].go, 1);
            for (int i = 0; i < pool.workers; i++) pthread_join(pool.thread[i], NULL);
            atomic_store(&pool.stopping, 0);
            pool.workers = 0;
        }
        for (int i = 0; i < MAX_WORKERS; i++) atomic_store(&pool.slot[i].go, 0), atomic_store(&pool.slot[i].sleeping, 0);
        sigset_t all, old;
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);  // signals go to the program's own threads, not to workers
        while (pool.workers < want - 1 &&
               pthread_create(&pool.thread[pool.workers], NULL, worker_main, (void *)(intptr_t)pool.workers) == 0)
            pool.workers++;
        pthread_sigmask(SIG_SETMASK, &old, NULL);
    }
    atomic_store(&pool.threads, pool.workers + 1);
    pool_release();
    pthread_mutex_unlock(&resize_lock);
    return pool.workers + 1;
}

int tandem_gemm_threads(void) { return atomic_load_explicit(&pool.threads, memory_order_relaxed); }

int tandem_gemm_parts(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, int threads) {
    if (m <= 0 || n <= 0 || k <= 0 || threads < 2) return 1;
    double share = (double)m * (double)n * (double)k / TANDEM_GEMM_THREAD_MIN;
    ptrdiff_t panels = (n + PANEL_COLUMNS - 1) / PANEL_COLUMNS, tiles = (m + TILE_ROWS - 1) / TILE_ROWS;
    ptrdiff_t blocks = panels >= tiles ? panels : tiles;
    double parts = share < threads ? share : threads;
    if (parts > (double)blocks) parts = (double)blocks;
    return parts < 2 ? 1 : (int)parts;
}

int tandem_sgemm_parallel(int transA, int transB, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, float alpha, const float *a,
                          const float *b, float beta, float *c) {
    int threads = atomic_load_explicit(&pool.threads, memory_order_relaxed);
    if (threads < 2 || tandem_gemm_parts(m, n, k, threads) < 2 || !pool_try_take())  // small, or in use: one thread
        return tandem_sgemm(transA, transB, m, n, k, alpha, a, b, beta, c);
    int parts = tandem_gemm_parts(m, n, k, pool.workers + 1);  // (the workers, as the pool holds them now)
    if (parts < 2) {
        pool_release();
        return tandem_sgemm(transA, transB, m, n, k, alpha, a, b, beta, c);
    }
    const float *cin = NULL;
    if (tandem_sgemm_prepare(m, n, k, beta, c, &cin) != 0) {
        pool_release();
        return -1;
    }
    ptrdiff_t panels = (n + PANEL_COLUMNS - 1) / PANEL_COLUMNS, tiles = (m + TILE_ROWS - 1) / TILE_ROWS;
    int by_columns = panels >= tiles;
    ptrdiff_t units = by_columns ? panels : tiles, chunks = (ptrdiff_t)parts * TANDEM_GEMM_CHUNKS_PER_THREAD;
    if (chunks > units) chunks = units;
    if (chunks > MAX_CHUNKS) chunks = MAX_CHUNKS;
    pool.job = (pool_job){transA, transB, by_columns, (int)chunks, m, n, k, alpha, beta, a, b, cin, c};
    run_job(parts - 1);
    pool_release();
    return 0;
}
