/* safefile.h — write a whole file so that a crash leaves the old file or the
 * new one, never a torn one: temp file in the same directory, fsync, rename,
 * fsync of the directory. */
#ifndef AIOPT_SAFEFILE_H
#define AIOPT_SAFEFILE_H
#include <stddef.h>
#include <sys/types.h>

/* 0 on success; -1 with errno set.  mode applies to a new file. */
int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode);

#endif
