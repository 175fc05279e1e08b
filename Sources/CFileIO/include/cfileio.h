// File-open flags Swift's Glibc module does not export (they need _GNU_SOURCE), for
// TandemTrain's direct checkpoint writes.
#ifndef CFILEIO_H
#define CFILEIO_H

/// `O_DIRECT` on this platform (its value differs between architectures: 040000 on x86-64,
/// 0200000 on arm64), or 0 where the C library has no such flag.
int cfileio_direct_flag(void);

#endif
