/*
 * virlog.c: where virtd's log goes
 */
#include "virlog.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static gboolean logVerbose;
static gboolean logJournal;

static const char *
virLogLevelName(GLogLevelFlags level)
{
    if (level & G_LOG_LEVEL_ERROR)
        return "error";
    if (level & G_LOG_LEVEL_CRITICAL)
        return "critical";
    if (level & G_LOG_LEVEL_WARNING)
        return "warning";
    if (level & G_LOG_LEVEL_MESSAGE)
        return "notice";
    if (level & G_LOG_LEVEL_INFO)
        return "info";
    return "debug";
}

static const char *
virLogField(const GLogField *fields, gsize n, const char *key)
{
    for (gsize i = 0; i < n; i++) {
        if (g_str_equal(fields[i].key, key) && fields[i].length < 0)
            return fields[i].value;
    }
    return NULL;
}

static GLogWriterOutput
virLogWriter(GLogLevelFlags level, const GLogField *fields, gsize n, gpointer opaque)
{
    const char *domain = virLogField(fields, n, "GLIB_DOMAIN");
    const char *msg = virLogField(fields, n, "MESSAGE");
    g_autoptr(GDateTime) now = NULL;
    g_autofree char *ts = NULL;

    if ((level & G_LOG_LEVEL_DEBUG) && !logVerbose)
        return G_LOG_WRITER_HANDLED;
    if (logJournal && g_log_writer_journald(level, fields, n, opaque) == G_LOG_WRITER_HANDLED)
        return G_LOG_WRITER_HANDLED;

    now = g_date_time_new_now_utc();
    ts = g_date_time_format(now, "%Y-%m-%d %H:%M:%S.%f");
    ts[strlen(ts) - 3] = '\0'; /* milliseconds are enough */
    fprintf(stderr, "%s virtd[%d]: %s: %s: %s\n", ts, (int)getpid(), virLogLevelName(level),
            domain ? domain : "virtd", msg ? msg : "");
    fflush(stderr);
    return G_LOG_WRITER_HANDLED;
}

/**
 * virLogInit:
 * @verbose: also show debug messages
 *
 * Installs virtd's log writer for the whole process.
 */
void
virLogInit(gboolean verbose)
{
    logVerbose = verbose;
    logJournal = g_log_writer_is_journald(fileno(stderr));
    g_log_set_writer_func(virLogWriter, NULL, NULL);
}
