/*
 * virprocess.h: finding processes that virtd did not start in this run
 *
 * After a restart virtd knows its guests' processes only by the pids in
 * their status files, and a pid can be reused.  A process is first pinned
 * with a pidfd, then recognised by its command line: once the pidfd is
 * open, the pid cannot name another process, so what is checked is what
 * is signalled.
 */
#pragma once

#include <glib.h>
#include <sys/types.h>

/**
 * virProcessMatchFunc:
 * @cmdline: the process's command line, arguments separated by NUL
 *
 * Returns: TRUE if this is the process sought.
 */
typedef gboolean (*virProcessMatchFunc)(const char *cmdline, gsize len, gpointer opaque);

int virProcessOpenIfMatch(pid_t pid, virProcessMatchFunc match, gpointer opaque);
guint virProcessKillMatching(virProcessMatchFunc match, gpointer opaque, const char *what);
gboolean virProcessCmdlineHas(const char *cmdline, gsize len, const char *needle,
                              gsize needle_len);
gboolean virProcessTerminate(int pidfd, guint grace_ms);
