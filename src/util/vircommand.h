/*
 * vircommand.h: the only way virtd starts a child process
 *
 * A command is built (argv, environment, stdin, capture, fds to keep,
 * process group, deadline), started and waited for.  Guarantees:
 *  - the environment is empty unless entries are added;
 *  - stdin is /dev/null unless an input buffer is given; stdout/stderr go to
 *    /dev/null unless captured;
 *  - every fd not named is closed in the child, named fds are renumbered
 *    from 3 upwards in the order they were added;
 *  - every signal disposition is reset to default and the mask cleared
 *    before exec (glibc's two reserved real-time signals 32 and 33, which
 *    no program can use, are left ignored by its posix_spawn);
 *  - waiting ends when the child exits: a grandchild keeping the output
 *    pipes open never blocks the caller (what it still writes is drained in
 *    the background and discarded past the cap);
 *  - on the deadline the whole process group (or the child alone when it
 *    does not get its own group) gets SIGTERM, then SIGKILL after a grace
 *    period;
 *  - the child runs with the calling thread's scheduling attributes (a
 *    prompt start, virCommandSetPromptStart(), lends it a shorter slice
 *    only until its exec).
 */
#pragma once

#include <glib.h>
#include <sys/types.h>

#define VIR_COMMAND_ERROR (virCommandErrorQuark())
GQuark virCommandErrorQuark(void);

typedef enum {
    VIR_COMMAND_ERROR_SPAWN,   /* could not start the child */
    VIR_COMMAND_ERROR_SYSTEM,  /* pipe/poll/wait failure */
    VIR_COMMAND_ERROR_STATE,   /* API misuse detected at run time */
} virCommandErrorCode;

/* Default grace between SIGTERM and SIGKILL when a deadline expires. */
#define VIR_COMMAND_DEFAULT_GRACE_MS 5000

typedef struct _virCommand virCommand;

typedef struct {
    gboolean exited;        /* TRUE: normal exit with @exit_status */
    int exit_status;
    int term_signal;        /* signal that killed it, when !exited */
    gboolean timed_out;     /* the deadline expired and we killed it */
    guint timeout_ms;       /* the deadline that applied, 0 for none */
    gint64 duration_us;     /* from spawn to exit */
    GBytes *out;            /* captured stdout (up to the cap), or NULL */
    GBytes *err;            /* captured stderr (up to the cap), or NULL */
    gsize out_total;        /* bytes the child wrote to stdout before exit */
    gsize err_total;
} virCommandResult;

void virCommandResultClear(virCommandResult *res);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(virCommandResult, virCommandResultClear)

virCommand *virCommandNew(const char *binary);
virCommand *virCommandNewArgv(const char *const *argv);
void virCommandFree(virCommand *cmd);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virCommand, virCommandFree)

void virCommandAddArg(virCommand *cmd, const char *arg);
void virCommandAddArgFormat(virCommand *cmd, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
void virCommandAddArgList(virCommand *cmd, ...) G_GNUC_NULL_TERMINATED;

void virCommandAddEnvPair(virCommand *cmd, const char *name, const char *value);
void virCommandAddEnvFormat(virCommand *cmd, const char *name, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);
void virCommandAddEnvPass(virCommand *cmd, const char *name);

void virCommandSetInputBuffer(virCommand *cmd, const char *data, gssize len);
void virCommandSetOutputCapture(virCommand *cmd, gsize cap);
void virCommandSetErrorCapture(virCommand *cmd, gsize cap);
void virCommandSetOutputFD(virCommand *cmd, int fd);
void virCommandSetErrorFD(virCommand *cmd, int fd);

int virCommandPassFD(virCommand *cmd, int fd);

void virCommandSetNewProcessGroup(virCommand *cmd, gboolean newgroup);
void virCommandSetNewSession(virCommand *cmd, gboolean newsession);
void virCommandSetPromptStart(virCommand *cmd, gboolean prompt);
void virCommandSetWorkingDirectory(virCommand *cmd, const char *dir);
void virCommandSetTimeout(virCommand *cmd, guint timeout_ms);
void virCommandSetGrace(virCommand *cmd, guint grace_ms);

char *virCommandToString(const virCommand *cmd);
char *virCommandArgvToString(const virCommand *cmd);

gboolean virCommandStart(virCommand *cmd, GError **error);
pid_t virCommandGetPid(const virCommand *cmd);
int virCommandStealPidfd(virCommand *cmd);
gboolean virCommandWait(virCommand *cmd, virCommandResult *res, GError **error);
gboolean virCommandRun(virCommand *cmd, virCommandResult *res, GError **error);

char *virCommandResultDescribe(const virCommandResult *res);
gboolean virCommandResultSucceeded(const virCommandResult *res);
