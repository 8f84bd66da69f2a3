/*
 * virprocess.c: finding processes that virtd did not start in this run
 */
#define G_LOG_DOMAIN "virtd.process"

#include "virprocess.h"

#include <glib/gi18n.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/pidfd.h>
#include <unistd.h>

static gboolean
virProcessReadCmdline(pid_t pid, char **cmdline, gsize *len)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/cmdline", (int)pid);

    return g_file_get_contents(path, cmdline, len, NULL);
}

/**
 * virProcessOpenIfMatch:
 *
 * Returns: a pidfd of @pid if it is alive and @match accepts its command
 * line, else -1.
 */
int
virProcessOpenIfMatch(pid_t pid, virProcessMatchFunc match, gpointer opaque)
{
    g_autofree char *cmdline = NULL;
    gsize len;
    int pidfd;

    if (pid <= 0 || (pidfd = pidfd_open(pid, 0)) < 0)
        return -1;
    if (!virProcessReadCmdline(pid, &cmdline, &len) || !match(cmdline, len, opaque)) {
        close(pidfd);
        return -1;
    }
    return pidfd;
}

/**
 * virProcessKillMatching:
 * @what: names the process in the warning logged for each one killed
 *
 * SIGKILLs, through a pidfd, every process whose command line @match
 * accepts.
 *
 * Returns: how many were killed.
 */
guint
virProcessKillMatching(virProcessMatchFunc match, gpointer opaque, const char *what)
{
    g_autoptr(GDir) proc = g_dir_open("/proc", 0, NULL);
    const char *name;
    guint killed = 0;

    while (proc && (name = g_dir_read_name(proc))) {
        guint64 pid;
        int pidfd;

        if (!g_ascii_string_to_unsigned(name, 10, 1, G_MAXINT, &pid, NULL) ||
            (pid_t)pid == getpid())
            continue;
        if ((pidfd = virProcessOpenIfMatch((pid_t)pid, match, opaque)) < 0)
            continue;
        g_warning(_("killing process %d, %s"), (int)pid, what);
        if (pidfd_send_signal(pidfd, SIGKILL, NULL, 0) == 0)
            killed++;
        close(pidfd);
    }
    return killed;
}

/* Does the command line contain @needle (which may hold NULs)? */
gboolean
virProcessCmdlineHas(const char *cmdline, gsize len, const char *needle, gsize needle_len)
{
    return memmem(cmdline, len, needle, needle_len) != NULL;
}

/* Waits up to @ms for the process of @pidfd to exit. */
static gboolean
virProcessWaitGone(int pidfd, guint ms)
{
    struct pollfd pfd = {.fd = pidfd, .events = POLLIN};
    gint64 deadline = g_get_monotonic_time() + (gint64)ms * 1000;

    for (;;) {
        gint64 left = (deadline - g_get_monotonic_time()) / 1000;
        int rc = poll(&pfd, 1, (int)MAX(left, 0));

        if (rc > 0)
            return TRUE;
        if (rc == 0 || left <= 0)
            return FALSE;
    }
}

/**
 * virProcessTerminate:
 * @pidfd: the process (not necessarily our child)
 * @grace_ms: how long it has to exit after SIGTERM before SIGKILL
 *
 * Returns: TRUE once the process is gone.
 */
gboolean
virProcessTerminate(int pidfd, guint grace_ms)
{
    if (pidfd_send_signal(pidfd, SIGTERM, NULL, 0) < 0)
        return TRUE; /* already gone */
    if (virProcessWaitGone(pidfd, grace_ms))
        return TRUE;
    if (pidfd_send_signal(pidfd, SIGKILL, NULL, 0) < 0)
        return TRUE;
    return virProcessWaitGone(pidfd, 5000);
}
